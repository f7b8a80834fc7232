#pragma once
// Everything a proxy worker needs for one configuration revision, compiled once on the main
// thread and shared read-only: workers hold a shared_ptr for the life of each request, so a
// new revision never disturbs requests in flight.

#include "core/error.h"
#include "core/expected.h"
#include "proxy/builtin_plugins.h"
#include "proxy/router.h"
#include "proxy/tls_certificates.h"
#include "proxy/upstream_balancer.h"
#include "proxy/upstream_health.h"
#include "proxy/upstream_tls.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace portico::proxy {

struct ServiceInfo {
    std::string id;
    std::string name;
    std::string protocol;
    std::string host;
    int port = 80;
    std::string path; // empty when none
    int connectTimeoutMs = 60000;
    int writeTimeoutMs = 60000;
    int readTimeoutMs = 60000;
    int retries = 5;
    bool enabled = true;
    std::shared_ptr<const UpstreamTls> tls; // set for protocol https
};

// The stored entities a snapshot is compiled from (as the store returns them). A registry, when
// given, supplies the targets' health so that it carries over from the previous revision.
struct ConfigEntities {
    std::vector<nlohmann::json> services, routes, upstreams, targets, certificates, snis, plugins,
        caCertificates;
};

struct ConfigSnapshot {
    std::int64_t revision = 0;
    std::shared_ptr<const TlsCertificates> certificates; // chosen by SNI on TLS listeners
    CompiledChains chains;                               // plugin phases per route
    std::shared_ptr<const Router> router;
    std::unordered_map<std::string, ServiceInfo> services; // by id
    std::unordered_map<std::string, UpstreamInfo>
        upstreams; // by name: a service host naming one is balanced

    static Expected<std::shared_ptr<const ConfigSnapshot>, Error>
    build(std::int64_t revision, const ConfigEntities& entities, HealthRegistry* registry = nullptr,
          const ChainOptions& chainOptions = {});
    // The plugin chain of a matched route ("" or an unknown id: the global chain).
    const PluginChain& chainFor(const std::string& routeId) const {
        auto it = chains.byRoute.find(routeId);
        return it == chains.byRoute.end() ? chains.global : it->second;
    }
    // Admin API lookups (not for the request path).
    const UpstreamInfo* upstreamById(const std::string& id) const;
};

// The current snapshot. Written by the main thread, read by every worker (lock-free atomic).
class SnapshotHolder {
public:
    std::shared_ptr<const ConfigSnapshot> get() const {
        return m_current.load(std::memory_order_acquire);
    }
    void set(std::shared_ptr<const ConfigSnapshot> s) {
        m_current.store(std::move(s), std::memory_order_release);
    }

private:
    std::atomic<std::shared_ptr<const ConfigSnapshot>> m_current;
};

} // namespace portico::proxy
