#include "admin/admin_server.h"

#include "admin/admin_session.h"

namespace portico::admin {

AdminServer::AdminServer(asio::io_context& ioc, AdminApi& api, EventHub& events,
                         store::Store& store, const app::Settings& settings)
    : m_impl(new Impl{ioc, api, events, store, settings, {}, {}, {}, {}, 0, false}) {}

AdminServer::~AdminServer() = default;

std::string AdminServer::start() {
    Impl& d = *m_impl;
    using TcpStream = beast::basic_stream<asio::ip::tcp>;
    if (!d.settings.adminSocket.empty())
        if (auto err = startLocalListener(d); !err.empty()) return err;
    // Binds a TCP listener for `key` and starts accepting with the given access.
    auto listen = [&](const app::ListenAddress& a, const char* key, Access access,
                      std::unique_ptr<asio::ip::tcp::acceptor>& acceptor) -> std::string {
        error_code ec;
        auto addr = asio::ip::make_address(a.host, ec);
        if (ec) return std::string(key) + " " + a.text() + ": " + ec.message();
        asio::ip::tcp::endpoint ep(addr, a.port);
        acceptor = std::make_unique<asio::ip::tcp::acceptor>(d.ioc);
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return std::string(key) + " " + a.text() + ": " + ec.message();
        const std::string where = a.host + ":" + std::to_string(acceptor->local_endpoint().port());
        if (access == Access::Token)
            log::notice("admin", "Admin API listening on " + where + " (bearer token required)");
        else
            log::notice("admin", "Status API listening on " + where +
                                     " (read-only: /status, /status/ready, /metrics)");
        asio::co_spawn(
            d.ioc,
            d.acceptLoop<asio::ip::tcp::acceptor, TcpStream>(*acceptor, access, detail::peerName),
            asio::detached);
        return {};
    };
    if (d.settings.adminListen)
        if (auto err = listen(*d.settings.adminListen, "admin_listen", Access::Token, d.tcp);
            !err.empty())
            return err;
    if (d.settings.statusListen)
        if (auto err =
                listen(*d.settings.statusListen, "status_listen", Access::StatusOnly, d.status);
            !err.empty())
            return err;
    return {};
}

void AdminServer::stop() {
    Impl& d = *m_impl;
    d.stopping = true;
    error_code ec;
    if (d.stopLocal) d.stopLocal();
    if (d.tcp) d.tcp->close(ec);
    if (d.status) d.status->close(ec);
    d.events.closeAll();
    for (auto* c : d.connections)
        if (!c->busy) c->close();
}

std::size_t AdminServer::activeSessions() const {
    return m_impl->active;
}

} // namespace portico::admin
