#pragma once
// Private to the proxy: one client connection, from the first request to close. Runs on its
// worker's thread only.

#include "app/settings.h"
#include "core/ip_range.h"
#include "proxy/config_snapshot.h"
#include "proxy/proxy_metrics.h"
#include "proxy/proxy_stats.h"
#include "proxy/timed_socket.h"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace portico::proxy {

struct IdleTlsConnection; // a TLS stream to an https upstream (defined with the sessions)

// Idle keep-alive connections to upstreams, per worker (no locking: one thread). A connection
// the upstream closed or wrote to while idle is dropped when taken (one non-blocking peek).
// With `checkIdle` false the peek is skipped for a connection parked under a second ago: the
// caller replays the request on a fresh connection if it turns out stale (idempotent requests
// without a body), and a server does not volunteer a response that soon. That saves a system
// call per request on busy pools.
class UpstreamPool {
public:
    static constexpr std::size_t kMaxIdlePerKey = 32;
    UpstreamPool();
    ~UpstreamPool();
    // A pooled connection keeps its timer: taking and giving back allocate nothing.
    bool take(const std::string& key, std::optional<TimedSocket>& out, bool checkIdle = true);
    void give(const std::string& key, TimedSocket s);
    std::unique_ptr<IdleTlsConnection> takeTls(const std::string& key);
    void giveTls(const std::string& key, std::unique_ptr<IdleTlsConnection> c);

private:
    struct Idle {
        TimedSocket socket;
        std::chrono::steady_clock::time_point parked;
    };
    std::map<std::string, std::vector<Idle>> m_idle;
    std::map<std::string, std::vector<std::unique_ptr<IdleTlsConnection>>> m_idleTls;
};

// Round-robin positions per upstream, per worker.
using BalancerState = std::map<std::string, std::size_t>;

struct SessionContext {
    SnapshotHolder& snapshots;
    UpstreamPool& pool;
    BalancerState& balancer;
    const bool& stopping;
    std::atomic<int>& busy; // requests in progress on this worker, for a graceful stop
    ProxyStats& stats;      // this worker's counters
    WorkerMetrics& metrics; // this worker's per-second window
    unsigned short listenerPort;
    const app::ProxyLimits& limits;
    const IpRangeSet& trusted; // peers whose forwarding headers are believed
};

// Serves one plain-HTTP client connection until it closes.
boost::asio::awaitable<void> runProxySession(boost::asio::ip::tcp::socket client,
                                             SessionContext& ctx);
// Serves one TLS client connection: handshake (certificate by SNI from the current snapshot),
// requests, close_notify. `tls` is the listener's context, shared by its workers.
boost::asio::awaitable<void> runTlsProxySession(boost::asio::ip::tcp::socket client,
                                                boost::asio::ssl::context& tls,
                                                SessionContext& ctx);

} // namespace portico::proxy
