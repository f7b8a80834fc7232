#pragma once
// The route matcher, compiled once per configuration revision with Kong's
// traditional_compatible priorities. Immutable after build(): worker threads match
// concurrently without locks.
//
// Matching does not scan every route. Each (host key, path prefix) pair of the configuration
// is one hash in a flat table; a request hashes its own host keys (its host, the suffixes and
// prefixes a wildcard could stand for, "no host") with the prefixes of its path at the lengths
// routes use, and confirms the best candidate against its own fields. The cost of a match
// depends on the request and the few routes that could match it: 10,000 routes match the same
// mix of requests in about 1.3x the time of 10 (tests/bench/router_bench.cpp).

#include "core/error.h"
#include "core/expected.h"
#include "proxy/request_fields.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::proxy {

struct MatchRequest {
    std::string_view protocol; // "http" or "https"
    std::string_view method;
    std::string_view host; // lower case, without port
    int port = 0;          // the port the client addressed (Host header, else the listener)
    std::string_view path; // normalized
    std::string_view sni;  // TLS server name, empty for plain HTTP
    RequestFields headers;
};

struct CompiledRoute {
    nlohmann::json entity; // the route as stored
    std::string id;
    std::string serviceId; // empty when the route has no service
    bool stripPath = true;
    bool preserveHost = false;
    std::string pathHandling;
    int redirectStatus = 426;
};

struct RouteMatch {
    const CompiledRoute* route = nullptr;
    // Length of the request path the route's path matched (what strip_path removes).
    std::size_t matchedLength = 0;
    // Regex captures: numbered ("1", "2", ...) and named.
    std::vector<std::pair<std::string, std::string>> captures;
    // Set when only the protocol kept a route from matching: answer with a redirect.
    bool protocolRedirect = false;
};

class Router {
public:
    // Compiles the routes (stored route entities). A regex RE2 rejects is an error: the config
    // is refused before it is committed.
    static Expected<std::shared_ptr<const Router>, Error>
    build(const std::vector<nlohmann::json>& routes);

    // The best route for the request, or a result with route == nullptr.
    RouteMatch match(const MatchRequest& req) const;

    std::size_t size() const;
    ~Router();

    struct Impl;

private:
    explicit Router(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace portico::proxy
