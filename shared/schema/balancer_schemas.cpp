// Upstreams and targets (Kong's upstreams.lua and targets.lua).
#include "schema/schemas.h"
#include "schema/typedefs.h"
#include "schema/validators.h"

namespace portico::schema {

namespace {

const std::vector<json> kHashOn = {"none",   "consumer", "ip",        "header",
                                   "cookie", "path",     "query_arg", "uri_capture"};

Field healthyActive() {
    return Field::record(
               "healthy",
               {
                   Field::number("interval")
                       .def(0)
                       .range(0, 65535)
                       .describe("Seconds between checks of healthy targets; 0 disables."),
                   typedefs::httpStatuses("http_statuses", {200, 302}),
                   Field::integer("successes")
                       .def(0)
                       .range(0, 255)
                       .describe("Successes that mark a target healthy."),
               })
        .def(json::object());
}

Field unhealthyActive() {
    return Field::record(
               "unhealthy",
               {
                   Field::number("interval")
                       .def(0)
                       .range(0, 65535)
                       .describe("Seconds between checks of unhealthy targets; 0 disables."),
                   typedefs::httpStatuses("http_statuses",
                                          {429, 404, 500, 501, 502, 503, 504, 505}),
                   Field::integer("tcp_failures").def(0).range(0, 255),
                   Field::integer("timeouts").def(0).range(0, 255),
                   Field::integer("http_failures").def(0).range(0, 255),
               })
        .def(json::object());
}

Field checkType() {
    return Field::string("type").def("http").values({"tcp", "http", "https", "grpc", "grpcs"});
}

Field healthchecks() {
    Field active =
        Field::record("active",
                      {
                          checkType(),
                          Field::number("timeout").def(1).range(0, 65535).describe(
                              "Seconds before a probe counts as a timeout."),
                          Field::integer("concurrency").def(10).range(1, 2147483648.0),
                          Field::string("http_path").def("/").validate(checkServicePath),
                          Field::string("https_sni").validate(checkHost),
                          Field::boolean("https_verify_certificate").def(true),
                          Field::mapOf("headers", Field::arrayOf("values", Field::string("value"))),
                          healthyActive(),
                          unhealthyActive(),
                      })
            .def(json::object());
    Field passive =
        Field::record(
            "passive",
            {
                checkType(),
                Field::record(
                    "healthy",
                    {
                        typedefs::httpStatuses("http_statuses",
                                               {200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
                                                300, 301, 302, 303, 304, 305, 306, 307, 308}),
                        Field::integer("successes").def(0).range(0, 255),
                    })
                    .def(json::object()),
                Field::record("unhealthy",
                              {
                                  typedefs::httpStatuses("http_statuses", {429, 500, 503}),
                                  Field::integer("tcp_failures").def(0).range(0, 255),
                                  Field::integer("timeouts").def(0).range(0, 255),
                                  Field::integer("http_failures").def(0).range(0, 255),
                              })
                    .def(json::object()),
            })
            .def(json::object());
    return Field::record("healthchecks",
                         {
                             std::move(active),
                             std::move(passive),
                             Field::number("threshold")
                                 .def(0)
                                 .range(0, 100)
                                 .describe("Percent of healthy weight needed to serve."),
                         })
        .def(json::object());
}

std::string checkUpstreamName(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    HostPort hp = splitHostPort(s);
    if (hp.port != -1) return "Invalid name ('" + s + "'); must not have a port";
    if (isIpAddress(s)) return "Invalid name ('" + s + "'); no ip addresses allowed";
    if (!isHostname(s)) return "Invalid name ('" + s + "'); must be a valid hostname";
    return {};
}

void upstreamShorthands(json& input, json&) {
    // Kong: choosing a hash input implies the consistent-hashing algorithm.
    if (input.contains("hash_on") && input["hash_on"] != "none" && !input.contains("algorithm"))
        input["algorithm"] = "consistent-hashing";
}

void checkUpstream(const json& e, json& errors) {
    struct Needs {
        const char* value;
        const char* field;
    };
    const Needs needs[] = {{"header", "header"},
                           {"cookie", "cookie"},
                           {"query_arg", "query_arg"},
                           {"uri_capture", "uri_capture"}};
    for (const auto& n : needs) {
        if (e["hash_on"] == n.value && e[std::string("hash_on_") + n.field].is_null())
            errors[std::string("hash_on_") + n.field] = "required field missing";
        if (e["hash_fallback"] == n.value && n.field != std::string("cookie") &&
            e[std::string("hash_fallback_") + n.field].is_null())
            errors[std::string("hash_fallback_") + n.field] = "required field missing";
    }
    if ((e["hash_on"] == "none" || e["hash_on"] == "cookie") && e["hash_fallback"] != "none")
        errors["hash_fallback"] = "expected one of: none";
    if (e["hash_fallback"] == "cookie")
        errors["hash_fallback"] = "cookie is not allowed as a fallback";
    if (e["algorithm"] == "consistent-hashing" && e["hash_on"] == "none")
        errors["hash_on"] = "required when 'algorithm' is 'consistent-hashing'";
}

void normalizeTarget(json& input, json&) {
    if (!input.contains("target") || !input["target"].is_string()) return;
    std::string t = input["target"].get<std::string>();
    HostPort hp = splitHostPort(t);
    if (hp.port == -1) {
        // Kong's default target port.
        bool v6 = hp.host.find(':') != std::string::npos;
        input["target"] = (v6 && t.front() != '[' ? "[" + t + "]" : t) + ":8000";
    }
}

} // namespace

EntitySchema makeUpstreamSchema() {
    EntitySchema s;
    s.name = "upstreams";
    s.foreignName = "upstream";
    s.endpointKey = "name";
    s.fields = {
        Field::string("name")
            .req()
            .uniq()
            .validate(checkUpstreamName)
            .describe("Virtual hostname; services whose host equals it are balanced."),
        Field::string("algorithm")
            .def("round-robin")
            .req()
            .values({"consistent-hashing", "least-connections", "round-robin", "latency"}),
        Field::string("hash_on").def("none").req().values(kHashOn),
        Field::string("hash_fallback").def("none").req().values(kHashOn),
        Field::string("hash_on_header").validate(checkHeaderName),
        Field::string("hash_fallback_header").validate(checkHeaderName),
        Field::string("hash_on_cookie"),
        Field::string("hash_on_cookie_path").def("/").req().validate(checkServicePath),
        Field::string("hash_on_query_arg"),
        Field::string("hash_fallback_query_arg"),
        Field::string("hash_on_uri_capture"),
        Field::string("hash_fallback_uri_capture"),
        Field::integer("slots").def(10000).req().range(10, 65536).describe(
            "Size of the hash ring."),
        healthchecks(),
        Field::string("host_header")
            .validate(checkRouteHost)
            .describe("Host header sent to targets."),
        Field::foreign("client_certificate", "certificates"),
        Field::boolean("use_srv_name").def(false),
    };
    typedefs::addCommon(s.fields);
    s.shorthands = upstreamShorthands;
    s.entityCheck = checkUpstream;
    return s;
}

EntitySchema makeTargetSchema() {
    EntitySchema s;
    s.name = "targets";
    s.foreignName = "target";
    s.endpointKey = "target";
    s.millisecondTimestamps = true;
    s.fields = {
        Field::foreign("upstream", "upstreams", OnDelete::Cascade).req(),
        Field::string("target")
            .req()
            .validate(checkTarget)
            .describe("host:port of a backend; port 8000 when omitted."),
        Field::integer("weight").def(100).req().range(0, 65535).describe(
            "Share of traffic; 0 disables."),
    };
    typedefs::addCommon(s.fields);
    for (auto& f : s.fields) // Kong keeps target timestamps with millisecond resolution.
        if (f.name == "created_at" || f.name == "updated_at") f.type = FieldType::Number;
    s.uniqueTogether = {{"upstream", "target"}};
    s.shorthands = normalizeTarget;
    return s;
}

} // namespace portico::schema
