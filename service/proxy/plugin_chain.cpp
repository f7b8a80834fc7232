#include "proxy/plugin_chain.h"

#include <algorithm>

namespace portico::proxy {

PluginChain::PluginChain(std::vector<std::shared_ptr<const Plugin>> plugins)
    : m_plugins(std::move(plugins)) {
    // Kong's order: higher priority first; equal priorities by name, so that the order never
    // depends on how the entities happened to be listed.
    std::stable_sort(m_plugins.begin(), m_plugins.end(), [](const auto& a, const auto& b) {
        if (a->priority() != b->priority()) return a->priority() > b->priority();
        return a->name() < b->name();
    });
    for (const auto& p : m_plugins)
        m_phases |= p->phases();
}

PhaseResult PluginChain::rewrite(RequestContext& r) const {
    for (const auto& p : m_plugins)
        if (p->phases() & Plugin::Rewrite)
            if (PhaseResult res = p->rewrite(r); res.respond) return res;
    return {};
}

PhaseResult PluginChain::access(RequestContext& r) const {
    for (const auto& p : m_plugins)
        if (p->phases() & Plugin::Access)
            if (PhaseResult res = p->access(r); res.respond) return res;
    return {};
}

void PluginChain::headerFilter(RequestContext& r) const {
    for (const auto& p : m_plugins)
        if (p->phases() & Plugin::HeaderFilter) p->headerFilter(r);
}

void PluginChain::bodyFilter(RequestContext& r, std::string_view chunk, bool last) const {
    for (const auto& p : m_plugins)
        if (p->phases() & Plugin::BodyFilter) p->bodyFilter(r, chunk, last);
}

void PluginChain::log(const RequestContext& r) const {
    for (const auto& p : m_plugins)
        if (p->phases() & Plugin::Log) p->log(r);
}

} // namespace portico::proxy
