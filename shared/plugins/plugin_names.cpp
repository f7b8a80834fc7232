#include "plugins/plugin_names.h"

namespace portico::plugins {

const std::vector<PluginInfo>& knownPlugins() {
    static const std::vector<PluginInfo> list = {
        {"correlation-id", 100001, false},
        {"bot-detection", 2500, true},
        {"cors", 2000, true},
        {"jwt", 1450, true},
        {"key-auth", 1250, true},
        {"basic-auth", 1100, true},
        {"hmac-auth", 1030, true},
        {"ip-restriction", 990, false},
        {"request-size-limiting", 951, false},
        {"acl", 950, true},
        {"rate-limiting", 910, false},
        {"response-ratelimiting", 900, false},
        {"request-transformer", 801, false},
        {"response-transformer", 800, false},
        {"proxy-cache", 100, false},
        {"prometheus", 13, false},
        {"http-log", 12, false},
        {"file-log", 9, false},
        {"udp-log", 8, false},
        {"tcp-log", 7, false},
        {"syslog", 4, false},
        {"request-termination", 2, false},
    };
    return list;
}

const PluginInfo* findPlugin(std::string_view name) {
    for (const auto& p : knownPlugins())
        if (p.name == name) return &p;
    return nullptr;
}

} // namespace portico::plugins
