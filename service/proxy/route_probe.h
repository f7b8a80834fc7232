#pragma once
// What the proxy would do with a request, without sending one: the route it matches (the
// same normalization and router as live traffic) and the service it forwards to. Serves the
// Admin API's POST /router/match, which the console's "test a request" box uses. Pure; any
// thread that holds the snapshot.

#include "core/error.h"
#include "core/expected.h"

#include <nlohmann/json.hpp>

namespace portico::proxy {

struct ConfigSnapshot;

// `query`: {"method", "host" (may carry ":port"), "path" (may carry "?query"), "protocol"
// ("http"/"https"), "sni", "headers" {name: value or [values]}}; only "path" is required.
// Answers {"route": entity or null, "service": {"id"} or null, "matched_path", "captures",
// "protocol_redirect", "normalized_path"}; a bad query is a SchemaViolation naming the field.
Expected<nlohmann::json, Error> probeRoute(const ConfigSnapshot& snapshot,
                                           const nlohmann::json& query);

} // namespace portico::proxy
