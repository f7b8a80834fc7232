#include "proxy/health_checker.h"

#include "app/log.h"
#include "net/asio_names.h"
#include "proxy/config_snapshot.h"
#include "proxy/tls_socket.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

namespace portico::proxy {

using Event = TargetHealth::Event;

struct HealthChecker::Impl {

    asio::io_context ioc{1};
    DnsResolver resolver;
    asio::thread_pool dnsThread{1}; // lookups block; probes must not wait for them
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    // Checker thread only from here on.
    std::uint64_t generation = 0;
    std::vector<std::shared_ptr<asio::steady_timer>> timers;
    // Probes in flight per upstream id (its `concurrency` bounds them). Kept across revisions:
    // a probe that a loop of the previous revision still has in flight counts against the
    // next revision's too. Shared with the loops, which may outlive their revision.
    std::map<std::string, std::shared_ptr<int>> probing;
    asio::ssl::context verifying{asio::ssl::context::tls_client};
    asio::ssl::context trusting{asio::ssl::context::tls_client};

    explicit Impl(DnsSettings dns) : resolver(std::move(dns)) {
        verifying.set_default_verify_paths();
        verifying.set_verify_mode(asio::ssl::verify_peer);
        trusting.set_verify_mode(asio::ssl::verify_none);
    }

    // Probes `host` (the target's own, or one address it resolved to) on the target's port.
    awaitable<std::optional<Event>> probe(const HealthPolicy& policy,
                                          const UpstreamInfo::Target& target, std::string host);
    template <class Stream>
    awaitable<std::optional<Event>> httpProbe(Stream& stream, const HealthPolicy& policy,
                                              const UpstreamInfo::Target& target);
    awaitable<void> loop(std::uint64_t gen, std::shared_ptr<const ConfigSnapshot> snap,
                         const UpstreamInfo* up, const UpstreamInfo::Target* target);
    awaitable<void> resolveLoop(std::uint64_t gen, std::shared_ptr<const ConfigSnapshot> snap,
                                const UpstreamInfo::Target* target);
};

namespace {
// Runs on the DNS thread. The name is a copy: the caller's frame may be gone when it ends.
awaitable<DnsAnswer> lookup(const DnsResolver& resolver, std::string name) {
    co_return resolver.resolve(name);
}

std::chrono::milliseconds seconds(double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

// A failure of the probe's connection; its deadline passing is a timeout.
std::optional<Event> failure(const TimedSocket& s, const error_code& ec) {
    return s.expired() || ec == beast::error::timeout ? Event::Timeout : Event::TcpFailure;
}
} // namespace

template <class Stream>
awaitable<std::optional<Event>> HealthChecker::Impl::httpProbe(Stream& stream,
                                                               const HealthPolicy& policy,
                                                               const UpstreamInfo::Target& target) {
    http::request<http::empty_body> req{http::verb::get, policy.httpPath, 11};
    req.set(http::field::host, target.address);
    req.set(http::field::user_agent, "portico-healthcheck");
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : policy.headers)
        req.insert(name, value);
    error_code ec;
    co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return failure(beast::get_lowest_layer(stream), ec);
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> res;
    res.header_limit(16 * 1024);
    co_await http::async_read_header(stream, buffer, res, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return failure(beast::get_lowest_layer(stream), ec);
    Event e;
    if (TargetHealth::classify(res.get().result_int(), policy.active, e)) co_return e;
    co_return std::nullopt; // a status in neither list says nothing
}

awaitable<std::optional<Event>> HealthChecker::Impl::probe(const HealthPolicy& policy,
                                                           const UpstreamInfo::Target& target,
                                                           std::string host) {
    error_code ec;
    TimedSocket tcp(ioc.get_executor());
    // One deadline for the whole probe: connect, handshake, request and response head.
    tcp.expires_after(seconds(policy.timeoutSeconds));
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(target.port),
                                                     asio::redirect_error(use_awaitable, ec));
    if (!ec)
        co_await asio::async_connect(tcp.socket(), endpoints,
                                     asio::redirect_error(use_awaitable, ec));
    if (ec) co_return failure(tcp, ec);
    if (policy.type == "tcp") co_return Event::Success;
    if (policy.type != "https") co_return co_await httpProbe(tcp, policy, target);
    TlsSocket tls(std::move(tcp), (policy.httpsVerify ? verifying : trusting).native_handle(),
                  TlsSocket::Role::Client);
    const std::string sni = policy.httpsSni.empty() ? target.host : policy.httpsSni;
    SSL_set_tlsext_host_name(tls.native_handle(), sni.c_str());
    if (policy.httpsVerify) SSL_set1_host(tls.native_handle(), sni.c_str());
    co_await tls.async_handshake(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return failure(tls.next_layer(), ec);
    co_return co_await httpProbe(tls, policy, target);
}

awaitable<void> HealthChecker::Impl::loop(std::uint64_t gen,
                                          std::shared_ptr<const ConfigSnapshot> snap,
                                          const UpstreamInfo* up,
                                          const UpstreamInfo::Target* target) {
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    timers.push_back(timer);
    const HealthPolicy& policy = up->health;
    while (gen == generation) {
        // An interval of 0 means this state is not probed; the state may still change
        // (passive checks, the Admin API), so it is looked at again every second.
        const double interval = policy.probeInterval(target->health->allHealthy());
        timer->expires_after(interval > 0 ? seconds(interval) : std::chrono::seconds(1));
        error_code ec;
        co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
        if (ec || gen != generation) co_return;
        if (interval <= 0) continue;
        // Wait for a free probe slot of this upstream.
        auto& slot = probing[up->id];
        if (!slot) slot = std::make_shared<int>(0);
        const std::shared_ptr<int> inFlight = slot;
        while (*inFlight >= policy.concurrency && gen == generation) {
            timer->expires_after(std::chrono::milliseconds(10));
            co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
            if (ec) co_return;
        }
        if (gen != generation) co_return;
        // A host-name target: each address it resolved to, on its own; else the target.
        auto addresses = target->health->resolved.load();
        if (!addresses || addresses->empty())
            addresses = std::make_shared<const std::vector<ResolvedAddress>>(
                1, ResolvedAddress{target->host, target->health});
        for (const auto& a : *addresses) {
            ++*inFlight;
            const auto event = co_await probe(policy, *target, a.ip);
            --*inFlight;
            if (gen != generation) co_return;
            if (!event || !a.health->record(*event, policy.active)) continue;
            const bool ofAddress = a.health != target->health;
            if (ofAddress) target->health->refreshFromAddresses();
            log::notice("health", "upstream " + up->name + " target " + target->address +
                                      (ofAddress ? " address " + a.ip : std::string()) + " is " +
                                      (a.health->healthy() ? "healthy" : "unhealthy") +
                                      " (active check)");
        }
    }
}

// Keeps a host-name target's addresses fresh: resolved when the revision starts, then again
// when the answer's TTL runs out (sooner after a failure, keeping the last good answer
// meanwhile).
awaitable<void> HealthChecker::Impl::resolveLoop(std::uint64_t gen,
                                                 std::shared_ptr<const ConfigSnapshot> snap,
                                                 const UpstreamInfo::Target* target) {
    constexpr auto kDnsRetry = std::chrono::seconds(5);
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    timers.push_back(timer);
    while (gen == generation) {
        error_code ec;
        DnsAnswer answer = co_await asio::co_spawn(dnsThread, lookup(resolver, target->host),
                                                   asio::redirect_error(use_awaitable, ec));
        if (gen != generation) co_return;
        const bool found = !answer.addresses.empty();
        if (found) {
            // An address named again keeps its health; a new one starts healthy.
            const auto previous = target->health->resolved.load();
            auto next = std::make_shared<std::vector<ResolvedAddress>>();
            for (auto& ip : answer.addresses) {
                std::shared_ptr<TargetHealth> health;
                if (previous)
                    for (const auto& p : *previous)
                        if (p.ip == ip) health = p.health;
                if (!health) health = std::make_shared<TargetHealth>();
                next->push_back({std::move(ip), std::move(health)});
            }
            target->health->resolved.store(std::move(next));
            target->health->refreshFromAddresses();
        } else
            log::warn("dns",
                      "target " + target->address + ": " + (ec ? ec.message() : answer.error));
        timer->expires_after(found ? answer.ttl : kDnsRetry);
        co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
    }
}

HealthChecker::HealthChecker(DnsSettings dns) : m_impl(std::make_unique<Impl>(std::move(dns))) {}

HealthChecker::~HealthChecker() {
    stop();
}

void HealthChecker::start() {
    Impl& d = *m_impl;
    d.work.emplace(d.ioc.get_executor());
    d.thread = std::thread([&d] { d.ioc.run(); });
}

void HealthChecker::stop() {
    Impl& d = *m_impl;
    if (!d.thread.joinable()) return;
    d.work.reset();
    d.ioc.stop();
    d.thread.join();
    d.dnsThread.join(); // after the lookup under way, if any
}

void HealthChecker::update(std::shared_ptr<const ConfigSnapshot> snapshot) {
    Impl* d = m_impl.get();
    asio::post(d->ioc, [d, snap = std::move(snapshot)] {
        ++d->generation;
        // Counters of upstreams that are gone (a loop still probing holds its own copy).
        for (auto it = d->probing.begin(); it != d->probing.end();)
            it = snap && snap->upstreamById(it->first) ? std::next(it) : d->probing.erase(it);

        for (auto& t : d->timers)
            t->cancel();
        d->timers.clear();
        if (!snap) return;
        for (const auto& [name, up] : snap->upstreams) {
            for (const auto& target : up.targets) {
                error_code ec;
                asio::ip::make_address(target.host, ec);
                if (ec) // a host name
                    asio::co_spawn(d->ioc, d->resolveLoop(d->generation, snap, &target),
                                   asio::detached);
                if (up.health.activeEnabled())
                    asio::co_spawn(d->ioc, d->loop(d->generation, snap, &up, &target),
                                   asio::detached);
            }
        }
    });
}

} // namespace portico::proxy
