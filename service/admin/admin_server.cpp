#include "admin/admin_server.h"

#include "admin/admin_session.h"

namespace portico::admin {

AdminServer::AdminServer(asio::io_context& ioc, AdminApi& api, EventHub& events,
                         store::Store& store, const app::Settings& settings)
    : m_impl(new Impl{ioc, api, events, store, settings, {}, {}, {}, 0, false}) {}

AdminServer::~AdminServer() = default;

std::string AdminServer::start() {
    Impl& d = *m_impl;
    using TcpStream = beast::basic_stream<asio::ip::tcp>;
    if (!d.settings.adminSocket.empty())
        if (auto err = startLocalListener(d); !err.empty()) return err;
    if (d.settings.adminListen) {
        const auto& a = *d.settings.adminListen;
        error_code ec;
        auto addr = asio::ip::make_address(a.host, ec);
        if (ec) return "admin_listen " + a.text() + ": " + ec.message();
        asio::ip::tcp::endpoint ep(addr, a.port);
        d.tcp = std::make_unique<asio::ip::tcp::acceptor>(d.ioc);
        d.tcp->open(ep.protocol(), ec);
        if (!ec) d.tcp->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) d.tcp->bind(ep, ec);
        if (!ec) d.tcp->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return "admin_listen " + a.text() + ": " + ec.message();
        log::notice("admin", "Admin API listening on " + a.host + ":" +
                                 std::to_string(d.tcp->local_endpoint().port()) +
                                 " (bearer token required)");
        asio::co_spawn(
            d.ioc, d.acceptLoop<asio::ip::tcp::acceptor, TcpStream>(*d.tcp, true, detail::peerName),
            asio::detached);
    }
    return {};
}

void AdminServer::stop() {
    Impl& d = *m_impl;
    d.stopping = true;
    error_code ec;
    if (d.stopLocal) d.stopLocal();
    if (d.tcp) d.tcp->close(ec);
    d.events.closeAll();
    for (auto* c : d.connections)
        if (!c->busy) c->close();
}

std::size_t AdminServer::activeSessions() const {
    return m_impl->active;
}

} // namespace portico::admin
