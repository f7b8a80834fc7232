// Plain-TCP client connections and the per-worker pool of upstream connections.
#include "proxy/session_impl.h"

namespace portico::proxy {

namespace {
// A connection the upstream closed (or wrote to) while idle is readable. The peek does not
// block and leaves the socket's mode alone (no ioctl round trips).
bool quietWhileIdle(int fd) {
    char probe;
    const auto n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int fdOf(TimedSocket& s) {
    return s.socket().native_handle();
}
int fdOf(TlsSocket& s) {
    return s.next_layer().socket().native_handle();
}

// Parking times need no precision finer than the kernel tick.
using Time = std::chrono::steady_clock::time_point;

// The most recently parked usable connection of `key`; stale ones met on the way are closed.
template <class Conn, class Lists>
bool takeFrom(Lists& lists, const std::string& key, std::optional<Conn>& out, unsigned& served,
              bool checkIdle, std::chrono::steady_clock::duration idleTimeout) {
    auto it = lists.find(key);
    if (it == lists.end()) return false;
    auto& list = it->second;
    const Time now = coarseNow();
    while (!list.empty()) {
        auto idle = std::move(list.back());
        list.pop_back();
        if (idleTimeout.count() > 0 && now - idle.parked >= idleTimeout) {
            list.clear(); // the rest were parked earlier still
            break;
        }
        const bool fresh = now - idle.parked < std::chrono::seconds(1);
        if ((!checkIdle && fresh) || quietWhileIdle(fdOf(idle.connection))) {
            out.emplace(std::move(idle.connection));
            served = idle.served;
            return true;
        }
    }
    return false;
}

template <class Conn, class Lists>
void giveTo(Lists& lists, const std::string& key, Conn c, unsigned served, std::size_t poolSize,
            unsigned maxRequests) {
    if (poolSize == 0 || (maxRequests > 0 && served >= maxRequests)) return; // closed
    auto it = lists.find(key);
    if (it == lists.end()) it = lists.try_emplace(key).first;
    auto& list = it->second;
    if (list.size() >= poolSize) list.pop_front(); // the least recently used
    list.push_back({std::move(c), coarseNow(), served});
}

template <class Lists> void sweepLists(Lists& lists, std::chrono::steady_clock::duration timeout) {
    if (timeout.count() <= 0) return;
    const Time oldest = coarseNow() - timeout;
    for (auto it = lists.begin(); it != lists.end();) {
        auto& list = it->second;
        while (!list.empty() && list.front().parked <= oldest)
            list.pop_front();
        it = list.empty() ? lists.erase(it) : std::next(it);
    }
}
} // namespace

UpstreamPool::UpstreamPool(const app::ProxyLimits& limits)
    : m_poolSize(static_cast<std::size_t>(limits.upstreamPoolSize)),
      m_maxRequests(static_cast<unsigned>(limits.upstreamMaxRequests)),
      m_idleTimeout(std::chrono::seconds(limits.upstreamIdleTimeoutS)) {}
UpstreamPool::~UpstreamPool() = default;

bool UpstreamPool::take(const std::string& key, std::optional<TimedSocket>& out, unsigned& served,
                        bool checkIdle) {
    return takeFrom(m_idle, key, out, served, checkIdle, m_idleTimeout);
}

void UpstreamPool::give(const std::string& key, TimedSocket s, unsigned served) {
    giveTo(m_idle, key, std::move(s), served, m_poolSize, m_maxRequests);
}

// As for plain connections: a replay on a fresh TLS connection costs a handshake, but only when
// the upstream closed a connection within a second of its last response, while the peek cost a
// system call on every request.
bool UpstreamPool::take(const std::string& key, std::optional<TlsSocket>& out, unsigned& served,
                        bool checkIdle) {
    return takeFrom(m_idleTls, key, out, served, checkIdle, m_idleTimeout);
}

void UpstreamPool::give(const std::string& key, TlsSocket s, unsigned served) {
    giveTo(m_idleTls, key, std::move(s), served, m_poolSize, m_maxRequests);
}

void UpstreamPool::sweep() {
    sweepLists(m_idle, m_idleTimeout);
    sweepLists(m_idleTls, m_idleTimeout);
}

Awaitable<void> runProxySession(ProxySocket socket, SessionContext& ctx) {
    error_code ec;
    ConnectionInfo conn{socket.remote_endpoint(ec).address().to_string(), "http", {}};
    TimedSocket client(std::move(socket));
    co_await detail::serveConnection(client, conn, ctx);
    client.socket().shutdown(ProxySocket::shutdown_both, ec);
    client.socket().close(ec);
}

} // namespace portico::proxy
