#pragma once
// The plugins the proxy itself provides, and the compilation of per-route chains from the
// plugins entities of a revision (main thread, while a snapshot is built).

#include "proxy/plugin_chain.h"

#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace portico::proxy {

struct ChainOptions {
    bool latencyHeaders = true;  // X-Portico-Upstream-Latency, X-Portico-Proxy-Latency
    bool requestIdHeader = true; // X-Portico-Request-Id to the upstream and the client
};

struct CompiledChains {
    PluginChain global;                                   // requests no route matched
    std::unordered_map<std::string, PluginChain> byRoute; // by route id
    std::vector<std::string> warnings;                    // for the log, once per revision
};

// For each route, the enabled plugins that apply to it, the most specific instance of each
// name winning (route+service > route > service > global; consumer-scoped instances wait for
// the authentication plugins that identify consumers), plus the built-in response headers.
// A configured plugin this build cannot run fails closed: its requests are refused with a
// 500 rather than served without it (an authentication plugin skipped would open the route).
CompiledChains buildChains(const std::vector<nlohmann::json>& routes,
                           const std::vector<nlohmann::json>& plugins, const ChainOptions& options);

} // namespace portico::proxy
