#pragma once
// Admin API response bodies in Kong's shapes.

#include "admin/http_message.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

namespace portico::admin {

HttpResponse jsonResponse(int status, const nlohmann::json& body);
HttpResponse emptyResponse(int status);
HttpResponse messageResponse(int status, const std::string& message);
// Maps an Error to Kong's status code and body ({"code","name","message","fields"}).
HttpResponse errorResponse(const Error& e);
HttpResponse notFound();
HttpResponse methodNotAllowed();

} // namespace portico::admin
