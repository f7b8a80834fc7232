#pragma once
// The proxy listeners and their workers. Each worker has its own io_context and thread and its
// own acceptor per address (SO_REUSEPORT), so a connection lives on one thread from accept to
// close. start() and stop() are called from the main thread.

#include "app/settings.h"
#include "proxy/proxy_metrics.h"
#include "proxy/proxy_stats.h"

#include <memory>
#include <string>
#include <vector>

namespace portico::proxy {

class SnapshotHolder;

class ProxyServer {
public:
    ProxyServer(const app::Settings& settings, SnapshotHolder& snapshots);
    ~ProxyServer();

    // Binds every plain listener and starts the workers; an error message stops start-up.
    std::string start();
    // Stops accepting, lets requests in flight finish (bounded by their timeouts), joins.
    void stop();
    // Counters summed over the workers; any thread.
    ProxyTotals totals() const;
    // The workers' windows handed over since the last call, merged. Main thread.
    MetricsWindow takeMetrics();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace portico::proxy
