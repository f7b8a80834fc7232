// Services and routes (Kong's services.lua and routes.lua).
#include "core/text.h"
#include "schema/schemas.h"
#include "schema/typedefs.h"
#include "schema/validators.h"

#include <algorithm>
#include <boost/url/parse.hpp>

namespace portico::schema {

namespace {

bool has(const json& arr, const char* v) {
    return arr.is_array() && std::find(arr.begin(), arr.end(), json(v)) != arr.end();
}
bool empty(const json& v) {
    return v.is_null() || v.empty();
}

void applyServiceUrl(json& input, json& errors) {
    if (!input.contains("url")) return;
    json url = input["url"];
    input.erase("url");
    if (url.is_null()) return;
    if (!url.is_string()) {
        errors["url"] = "expected a string";
        return;
    }
    const std::string text = url.get<std::string>(); // the parsed view points into it
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed || parsed->host().empty()) {
        errors["url"] = "missing host in url";
        return;
    }
    std::string scheme(parsed->scheme());
    input["protocol"] = scheme;
    input["host"] = std::string(parsed->encoded_host());
    if (parsed->has_port()) {
        input["port"] = static_cast<int>(parsed->port_number());
    } else {
        input["port"] = (scheme == "https" || scheme == "grpcs" || scheme == "tls") ? 443 : 80;
    }
    std::string path(parsed->encoded_path());
    input["path"] = path.empty() ? json(nullptr) : json(path);
}

void checkService(const json& e, json& errors) {
    const std::string proto = e["protocol"].get<std::string>();
    const bool httpLike = proto == "http" || proto == "https";
    const bool tlsLike = proto == "https" || proto == "tls" || proto == "grpcs";
    if (!httpLike && !e["path"].is_null()) errors["path"] = "value must be null";
    if (!tlsLike) {
        for (const char* f :
             {"client_certificate", "tls_verify", "tls_verify_depth", "ca_certificates"})
            if (!e[f].is_null()) errors[f] = "value must be null";
    }
}

const std::vector<json> kRouteProtocols = {"grpc", "grpcs",           "http", "https", "tcp",
                                           "tls",  "tls_passthrough", "udp",  "ws",    "wss"};

void checkRoute(const json& e, json& errors) {
    const json& protocols = e["protocols"];
    // Kong's protocol groups: a route serves one family of traffic.
    const std::vector<std::vector<std::string>> groups = {{"http", "https", "ws", "wss"},
                                                          {"tcp", "tls", "udp"},
                                                          {"tls_passthrough"},
                                                          {"grpc", "grpcs"}};
    int groupsUsed = 0;
    for (const auto& g : groups) {
        bool used = false;
        for (const auto& p : g)
            used = used || has(protocols, p.c_str());
        groupsUsed += used;
    }
    if (groupsUsed > 1) {
        errors["protocols"] = "these sets are mutually exclusive: ('http', 'https', 'ws', 'wss'), "
                              "('tcp', 'tls', 'udp'), ('tls_passthrough'), ('grpc', 'grpcs')";
        return;
    }
    const bool stream = has(protocols, "tcp") || has(protocols, "tls") || has(protocols, "udp") ||
                        has(protocols, "tls_passthrough");
    const bool sniCapable = has(protocols, "https") || has(protocols, "grpcs") ||
                            has(protocols, "tls") || has(protocols, "tls_passthrough") ||
                            has(protocols, "wss");
    if (!empty(e["snis"]) && !sniCapable)
        errors["snis"] = "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls', "
                         "'tls_passthrough' or 'wss'";
    if (stream) {
        for (const char* f : {"methods", "hosts", "paths", "headers"})
            if (!empty(e[f]))
                errors[f] = std::string("cannot set '") + f +
                            "' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'";
        if (empty(e["sources"]) && empty(e["destinations"]) && empty(e["snis"]))
            errors["@entity"] = json::array(
                {"must set one of 'sources', 'destinations', 'snis' when 'protocols' is '" +
                 protocols[0].get<std::string>() + "'"});
    } else {
        for (const char* f : {"sources", "destinations"})
            if (!empty(e[f]))
                errors[f] =
                    std::string("cannot set '") + f + "' when 'protocols' is 'http' or 'https'";
        bool none = empty(e["methods"]) && empty(e["hosts"]) && empty(e["paths"]) &&
                    empty(e["headers"]) && (!sniCapable || empty(e["snis"]));
        if (none)
            errors["@entity"] =
                json::array({sniCapable ? "must set one of 'methods', 'hosts', 'headers', 'paths', "
                                          "'snis' when 'protocols' is 'https'"
                                        : "must set one of 'methods', 'hosts', 'headers', 'paths' "
                                          "when 'protocols' is 'http'"});
    }
    if (e["headers"].is_object()) {
        json headerErrors = json::object();
        for (const auto& [name, values] : e["headers"].items()) {
            if (toLower(name) == "host")
                headerErrors[name] = "cannot contain 'host' header";
            else if (auto err = checkHeaderName(json(name)); !err.empty())
                headerErrors[name] = err;
        }
        if (!headerErrors.empty()) errors["headers"] = headerErrors;
    }
}

Field streamEndpoint(std::string name) {
    return Field::record(std::move(name), {Field::string("ip").validate(checkIpOrCidr),
                                           Field::integer("port").range(0, 65535)});
}

} // namespace

EntitySchema makeServiceSchema() {
    EntitySchema s;
    s.name = "services";
    s.foreignName = "service";
    s.endpointKey = "name";
    s.fields = {
        typedefs::name(),
        Field::integer("retries").def(5).range(0, 32767).describe(
            "Attempts after a failed connection."),
        Field::string("protocol")
            .req()
            .def("http")
            .values({"grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp", "ws",
                     "wss"})
            .describe("Protocol used to reach the upstream."),
        typedefs::host("host").req().describe(
            "Upstream host: a hostname, an IP, or an Upstream's name."),
        typedefs::port("port", 80).req().describe("Upstream port."),
        Field::string("path")
            .validate(checkServicePath)
            .describe("Path prefix sent to the upstream."),
        typedefs::timeout("connect_timeout", 60000)
            .describe("Milliseconds to establish a connection."),
        typedefs::timeout("write_timeout", 60000).describe("Milliseconds between two writes."),
        typedefs::timeout("read_timeout", 60000).describe("Milliseconds between two reads."),
        Field::foreign("client_certificate", "certificates")
            .describe("Certificate for mTLS to the upstream."),
        Field::boolean("tls_verify").describe("Verify the upstream's certificate."),
        Field::integer("tls_verify_depth")
            .range(0, 64)
            .describe("Maximum chain depth when verifying."),
        Field::setOf("ca_certificates", Field::string("id").validate(checkUuidValue))
            .describe("Ids of CA certificates trusted for the upstream."),
        Field::boolean("enabled").def(true).req().describe(
            "Whether routes to this service are served."),
    };
    typedefs::addCommon(s.fields);
    s.shorthands = applyServiceUrl;
    s.entityCheck = checkService;
    return s;
}

EntitySchema makeRouteSchema() {
    EntitySchema s;
    s.name = "routes";
    s.foreignName = "route";
    s.endpointKey = "name";
    s.fields = {
        typedefs::name(),
        typedefs::protocols("protocols", kRouteProtocols, json::array({"http", "https"}))
            .describe("Protocols this route accepts; one family at a time."),
        Field::setOf("methods", Field::string("method").validate(checkMethod))
            .describe("HTTP methods; empty means any."),
        Field::arrayOf("hosts", Field::string("host").validate(checkRouteHost))
            .describe("Host header values; one '*' as leftmost or rightmost label."),
        Field::arrayOf("paths", Field::string("path").validate(checkRoutePath))
            .describe("Path prefixes, or regexes starting with '~'."),
        Field::mapOf("headers", Field::arrayOf("values", Field::string("value")))
            .describe("Header name to accepted values; names AND, values OR."),
        Field::integer("https_redirect_status_code")
            .def(426)
            .values({426, 301, 302, 307, 308})
            .req()
            .describe("Status sent when only the protocol does not match."),
        Field::integer("regex_priority")
            .def(0)
            .req()
            .describe("Order among regex routes; higher first."),
        Field::boolean("strip_path")
            .def(true)
            .req()
            .describe("Remove the matched prefix before proxying."),
        Field::string("path_handling")
            .def("v0")
            .values({"v0", "v1"})
            .req()
            .describe("How service and request paths join."),
        Field::boolean("preserve_host")
            .def(false)
            .req()
            .describe("Send the client's Host upstream."),
        Field::boolean("request_buffering").def(true).req().describe("Buffer request bodies."),
        Field::boolean("response_buffering").def(true).req().describe("Buffer response bodies."),
        Field::setOf("snis", Field::string("sni").validate(checkSniName))
            .describe("TLS server names."),
        Field::setOf("sources", streamEndpoint("source"))
            .describe("Client addresses (stream routes)."),
        Field::setOf("destinations", streamEndpoint("destination"))
            .describe("Listener addresses (stream routes)."),
        Field::foreign("service", "services").describe("Service this route forwards to."),
    };
    typedefs::addCommon(s.fields);
    s.entityCheck = checkRoute;
    return s;
}

} // namespace portico::schema
