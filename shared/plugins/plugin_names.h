#pragma once
// The registry of plugin names Portico knows, with Kong's static priorities (execution order,
// highest first) and whether a plugin may be scoped to a consumer. Per-plugin config schemas
// join this registry with the plugins issue.

#include <string_view>
#include <vector>

namespace portico::plugins {

struct PluginInfo {
    std::string_view name;
    int priority;
    bool noConsumer; // authentication and similar plugins cannot be consumer-scoped
};

const std::vector<PluginInfo>& knownPlugins();
const PluginInfo* findPlugin(std::string_view name);

} // namespace portico::plugins
