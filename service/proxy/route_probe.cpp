#include "proxy/route_probe.h"

#include "core/text.h"
#include "proxy/config_snapshot.h"
#include "proxy/path_normalizer.h"

namespace portico::proxy {

using json = nlohmann::json;

namespace {
Error fieldError(const std::string& field, const std::string& message) {
    Error e = Error::make(ErrorCode::SchemaViolation,
                          "schema violation (" + field + ": " + message + ")");
    e.fields[field] = message;
    return e;
}

Expected<std::string, Error> text(const json& query, const char* field, std::string fallback) {
    if (!query.contains(field) || query[field].is_null()) return fallback;
    if (!query[field].is_string()) return unexpected(fieldError(field, "expected a string"));
    return query[field].get<std::string>();
}
} // namespace

Expected<json, Error> probeRoute(const ConfigSnapshot& snapshot, const json& query) {
    if (!query.is_object())
        return unexpected(Error::make(ErrorCode::SchemaViolation, "expected a JSON object"));
    auto method = text(query, "method", "GET");
    auto hostPort = text(query, "host", "");
    auto target = text(query, "path", "");
    auto protocol = text(query, "protocol", "http");
    auto sni = text(query, "sni", "");
    for (const auto* e : {&method, &hostPort, &target, &protocol, &sni})
        if (!*e) return unexpected(e->error());
    if (target->empty() || target->front() != '/')
        return unexpected(fieldError("path", "must start with '/'"));
    if (*protocol != "http" && *protocol != "https")
        return unexpected(fieldError("protocol", "expected one of: http, https"));

    std::vector<std::pair<std::string, std::string>> headers;
    if (query.contains("headers") && !query["headers"].is_null()) {
        if (!query["headers"].is_object())
            return unexpected(fieldError("headers", "expected an object of names and values"));
        for (const auto& [name, value] : query["headers"].items()) {
            const json values = value.is_array() ? value : json::array({value});
            for (const auto& v : values) {
                if (!v.is_string())
                    return unexpected(fieldError("headers", "values must be strings"));
                headers.emplace_back(toLower(name), v.get<std::string>());
            }
        }
    }
    // As the proxy reads them: the port from Host, else the protocol's; the path without its
    // query, normalized once.
    std::string host = toLower(*hostPort);
    int port = *protocol == "https" ? 443 : 80;
    if (const auto colon = host.rfind(':');
        colon != std::string::npos && host.find(']') == std::string::npos) {
        port = std::atoi(host.c_str() + colon + 1);
        host.resize(colon);
    }
    const NormalizedPath norm = normalizePath(target->substr(0, target->find('?')));
    if (!norm.error.empty()) return unexpected(fieldError("path", norm.error));

    json out = {{"route", nullptr},           {"service", nullptr},
                {"matched_path", nullptr},    {"captures", json::object()},
                {"protocol_redirect", false}, {"normalized_path", norm.path}};
    if (!snapshot.router) return out;
    MatchRequest mr;
    mr.protocol = *protocol;
    mr.method = *method;
    mr.host = host;
    mr.port = port;
    mr.path = norm.path;
    mr.sni = *sni;
    std::vector<FieldView> fields;
    for (const auto& [name, value] : headers)
        fields.push_back({name, value});
    mr.headers = fields;
    const RouteMatch match = snapshot.router->match(mr);
    if (!match.route) return out;
    out["route"] = match.route->entity;
    if (!match.route->serviceId.empty()) out["service"] = {{"id", match.route->serviceId}};
    out["matched_path"] = norm.path.substr(0, match.matchedLength);
    for (const auto& [name, value] : match.captures)
        out["captures"][name] = value;
    out["protocol_redirect"] = match.protocolRedirect;
    return out;
}

} // namespace portico::proxy
