#include "proxy/config_snapshot.h"

#include "model/entity_fields.h"

namespace portico::proxy {

Expected<std::shared_ptr<const ConfigSnapshot>, Error>
ConfigSnapshot::build(std::int64_t revision, const ConfigEntities& entities,
                      HealthRegistry* registry, const ChainOptions& chainOptions) {
    const auto& [services, routes, upstreams, targets, certificates, snis, plugins,
                 caCertificates] = entities;
    auto router = Router::build(routes);
    if (!router) return unexpected(router.error());
    auto certs = TlsCertificates::build(certificates, snis);
    if (!certs) return unexpected(certs.error());
    auto snap = std::make_shared<ConfigSnapshot>();
    snap->revision = revision;
    snap->router = std::move(*router);
    snap->certificates = std::move(*certs);
    snap->chains = buildChains(routes, plugins, chainOptions);
    UpstreamTls::EntityIndex caById, certById;
    for (const auto& c : caCertificates)
        caById.emplace(c.value("id", ""), &c);
    for (const auto& c : certificates)
        certById.emplace(c.value("id", ""), &c);
    for (const auto& s : services) {
        ServiceInfo info;
        info.id = s.value("id", "");
        info.name = s["name"].is_string() ? s["name"].get<std::string>() : std::string();
        info.protocol = s.value("protocol", "http");
        info.host = s.value("host", "");
        info.port = s.value("port", 80);
        info.path = s["path"].is_string() ? s["path"].get<std::string>() : std::string();
        info.connectTimeoutMs = s.value("connect_timeout", 60000);
        info.writeTimeoutMs = s.value("write_timeout", 60000);
        info.readTimeoutMs = s.value("read_timeout", 60000);
        info.retries = s.value("retries", 5);
        info.enabled = s.value("enabled", true);
        if (info.protocol == "https") {
            auto tls = UpstreamTls::build(s, caById, certById);
            if (!tls) return unexpected(tls.error());
            info.tls = std::move(*tls);
        }
        snap->services.emplace(info.id, std::move(info));
    }
    std::unordered_map<std::string, std::string> upstreamNameById;
    for (const auto& u : upstreams) {
        UpstreamInfo info = UpstreamInfo::fromEntity(u);
        upstreamNameById[info.id] = info.name;
        snap->upstreams.emplace(info.name, std::move(info));
    }
    for (const auto& t : targets) {
        const long weight = t.value("weight", 100);
        if (weight <= 0) continue; // weight 0 disables a target
        auto name = upstreamNameById.find(model::foreignId(t, "upstream"));
        if (name == upstreamNameById.end()) continue;
        const std::string target = t.value("target", "");
        const auto colon = target.rfind(':');
        UpstreamInfo::Target tgt;
        tgt.id = t.value("id", "");
        tgt.address = target;
        tgt.weight = weight;
        tgt.health = registry ? registry->get(model::foreignId(t, "upstream"), target)
                              : std::make_shared<TargetHealth>();
        tgt.host = target.substr(0, colon);
        if (!tgt.host.empty() && tgt.host.front() == '[')
            tgt.host = tgt.host.substr(1, tgt.host.size() - 2);
        tgt.port = std::atoi(target.c_str() + colon + 1);
        snap->upstreams[name->second].targets.push_back(std::move(tgt));
    }
    for (auto& [name, up] : snap->upstreams)
        up.compile();
    if (registry) registry->prune();
    return std::shared_ptr<const ConfigSnapshot>(std::move(snap));
}

const UpstreamInfo* ConfigSnapshot::upstreamById(const std::string& id) const {
    for (const auto& [name, up] : upstreams)
        if (up.id == id) return &up;
    return nullptr;
}

} // namespace portico::proxy
