#pragma once
// Decodes Admin API request bodies the way Kong does: JSON, or form-urlencoded with dotted keys
// (config.minute=5) and array suffixes (paths[]=/a, paths[1]=/a).

#include "admin/http_message.h"
#include "core/error.h"
#include "core/expected.h"

#include <nlohmann/json.hpp>

namespace portico::admin {

struct DecodedBody {
    nlohmann::json value = nlohmann::json::object();
    bool fromForm = false; // values are strings to be converted by the schema
};

// Errors: 400 with the byte offset for malformed JSON; 415 (code BadRequest, fields
// {"content-type": ...}) for a content type the Admin API does not take.
Expected<DecodedBody, Error> decodeBody(const HttpRequest& req);
bool isUnsupportedMediaType(const Error& e);

nlohmann::json decodeForm(std::string_view body);

} // namespace portico::admin
