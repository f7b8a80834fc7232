#include "proxy/proxy_server.h"

#include "app/log.h"
#include "net/accept_loop.h"
#include "net/asio_names.h"
#include "proxy/proxy_session.h"
#include "proxy/tls_certificates.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

namespace portico::proxy {

namespace {

// SO_REUSEPORT: every worker binds its own acceptor to the same address and the kernel spreads
// connections across them.
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

struct Worker {
    explicit Worker(const app::ProxyLimits& limits) : pool(limits) {}
    // One thread runs it, and only that thread touches its sockets (the main thread reaches
    // it by post()), so the reactor's per-socket locks are left out.
    asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::vector<std::unique_ptr<ProxyAcceptor>> acceptors;
    std::vector<bool> acceptorTls; // parallel to acceptors
    UpstreamPool pool;
    BalancerState balancer;
    bool stopping = false;    // this worker's thread only
    std::atomic<int> busy{0}; // requests between their header and their last byte
    ProxyStats stats;
    WorkerMetrics metrics;
    std::thread thread;
};

} // namespace

struct ProxyServer::Impl {
    const app::Settings& settings;
    SnapshotHolder& snapshots;
    std::vector<std::unique_ptr<Worker>> workers;
    // Shared by the TLS listeners of every worker (an SSL_CTX is safe to share once set up).
    std::unique_ptr<ServerCertificate> defaultCertificate;
    std::unique_ptr<asio::ssl::context> tls;
    IpRangeSet trusted;
};

ProxyServer::ProxyServer(const app::Settings& settings, SnapshotHolder& snapshots)
    : m_impl(new Impl{settings,
                      snapshots,
                      {},
                      {},
                      {},
                      IpRangeSet::parse(settings.trustedIps).value_or(IpRangeSet())}) {}

ProxyServer::~ProxyServer() {
    stop();
}

namespace {
// Once a second the worker hands its metrics window to the main thread (takeMetrics()).
awaitable<void> flushMetrics(Worker& w) {
    asio::steady_timer timer(w.ioc);
    for (;;) {
        timer.expires_after(std::chrono::seconds(1));
        error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (ec || w.stopping) co_return;
        w.metrics.flush();
        w.pool.sweep();
    }
}

// tls is null for a plain listener.
awaitable<void> acceptLoop(ProxyAcceptor& acceptor, Worker& w, SessionContext ctx,
                           asio::ssl::context* tls) {
    co_await net::acceptLoop(acceptor, "proxy", [&w, ctx, tls](ProxySocket socket) {
        error_code ec;
        socket.set_option(asio::ip::tcp::no_delay(true), ec);
        auto session = [](ProxySocket s, SessionContext c,
                          asio::ssl::context* t) -> Awaitable<void> {
            if (t)
                co_await runTlsProxySession(std::move(s), *t, c);
            else
                co_await runProxySession(std::move(s), c);
        };
        asio::co_spawn(w.ioc, session(std::move(socket), ctx, tls), asio::detached);
    });
}
} // namespace

std::string ProxyServer::start() {
    Impl& d = *m_impl;
    const int count = std::max(1, d.settings.workerThreads);
    for (int i = 0; i < count; ++i)
        d.workers.push_back(std::make_unique<Worker>(d.settings.limits));
    for (const auto& listen : d.settings.proxyListen) {
        if (listen.ssl && !d.tls) {
            auto cert = loadOrCreateDefaultCertificate(d.settings.prefix + "/ssl");
            if (!cert) return cert.error().message;
            auto ctx = makeServerContext(**cert);
            if (!ctx) return ctx.error().message;
            d.defaultCertificate = std::move(*cert);
            d.tls = std::make_unique<asio::ssl::context>(*ctx);
        }
        error_code ec;
        auto addr = asio::ip::make_address(listen.host, ec);
        if (ec) return "proxy_listen " + listen.text() + ": " + ec.message();
        unsigned short port = listen.port;
        for (auto& w : d.workers) {
            auto acc = std::make_unique<ProxyAcceptor>(w->ioc);
            asio::ip::tcp::endpoint ep(addr, port);
            acc->open(ep.protocol(), ec);
            if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec) acc->set_option(ReusePort(true), ec);
            if (!ec) acc->bind(ep, ec);
            if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) return "proxy_listen " + listen.text() + ": " + ec.message();
            port = acc->local_endpoint().port(); // port 0: the others join the port the first got
            w->acceptors.push_back(std::move(acc));
            w->acceptorTls.push_back(listen.ssl);
        }
        log::notice("proxy", std::string(listen.ssl ? "TLS proxy" : "proxy") + " listening on " +
                                 listen.host + ":" + std::to_string(port) + " (" +
                                 std::to_string(count) + " workers)");
    }
    for (auto& w : d.workers) {
        for (std::size_t i = 0; i < w->acceptors.size(); ++i) {
            auto& acc = w->acceptors[i];
            SessionContext ctx{
                d.snapshots,       w->pool,  w->balancer, w->stopping,
                w->busy,           w->stats, w->metrics,  acc->local_endpoint().port(),
                d.settings.limits, d.trusted};
            asio::co_spawn(w->ioc,
                           acceptLoop(*acc, *w, ctx, w->acceptorTls[i] ? d.tls.get() : nullptr),
                           asio::detached);
        }
        asio::co_spawn(w->ioc, flushMetrics(*w), asio::detached);
        Worker* raw = w.get();
        w->thread = std::thread([raw] { raw->ioc.run(); });
    }
    return {};
}

ProxyTotals ProxyServer::totals() const {
    ProxyTotals t;
    for (const auto& w : m_impl->workers) {
        t.requests += w->stats.requests.load(std::memory_order_relaxed);
        for (int i = 1; i <= 5; ++i)
            t.status[i] += w->stats.status[i].load(std::memory_order_relaxed);
        t.connectionsAccepted += w->stats.connectionsAccepted.load(std::memory_order_relaxed);
        t.connectionsActive += w->stats.connectionsActive.load(std::memory_order_relaxed);
        t.tlsHandshakeFailures += w->stats.tlsHandshakeFailures.load(std::memory_order_relaxed);
    }
    return t;
}

MetricsWindow ProxyServer::takeMetrics() {
    MetricsWindow merged;
    for (const auto& w : m_impl->workers)
        merged.merge(w->metrics.take());
    return merged;
}

void ProxyServer::stop() {
    for (auto& w : m_impl->workers) {
        Worker* raw = w.get();
        asio::post(w->ioc, [raw] {
            raw->stopping = true;
            for (auto& acc : raw->acceptors) {
                error_code ec;
                acc->close(ec);
            }
        });
    }
    // Requests in flight finish (bounded); idle keep-alive connections are simply dropped.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& w : m_impl->workers) {
        while (w->busy.load() > 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        w->ioc.stop();
        if (w->thread.joinable()) w->thread.join();
    }
    m_impl->workers.clear();
}

} // namespace portico::proxy
