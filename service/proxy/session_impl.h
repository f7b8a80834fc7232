#pragma once
// Private to the proxy: the request loop of one client connection, written once for any
// stream (plain TCP, or TLS over TCP) and instantiated in proxy_session.cpp and
// tls_session.cpp. Include nowhere else: it pulls in Beast.
#include "core/hex.h"
#include "core/text.h"
#include "proxy/path_normalizer.h"
#include "proxy/plugin_chain.h"
#include "proxy/proxy_session.h"
#include "proxy/request_checks.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace portico::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What the transport knows about a client connection.
struct ConnectionInfo {
    std::string peer;     // client address
    std::string protocol; // "http" or "https"
    std::string sni;      // TLS server name, empty when none
};

namespace detail {

inline constexpr std::size_t kHeaderLimit = 32 * 1024;
inline constexpr auto kClientIdle = 60s;
inline constexpr auto kClientHeaderTimeout = 60s;

// Plugins' view of a Beast header.
template <class Fields> class FieldsAccess final : public HeaderAccess {
public:
    explicit FieldsAccess(Fields& f) : m_fields(f) {}
    std::string_view get(std::string_view name) const override {
        auto it = m_fields.find(name);
        return it == m_fields.end() ? std::string_view() : std::string_view(it->value());
    }
    void set(std::string_view name, std::string_view value) override { m_fields.set(name, value); }
    void erase(std::string_view name) override { m_fields.erase(name); }

private:
    Fields& m_fields;
};

// The end of every request that got an answer, however the loop leaves it: the log phase,
// then the worker's metrics.
struct RequestFinish {
    RequestContext& rc;
    WorkerMetrics& metrics;
    const PluginChain* chain = nullptr;
    ~RequestFinish() {
        if (rc.status == 0) return; // nothing was answered (the client went away)
        if (chain && chain->has(Plugin::Log)) chain->log(rc);
        const auto now = Clock::now();
        auto micros = [](Clock::duration d) {
            return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
        };
        const bool started = rc.started != Clock::time_point{};
        const bool upstream = rc.upstreamHeaders != Clock::time_point{};
        metrics.current.record(rc.routeId, rc.serviceId, rc.status,
                               started ? micros(now - rc.started) : 0,
                               upstream ? micros(rc.upstreamHeaders - rc.upstreamStarted) : -1,
                               upstream ? micros(rc.upstreamStarted - rc.started) : -1);
    }
};

template <class Body>
void setKongError(http::response<Body>& res, int status, const std::string& message) {
    res.result(static_cast<http::status>(status));
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::server, "portico");
    res.body() = "{\"message\":\"" + message + "\"}";
    res.prepare_payload();
}

template <class Client>
awaitable<void> sendError(Client& client, ProxyStats& stats, RequestContext& rc, int status,
                          const std::string& message, bool keepAlive,
                          const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    stats.countStatus(status);
    rc.status = status;
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    setKongError(res, status, message);
    for (const auto& [k, v] : extra)
        res.set(k, v);
    res.keep_alive(keepAlive);
    beast::get_lowest_layer(client).expires_after(30s);
    error_code ec;
    co_await http::async_write(client, res, asio::redirect_error(use_awaitable, ec));
}

// Kong's answers when the upstream fails: 504 for a timeout, 502 for anything else.
template <class Client>
awaitable<void> sendUpstreamError(Client& client, ProxyStats& stats, RequestContext& rc,
                                  bool timedOut) {
    if (timedOut)
        co_await sendError(client, stats, rc, 504, "The upstream server is timing out", false);
    else
        co_await sendError(client, stats, rc, 502,
                           "An invalid response was received from the upstream server", false);
}

// An answer a rewrite or access phase gave: it passes header_filter like any response.
template <class Client>
awaitable<void> sendPluginResponse(Client& client, ProxyStats& stats, RequestContext& rc,
                                   const PluginChain& chain, const PhaseResult& answer,
                                   bool keepAlive) {
    stats.countStatus(answer.status);
    rc.status = answer.status;
    http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::server, "portico");
    for (const auto& [k, v] : answer.headers)
        res.set(k, v);
    FieldsAccess<http::fields> fields(res.base());
    rc.response = &fields;
    if (chain.has(Plugin::HeaderFilter)) chain.headerFilter(rc);
    rc.response = nullptr;
    res.body() = answer.body;
    res.prepare_payload();
    res.keep_alive(keepAlive);
    beast::get_lowest_layer(client).expires_after(30s);
    error_code ec;
    co_await http::async_write(client, res, asio::redirect_error(use_awaitable, ec));
}

// Hop-by-hop headers, and every header the sender names in Connection, end at this hop.
template <class Fields> void stripHopByHop(Fields& f) {
    std::vector<std::string> named;
    for (auto it = f.find(http::field::connection);
         it != f.end() && it->name() == http::field::connection; ++it) {
        std::string v(it->value());
        std::size_t start = 0;
        while (start < v.size()) {
            auto comma = v.find(',', start);
            std::string token =
                v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            token.erase(0, token.find_first_not_of(" \t"));
            token.erase(token.find_last_not_of(" \t") + 1);
            if (!token.empty()) named.push_back(token);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    for (const auto& n : named)
        f.erase(n);
    for (auto field :
         {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
          http::field::te, http::field::trailer, http::field::transfer_encoding,
          http::field::upgrade, http::field::proxy_authenticate, http::field::proxy_authorization})
        f.erase(field);
}

// Kong's path_handling v0: the service path, then what the route did not strip, joined by '/'.
inline std::string upstreamPath(const ServiceInfo& svc, const RouteMatch& m,
                                const std::string& path) {
    std::string rest =
        m.route->stripPath ? path.substr(std::min(m.matchedLength, path.size())) : path;
    if (!rest.empty() && rest.front() != '/') rest.insert(rest.begin(), '/');
    std::string base = svc.path;
    if (rest.empty()) return base.empty() ? "/" : base;
    if (!base.empty() && base.back() == '/') base.pop_back();
    return base + rest;
}

struct RelayResult {
    error_code ec;
    bool readSide = false; // the failure was reading `in` (else writing `out`)
};

// Relays a message body from `in` (parser past its header) to `out` (serializer) as it
// arrives (read_some: a trickling body is not held back), never holding more than one buffer.
// `tap` sees each piece of the body as it goes out (the body_filter phase).
template <bool isRequest, class In, class Out, class Tap>
awaitable<RelayResult>
relayBody(In& in, beast::flat_buffer& inBuffer, http::parser<isRequest, http::buffer_body>& p,
          Out& out, http::serializer<isRequest, http::buffer_body>& sr, std::vector<char>& buf,
          std::chrono::milliseconds readTimeout, std::chrono::milliseconds writeTimeout, Tap tap) {
    error_code ec;
    do {
        if (!p.is_done()) {
            p.get().body().data = buf.data();
            p.get().body().size = buf.size();
            beast::get_lowest_layer(in).expires_after(readTimeout);
            co_await http::async_read_some(in, inBuffer, p,
                                           asio::redirect_error(use_awaitable, ec));
            if (ec == http::error::need_buffer) ec = {};
            if (ec) co_return RelayResult{ec, true};
            p.get().body().size = buf.size() - p.get().body().size;
            p.get().body().data = buf.data();
            p.get().body().more = !p.is_done();
            // An empty buffer must never reach the chunked serializer: it frames it as a
            // zero-size chunk, which reads as the end of the body. Nothing new yet (a chunk
            // header only): read on. Done with nothing new: only the last chunk is due.
            if (p.get().body().size == 0) {
                if (!p.is_done()) continue;
                p.get().body().data = nullptr;
            }
        } else {
            p.get().body().data = nullptr;
            p.get().body().size = 0;
            p.get().body().more = false;
        }
        tap(std::string_view(static_cast<const char*>(p.get().body().data),
                             p.get().body().data ? p.get().body().size : 0),
            !p.get().body().more);
        beast::get_lowest_layer(out).expires_after(writeTimeout);
        co_await http::async_write(out, sr, asio::redirect_error(use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return RelayResult{ec, false};
    } while (!p.is_done() && !sr.is_done());
    co_return RelayResult{ec, false};
}

// Passive health checks: what real traffic shows about a target. Nothing is counted when the
// upstream has no passive thresholds (the common case costs one branch).
inline void reportPassive(const UpstreamInfo& up, const UpstreamInfo::Target& t,
                          TargetHealth::Event e) {
    if (!up.health.passiveEnabled() && up.health.passive.successes == 0) return;
    t.health->record(e, up.health.passive);
}

inline bool idempotent(http::verb v) {
    return v == http::verb::get || v == http::verb::head || v == http::verb::options ||
           v == http::verb::put || v == http::verb::delete_ || v == http::verb::trace;
}

// One attempt at the upstream: connection, request, response head.
struct UpstreamExchange {
    enum class Outcome { Ok, ClientFailed, UpstreamFailed };
    Outcome outcome = Outcome::UpstreamFailed;
    error_code ec;
    bool timedOut = false;
    bool reused = false;        // the connection came from the pool
    bool connectFailed = false; // no connection was made (nothing was sent)
    std::string key;            // pool key of the connection ("host:port")
    std::optional<beast::tcp_stream> upstream;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::buffer_body>> response;
    Clock::time_point started;
};

template <class Client>
awaitable<void> exchange(Client& client, beast::flat_buffer& clientBuffer,
                         http::request_parser<http::buffer_body>& req,
                         http::request<http::buffer_body>& head, const std::string& host, int port,
                         const std::string& key, const ServiceInfo& svc, SessionContext& ctx,
                         std::vector<char>& chunk, bool expectContinue, bool fresh,
                         UpstreamExchange& x) {
    error_code ec;
    asio::ip::tcp::socket socket(client.get_executor());
    x.key = key;
    x.reused = !fresh && ctx.pool.take(key, socket);
    if (!x.reused) {
        asio::ip::tcp::resolver resolver(client.get_executor());
        beast::tcp_stream connecting(client.get_executor());
        connecting.expires_after(std::chrono::milliseconds(svc.connectTimeoutMs));
        auto endpoints = co_await resolver.async_resolve(host, std::to_string(port),
                                                         asio::redirect_error(use_awaitable, ec));
        if (!ec)
            co_await connecting.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
        if (ec) {
            x.outcome = UpstreamExchange::Outcome::UpstreamFailed;
            x.connectFailed = true;
            x.ec = ec;
            x.timedOut = ec == beast::error::timeout;
            co_return;
        }
        socket = connecting.release_socket();
        socket.set_option(asio::ip::tcp::no_delay(true), ec);
    }
    x.upstream.emplace(std::move(socket));
    if (expectContinue && !req.is_done()) {
        static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
        beast::get_lowest_layer(client).expires_after(30s);
        co_await asio::async_write(client, asio::buffer(cont),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) {
            x.outcome = UpstreamExchange::Outcome::ClientFailed;
            x.ec = ec;
            co_return;
        }
    }
    x.started = Clock::now();
    http::serializer<true, http::buffer_body> reqOut{head};
    const RelayResult sent = co_await relayBody(client, clientBuffer, req, *x.upstream, reqOut,
                                                chunk, std::chrono::milliseconds(kClientIdle),
                                                std::chrono::milliseconds(svc.writeTimeoutMs),
                                                [](std::string_view, bool) {});
    if (sent.ec) {
        x.outcome = sent.readSide ? UpstreamExchange::Outcome::ClientFailed
                                  : UpstreamExchange::Outcome::UpstreamFailed;
        x.ec = sent.ec;
        x.timedOut = sent.ec == beast::error::timeout;
        co_return;
    }
    // Interim 1xx responses are consumed here (a bounded number); 101 was never asked for
    // (Upgrade is not forwarded), so it is a broken upstream.
    for (int interim = 0;; ++interim) {
        x.response.emplace();
        x.response->header_limit(kHeaderLimit);
        x.response->body_limit(boost::none);
        if (head.method() == http::verb::head) x.response->skip(true);
        x.upstream->expires_after(std::chrono::milliseconds(svc.readTimeoutMs));
        co_await http::async_read_header(*x.upstream, x.buffer, *x.response,
                                         asio::redirect_error(use_awaitable, ec));
        const unsigned status = ec ? 0 : x.response->get().result_int();
        if (ec || status >= 200) break;
        if (status == 101 || interim >= 10) {
            ec = http::error::bad_status;
            break;
        }
    }
    x.ec = ec;
    x.timedOut = ec == beast::error::timeout;
    x.outcome = ec ? UpstreamExchange::Outcome::UpstreamFailed : UpstreamExchange::Outcome::Ok;
}

// Serves requests on an established client connection (plain, or TLS after its handshake)
// until either side closes; the caller closes the transport.
template <class Client>
awaitable<void> serveConnection(Client& client, const ConnectionInfo& conn, SessionContext& ctx) {
    error_code ec;
    const std::string& peer = conn.peer;
    ctx.stats.connectionsAccepted.fetch_add(1, std::memory_order_relaxed);
    ctx.stats.connectionsActive.fetch_add(1, std::memory_order_relaxed);
    struct ActiveGuard {
        ProxyStats& s;
        ~ActiveGuard() { s.connectionsActive.fetch_sub(1, std::memory_order_relaxed); }
    } activeGuard{ctx.stats};
    beast::flat_buffer clientBuffer;
    // Body relay buffers, allocated once per connection (a heap buffer: g++ 12 cannot keep a
    // plain array in a coroutine frame).
    std::vector<char> requestChunk(16 * 1024), responseChunk(16 * 1024);
    bool first = true;
    while (!ctx.stopping) {
        RequestContext rc;
        rc.peer = peer;
        // Declared before `finish`, so it outlives it: the log phase and the metrics still
        // read the route and chain it holds.
        std::shared_ptr<const ConfigSnapshot> snap;
        RequestFinish finish{rc, ctx.metrics};
        http::request_parser<http::buffer_body> req;
        req.header_limit(kHeaderLimit);
        req.body_limit(boost::none); // bodies stream through; the per-route limit is a plugin's job
        beast::get_lowest_layer(client).expires_after(first ? kClientHeaderTimeout : kClientIdle);
        first = false;
        // The whole head is read before parsing so that its raw bytes can be checked for what
        // the parser would fold or accept; parsing then consumes it from the buffer.
        std::size_t headEnd = std::string_view::npos;
        for (;;) {
            const std::string_view have(static_cast<const char*>(clientBuffer.data().data()),
                                        clientBuffer.size());
            headEnd = have.find("\r\n\r\n");
            if (headEnd != std::string_view::npos || have.size() > kHeaderLimit) break;
            const std::size_t n = co_await client.async_read_some(
                clientBuffer.prepare(4096), asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            clientBuffer.commit(n);
        }
        if (!ec && headEnd != std::string_view::npos) {
            const std::string_view raw(static_cast<const char*>(clientBuffer.data().data()),
                                       headEnd + 4);
            if (auto refusal = checkRawHead(raw)) {
                co_await sendError(client, ctx.stats, rc, refusal->status, refusal->message, false);
                break;
            }
        }
        if (!ec)
            co_await http::async_read_header(client, clientBuffer, req,
                                             asio::redirect_error(use_awaitable, ec));
        if (ec) {
            if (ec == http::error::header_limit)
                co_await sendError(client, ctx.stats, rc, 431, "Request header fields too large",
                                   false);
            else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                     ec != asio::error::eof && ec != asio::error::connection_reset &&
                     ec != asio::error::operation_aborted)
                co_await sendError(client, ctx.stats, rc, 400, "Bad request", false);
            break;
        }
        rc.started = Clock::now();
        ctx.stats.requests.fetch_add(1, std::memory_order_relaxed);
        ++ctx.busy;
        struct BusyGuard {
            std::atomic<int>& n;
            ~BusyGuard() { --n; }
        } busyGuard{ctx.busy};
        auto& head = req.get();

        std::vector<std::pair<std::string, std::string>> headers;
        for (const auto& f : head) {
            headers.emplace_back(toLower(f.name_string()), std::string(f.value()));
        }
        if (auto refusal =
                checkRequestHead(head.version(), head.method_string(), head.target(), headers)) {
            co_await sendError(client, ctx.stats, rc, refusal->status, refusal->message, false);
            break;
        }
        std::string target(head.target());
        std::string authority(head[http::field::host]);
        if (target.rfind("http://", 0) == 0) {
            // Absolute-form: the target's authority is the host (RFC 9112 §3.2.2); the upstream
            // gets origin-form.
            const auto slash = target.find('/', 7);
            authority =
                target.substr(7, slash == std::string::npos ? std::string::npos : slash - 7);
            target = slash == std::string::npos ? "/" : target.substr(slash);
        } else if (target.empty() || target.front() != '/') {
            co_await sendError(client, ctx.stats, rc, 400,
                               "Bad request: unsupported request target", false);
            break;
        }
        const auto q = target.find('?');
        const std::string rawPath = target.substr(0, q),
                          query = q == std::string::npos ? "" : target.substr(q);
        const NormalizedPath norm = normalizePath(rawPath);
        if (!norm.error.empty()) {
            co_await sendError(client, ctx.stats, rc, 400, "Bad request: " + norm.error, false);
            break;
        }
        std::string host = authority;
        int port = ctx.listenerPort;
        if (auto colon = host.rfind(':');
            colon != std::string::npos && host.find(']') == std::string::npos) {
            port = std::atoi(host.c_str() + colon + 1);
            host.resize(colon);
        }
        host = toLower(host);

        snap = ctx.snapshots.get();
        const std::string method(head.method_string());
        rc.method = method;
        rc.host = host;
        rc.path = norm.path;
        RouteMatch match;
        if (snap && snap->router) {
            MatchRequest mr;
            mr.protocol = conn.protocol;
            mr.sni = conn.sni;
            mr.method = method;
            mr.host = host;
            mr.port = port;
            mr.path = norm.path;
            mr.headers = &headers;
            match = snap->router->match(mr);
        }
        const bool keepAlive = head.keep_alive();
        static const PluginChain noPlugins; // no snapshot yet
        const PluginChain* chain =
            snap ? &snap->chainFor(match.route ? match.route->id : std::string()) : &noPlugins;
        finish.chain = chain;
        if (match.route) {
            rc.routeId = match.route->id;
            rc.serviceId = match.route->serviceId;
        }
        if (!match.route) {
            // With an unread body the connection cannot carry another request.
            const bool again = keepAlive && req.is_done() && !ctx.stopping;
            co_await sendError(client, ctx.stats, rc, 404, "no Route matched with those values",
                               again);
            if (!again) break;
            continue;
        }
        if (match.protocolRedirect) {
            const int code = match.route->redirectStatus;
            std::vector<std::pair<std::string, std::string>> extra;
            if (code == 426) {
                extra.emplace_back("Connection", "Upgrade");
                extra.emplace_back("Upgrade", "TLS/1.2, HTTP/1.1");
            } else {
                extra.emplace_back("Location", "https://" + authority + target);
            }
            co_await sendError(client, ctx.stats, rc, code, "Please use HTTPS protocol", false,
                               extra);
            break;
        }
        auto svcIt = snap->services.find(match.route->serviceId);
        if (svcIt == snap->services.end() || !svcIt->second.enabled) {
            co_await sendError(client, ctx.stats, rc, 503, "no Service found with those values",
                               false);
            break;
        }
        const ServiceInfo& svc = svcIt->second;

        // rewrite and access: plugins see the request as the client sent it (after the checks
        // above) and may answer it themselves.
        FieldsAccess<http::request<http::buffer_body>> requestFields(head);
        rc.request = &requestFields;
        PhaseResult early;
        if (chain->has(Plugin::Rewrite)) early = chain->rewrite(rc);
        if (!early.respond && chain->has(Plugin::Access)) early = chain->access(rc);
        rc.request = nullptr;
        if (early.respond) {
            const bool again = keepAlive && req.is_done() && !ctx.stopping;
            co_await sendPluginResponse(client, ctx.stats, rc, *chain, early, again);
            if (!again) break;
            continue;
        }

        // The request as the upstream sees it.
        const bool chunked = head.chunked();
        const bool clientKeepAlive = head.keep_alive() && !ctx.stopping; // before head is rewritten
        const auto length = req.content_length();
        const bool expectContinue = beast::iequals(head[http::field::expect], "100-continue");
        stripHopByHop(head);
        head.erase(http::field::expect);
        head.target(upstreamPath(svc, match, norm.path) + query);
        if (!match.route->preserveHost)
            head.set(http::field::host,
                     svc.port == 80 ? svc.host : svc.host + ":" + std::to_string(svc.port));
        head.set("X-Forwarded-For", peer);
        head.set("X-Real-IP", peer);
        head.set("X-Forwarded-Proto", conn.protocol);
        head.set("X-Forwarded-Host", host);
        head.set("X-Forwarded-Port", std::to_string(port));
        head.set("X-Forwarded-Path", norm.path);
        head.set(http::field::via, "1.1 portico");

        head.version(11);
        head.keep_alive(true);
        if (chunked)
            head.chunked(true);
        else if (length)
            head.content_length(*length);

        // A service whose host names an upstream is balanced over its targets.
        const UpstreamInfo* balanced = nullptr;
        if (auto up = snap->upstreams.find(svc.host); up != snap->upstreams.end())
            balanced = &up->second;
        // The exchange: connect (a pooled connection, else a new one), send the request, read
        // the response head. A failed connection attempt counts against the service's
        // `retries` and is retried on the next healthy target. A request without a body that
        // failed on a reused connection before any response byte is sent again once on a fresh
        // connection when its method is idempotent: the upstream may have closed the idle
        // connection in the meantime.
        const bool replayable = req.is_done() && idempotent(head.method());
        std::optional<UpstreamExchange> attemptState;
        const UpstreamInfo::Target* picked = nullptr;
        bool noPeer = false;
        for (int attempt = 0, connectFailures = 0;; ++attempt) {
            std::string upstreamHost = svc.host;
            int upstreamPort = svc.port;
            if (balanced && (attempt == 0 || attemptState->connectFailed)) {
                picked = balanced->pick(ctx.balancer[balanced->id]);
                if (!picked) {
                    noPeer = true;
                    break;
                }
            }
            if (picked) {
                upstreamHost = picked->host;
                upstreamPort = picked->port;
            }
            attemptState.emplace(); // drops a failed attempt's connection
            co_await exchange(client, clientBuffer, req, head, upstreamHost, upstreamPort,
                              upstreamHost + ":" + std::to_string(upstreamPort), svc, ctx,
                              requestChunk, expectContinue, attempt > 0, *attemptState);
            const UpstreamExchange& x = *attemptState;
            if (x.connectFailed) {
                if (picked)
                    reportPassive(*balanced, *picked,
                                  x.timedOut ? TargetHealth::Event::Timeout
                                             : TargetHealth::Event::TcpFailure);
                if (++connectFailures <= svc.retries) continue;
                break;
            }
            // Only a connection the upstream had already closed (nothing of a response read)
            // is replayed; a bad response or a timeout means the request was taken.
            const bool staleConnection =
                x.ec == asio::error::eof || x.ec == http::error::end_of_stream ||
                x.ec == asio::error::connection_reset || x.ec == asio::error::broken_pipe;
            if (x.outcome == UpstreamExchange::Outcome::UpstreamFailed && x.reused && replayable &&
                staleConnection && x.buffer.size() == 0 && attempt == 0)
                continue;
            if (picked && x.outcome == UpstreamExchange::Outcome::UpstreamFailed)
                reportPassive(*balanced, *picked,
                              x.timedOut ? TargetHealth::Event::Timeout
                                         : TargetHealth::Event::TcpFailure);
            break;
        }
        if (noPeer) {
            co_await sendError(client, ctx.stats, rc, 503,
                               "failure to get a peer from the ring-balancer", false);
            break;
        }
        UpstreamExchange& x = *attemptState;
        if (x.outcome == UpstreamExchange::Outcome::ClientFailed) {
            // The client's body is malformed or stopped: the upstream connection, holding a
            // partial request, is dropped and never pooled.
            if (x.ec.category() == http::make_error_code(http::error::bad_chunk).category())
                co_await sendError(client, ctx.stats, rc, 400, "Bad request: " + x.ec.message(),
                                   false);
            break;
        }
        if (x.outcome == UpstreamExchange::Outcome::UpstreamFailed) {
            co_await sendUpstreamError(client, ctx.stats, rc, x.timedOut);
            break;
        }
        beast::tcp_stream& upstream = *x.upstream;
        beast::flat_buffer& upstreamBuffer = x.buffer;
        auto& res = *x.response;
        rc.upstreamStarted = x.started;
        rc.upstreamHeaders = Clock::now();
        auto& rhead = res.get();
        rc.status = rhead.result_int();
        ctx.stats.countStatus(rhead.result_int());
        if (picked) {
            TargetHealth::Event event;
            if (TargetHealth::classify(rhead.result_int(), balanced->health.passive, event))
                reportPassive(*balanced, *picked, event);
        }
        const bool upstreamKeepAlive = rhead.keep_alive();
        const bool resChunked = rhead.chunked();
        const auto resLength = res.content_length();
        stripHopByHop(rhead);
        FieldsAccess<http::response_header<>> responseFields(rhead);
        rc.response = &responseFields;
        if (chain->has(Plugin::HeaderFilter)) chain->headerFilter(rc);
        rc.response = nullptr;
        rhead.version(11);
        // A close-delimited upstream body can only be relayed chunked or close-delimited.
        const bool framed = resChunked || resLength || res.is_done();
        if (resChunked || (!resLength && !res.is_done()))
            rhead.chunked(true);
        else if (resLength)
            rhead.content_length(*resLength);
        rhead.keep_alive(clientKeepAlive);
        http::serializer<false, http::buffer_body> resOut{rhead};
        const RelayResult relayed = co_await relayBody(
            upstream, upstreamBuffer, res, client, resOut, responseChunk,
            std::chrono::milliseconds(svc.readTimeoutMs), std::chrono::milliseconds(60000),
            [&rc, chain](std::string_view piece, bool last) {
                rc.responseBytes += piece.size();
                if (chain->has(Plugin::BodyFilter)) chain->bodyFilter(rc, piece, last);
            });
        ec = relayed.ec;
        if (!ec && upstreamKeepAlive && framed && res.is_done() && upstreamBuffer.size() == 0)
            ctx.pool.give(x.key, upstream.release_socket());
        if (ec || !clientKeepAlive) break;
    }
}

} // namespace detail

} // namespace portico::proxy
