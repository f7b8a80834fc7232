#pragma once
// Active health checks: probes the targets of every upstream whose policy enables them (tcp
// connect, or an HTTP(S) request whose status is classified), on a thread and io_context of
// its own, and records the results in the targets' shared TargetHealth, which workers read
// when they pick a target. The same thread keeps the addresses of targets named by host name
// resolved (again when the answer's TTL runs out; the lookups themselves block a second
// thread), so that workers spread connections over all of them without a lookup per
// connection. update() is called from the main thread after each snapshot swap;
// the probe loops of the previous revision stop and those of the new one start, while the
// health state itself carries over (the registry keeps it per target).

#include "proxy/dns_resolver.h"

#include <memory>

namespace portico::proxy {

struct ConfigSnapshot;

class HealthChecker {
public:
    explicit HealthChecker(DnsSettings dns = {});
    ~HealthChecker();
    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    void start();
    void stop();
    void update(std::shared_ptr<const ConfigSnapshot> snapshot);

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace portico::proxy
