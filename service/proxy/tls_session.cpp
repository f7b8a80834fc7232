// TLS client connections: the handshake with the certificate chosen by SNI, then the same
// request loop as plain connections.
#include "proxy/session_impl.h"
#include "proxy/tls_certificates.h"

#include <boost/asio/ssl/context.hpp>

namespace portico::proxy {

namespace {
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kShutdownTimeout = 2s;
} // namespace

Awaitable<void> runTlsProxySession(ProxySocket socket, asio::ssl::context& tls,
                                   SessionContext& ctx) {
    error_code ec;
    ConnectionInfo conn{socket.remote_endpoint(ec).address().to_string(), "https", {}};
    TlsSocket client(TimedSocket(std::move(socket)), tls.native_handle(), TlsSocket::Role::Server);
    {
        // The snapshot current at the handshake supplies the certificates; holding it here
        // keeps them alive until the servername callback has used them.
        auto snap = ctx.snapshots.get();
        attachCertificates(client.native_handle(), snap ? snap->certificates.get() : nullptr);
        beast::get_lowest_layer(client).expires_after(kHandshakeTimeout);
        co_await client.async_handshake(asio::redirect_error(useAwaitable, ec));
        attachCertificates(client.native_handle(), nullptr);
    }
    if (!ec) {
        conn.sni = serverName(client.native_handle());
        co_await detail::serveConnection(client, conn, ctx);
        // close_notify, bounded: a client that stopped reading does not hold the worker.
        beast::get_lowest_layer(client).expires_after(kShutdownTimeout);
        co_await client.async_shutdown(asio::redirect_error(useAwaitable, ec));
    } else {
        ctx.stats.tlsHandshakeFailures.fetch_add(1, std::memory_order_relaxed);
    }
    auto& tcp = beast::get_lowest_layer(client).socket();
    tcp.shutdown(ProxySocket::shutdown_both, ec);
    tcp.close(ec);
}

} // namespace portico::proxy
