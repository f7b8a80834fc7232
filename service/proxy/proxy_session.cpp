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
} // namespace

UpstreamPool::UpstreamPool() = default;
UpstreamPool::~UpstreamPool() = default;

bool UpstreamPool::take(const std::string& key, std::optional<TimedSocket>& out, bool checkIdle) {
    auto it = m_idle.find(key);
    while (it != m_idle.end() && !it->second.empty()) {
        Idle idle = std::move(it->second.back());
        it->second.pop_back();
        const bool fresh = std::chrono::steady_clock::now() - idle.parked < std::chrono::seconds(1);
        if ((!checkIdle && fresh) || quietWhileIdle(idle.socket.socket().native_handle())) {
            out.emplace(std::move(idle.socket));
            return true;
        }
    }
    return false;
}

void UpstreamPool::give(const std::string& key, TimedSocket s) {
    auto& list = m_idle[key];
    if (list.size() < kMaxIdlePerKey)
        list.push_back({std::move(s), std::chrono::steady_clock::now()});
}

std::unique_ptr<IdleTlsConnection> UpstreamPool::takeTls(const std::string& key) {
    auto it = m_idleTls.find(key);
    while (it != m_idleTls.end() && !it->second.empty()) {
        auto c = std::move(it->second.back());
        it->second.pop_back();
        if (quietWhileIdle(beast::get_lowest_layer(c->stream).socket().native_handle())) return c;
    }
    return nullptr;
}

void UpstreamPool::giveTls(const std::string& key, std::unique_ptr<IdleTlsConnection> c) {
    auto& list = m_idleTls[key];
    if (list.size() < kMaxIdlePerKey) list.push_back(std::move(c));
}

awaitable<void> runProxySession(asio::ip::tcp::socket socket, SessionContext& ctx) {
    error_code ec;
    ConnectionInfo conn{socket.remote_endpoint(ec).address().to_string(), "http", {}};
    TimedSocket client(std::move(socket));
    co_await detail::serveConnection(client, conn, ctx);
    client.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    client.socket().close(ec);
}

} // namespace portico::proxy
