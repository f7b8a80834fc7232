#pragma once
// Private to the proxy: one client connection, from the first request to close. Runs on its
// worker's thread only.

#include "app/settings.h"
#include "core/ip_range.h"
#include "proxy/config_snapshot.h"
#include "proxy/proxy_metrics.h"
#include "proxy/proxy_stats.h"
#include "proxy/timed_socket.h"
#include "proxy/tls_socket.h"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace portico::proxy {

// Idle keep-alive connections to upstreams, per worker (no locking: one thread), by pool key
// (address, and TLS settings for https). Kong's upstream_keepalive_* settings: at most
// `poolSize` idle connections per key (the least recently used is closed to make room), a
// connection that served `maxRequests` requests is closed instead of pooled, and one idle for
// `idleTimeout` is closed by sweep(). Taking prefers the most recently used connection.
//
// A connection the upstream closed or wrote to while idle is dropped when taken (one
// non-blocking peek). With `checkIdle` false the peek is skipped for a connection parked under
// a second ago: the caller replays the request on a fresh connection if it turns out stale
// (idempotent requests without a body), and a server does not volunteer a response that soon.
// That saves a system call per request on busy pools.
class UpstreamPool {
public:
    explicit UpstreamPool(const app::ProxyLimits& limits);
    ~UpstreamPool();
    // Plain and TLS connections (https services). A pooled connection keeps its timer and
    // buffers: taking and giving back allocate nothing. `served` is the number of requests the
    // connection has carried.
    bool take(const std::string& key, std::optional<TimedSocket>& out, unsigned& served,
              bool checkIdle = true);
    bool take(const std::string& key, std::optional<TlsSocket>& out, unsigned& served,
              bool checkIdle = true);
    void give(const std::string& key, TimedSocket s, unsigned served);
    void give(const std::string& key, TlsSocket s, unsigned served);
    // Closes connections idle longer than the idle timeout. Called about once a second.
    void sweep();

    template <class Conn> struct Idle {
        Conn connection;
        std::chrono::steady_clock::time_point parked;
        unsigned served = 0;
    };

private:
    template <class Conn> using Lists = std::map<std::string, std::deque<Idle<Conn>>, std::less<>>;
    std::size_t m_poolSize;
    unsigned m_maxRequests;                            // 0: no limit
    std::chrono::steady_clock::duration m_idleTimeout; // zero: no limit
    Lists<TimedSocket> m_idle;
    Lists<TlsSocket> m_idleTls;
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
Awaitable<void> runProxySession(ProxySocket client, SessionContext& ctx);
// Serves one TLS client connection: handshake (certificate by SNI from the current snapshot),
// requests, close_notify. `tls` is the listener's context, shared by its workers.
Awaitable<void> runTlsProxySession(ProxySocket client, boost::asio::ssl::context& tls,
                                   SessionContext& ctx);

} // namespace portico::proxy
