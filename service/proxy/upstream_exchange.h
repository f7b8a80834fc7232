#pragma once
// Private to the proxy (included by session_impl.h only): everything after a request has been
// routed and rewritten — picking a target, connecting (plain or TLS, pooled or new), retries,
// sending the request, relaying the response, and tunnelling an accepted Upgrade. Written once
// for any client stream and either upstream stream.

#include "proxy/session_common.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>

namespace portico::proxy {

using PlainUpstream = TimedSocket;
using TlsUpstream = TlsSocket;

namespace detail {

// What forward() needs of the request being proxied. References into the session's frame.
template <class Client> struct Forwarding {
    Client& client;
    beast::flat_buffer& clientBuffer;
    RequestParser& req;
    const ServiceInfo& svc;
    const UpstreamInfo* balanced; // the service's host names an upstream
    const std::string& tlsName;   // SNI and verified name towards an https service
    SessionContext& ctx;
    RequestContext& rc;
    const PluginChain& chain;
    std::vector<char>& requestChunk;
    std::vector<char>& responseChunk;
    beast::flat_buffer& upstreamBuffer;
    std::string& poolKey;           // scratch for the pool key (its storage kept)
    Arena& arena;                   // the heads' fields
    const std::string& requestHead; // the upstream's, as rewriteForUpstream() wrote it
    std::string& responseHead;      // the client's, as sent
    FieldEdits& responseEdits;      // the plugins' edits of the response head
    bool expectContinue;
    bool clientKeepAlive;
    bool upgrade; // the request asks to switch protocols (and may)
    BalanceRequest balance{};
    std::string setCookie{}; // a hash cookie the balancer issued, for the response
    bool replayable = false; // idempotent and bodiless: sent again if a pooled connection was stale
    RelayProgress relay{};   // the message being relayed (the request, then the response)
};

// What the request's relay shows no one; the response's body goes through body_filter.
struct NoTap {
    void operator()(std::string_view, bool) const noexcept {}
};
struct BodyFilterTap {
    RequestContext& rc;
    const PluginChain& chain;
    void operator()(std::string_view piece, bool last) const {
        rc.responseBytes += piece.size();
        if (chain.has(Plugin::BodyFilter)) chain.bodyFilter(rc, piece, last);
    }
};

// One attempt at the upstream: connection, request, response head.
template <class Up> struct UpstreamExchange {
    enum class Outcome { Ok, ClientFailed, UpstreamFailed };
    Outcome outcome = Outcome::UpstreamFailed;
    error_code ec;
    bool timedOut = false;
    bool reused = false;        // the connection came from the pool
    bool connectFailed = false; // no connection was made (nothing was sent)
    unsigned served = 0;        // requests the connection carried before this one
    std::optional<Up> upstream;
    // The session's upstream read buffer, emptied for each attempt, and the connection's pool
    // key: their storage is reused from request to request instead of allocated for each.
    beast::flat_buffer& buffer;
    std::string& key;
    UpstreamExchange(beast::flat_buffer& b, std::string& k) : buffer(b), key(k) {
        buffer.consume(buffer.size());
    }
    std::optional<ResponseParser> response;
    Clock::time_point started;
};

// An idle connection is closed by the pool's checks, not by a deadline.
template <class Up>
void givePooled(UpstreamPool& pool, const std::string& key, Up& s, unsigned served) {
    beast::get_lowest_layer(s).expires_never();
    pool.give(key, std::move(s), served);
}

// A new connection is usable once TCP is up (plain) or the handshake passed (TLS).
inline Awaitable<error_code> openUpstream(TimedSocket tcp, std::optional<PlainUpstream>& out,
                                          const ServiceInfo&, const std::string&,
                                          const std::string&) {
    out.emplace(std::move(tcp));
    co_return error_code{};
}
// `key` names the connection's address and TLS settings (its pool key): the session resumed.
inline Awaitable<error_code> openUpstream(TimedSocket tcp, std::optional<TlsUpstream>& out,
                                          const ServiceInfo& svc, const std::string& name,
                                          const std::string& key) {
    out.emplace(std::move(tcp), svc.tls->context().native_handle(), TlsSocket::Role::Client);
    SSL* ssl = out->native_handle();
    svc.tls->resumeSession(ssl, key);
    error_code ec;
    // No SNI for an address; the verified name is the service's host as sent in Host.
    asio::ip::make_address(name, ec);
    if (ec && !name.empty()) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (svc.tls->verify()) SSL_set1_host(ssl, name.c_str());
    ec = {};
    beast::get_lowest_layer(*out).expires_after(std::chrono::milliseconds(svc.connectTimeoutMs));
    co_await out->async_handshake(asio::redirect_error(useAwaitable, ec));
    co_return timeoutOr(beast::get_lowest_layer(*out), ec);
}

// A new connection to host:port into `x.upstream`, usable once TCP is up (plain) or the
// handshake passed (TLS). Its own coroutine, so that what connecting needs does not take room in
// the frame of every exchange (most take a pooled connection).
template <class Client, class Up>
Awaitable<error_code> connectUpstream(Forwarding<Client>& f, const std::string& host, int port,
                                      UpstreamExchange<Up>& x) {
    const ServiceInfo& svc = f.svc;
    error_code ec;
    TimedSocket connecting(f.client.get_executor());
    connecting.expires_after(std::chrono::milliseconds(svc.connectTimeoutMs));
    // An address (a target, a resolved host name) needs no trip to the resolver's thread.
    if (const auto ip = asio::ip::make_address(host, ec); !ec) {
        co_await connecting.socket().async_connect({ip, static_cast<unsigned short>(port)},
                                                   asio::redirect_error(useAwaitable, ec));
    } else {
        asio::ip::tcp::resolver resolver(f.client.get_executor());
        auto endpoints = co_await resolver.async_resolve(host, std::to_string(port),
                                                         asio::redirect_error(useAwaitable, ec));
        if (!ec)
            co_await asio::async_connect(connecting.socket(), endpoints,
                                         asio::redirect_error(useAwaitable, ec));
    }
    ec = timeoutOr(connecting, ec);
    if (ec) co_return ec;
    connecting.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    co_return co_await openUpstream(std::move(connecting), x.upstream, svc, f.tlsName, x.key);
}

template <class Client, class Up>
Awaitable<void> exchange(Forwarding<Client>& f, const std::string& host, int port, bool fresh,
                         UpstreamExchange<Up>& x) {
    const ServiceInfo& svc = f.svc;
    error_code ec;
    x.key.clear();
    if (svc.tls)
        x.key.append("tls|"sv)
            .append(svc.tls->settingsKey())
            .append("|"sv)
            .append(f.tlsName)
            .append("|"sv);
    x.key.append(host).append(":"sv).append(NumberText(port));
    x.reused = !fresh && !f.upgrade && f.ctx.pool.take(x.key, x.upstream, x.served, !f.replayable);
    if (!x.reused) {
        ec = co_await connectUpstream(f, host, port, x);
        if (ec) {
            x.outcome = UpstreamExchange<Up>::Outcome::UpstreamFailed;
            x.connectFailed = true;
            x.ec = ec;
            x.timedOut = ec == beast::error::timeout;
            co_return;
        }
    }
    if (f.expectContinue && !f.req.is_done()) {
        static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
        beast::get_lowest_layer(f.client).expires_after(30s);
        co_await asio::async_write(f.client, asio::buffer(cont),
                                   asio::redirect_error(useAwaitable, ec));
        if (ec) {
            x.outcome = UpstreamExchange<Up>::Outcome::ClientFailed;
            x.ec = ec;
            co_return;
        }
    }
    x.started = Clock::now();
    f.relay = {};
    const Relay<RequestParser, Client, Up, NoTap> send{
        f.client,
        f.clientBuffer,
        f.req,
        *x.upstream,
        f.requestHead,
        f.req.chunked(),
        false,
        f.requestChunk,
        std::chrono::seconds(f.ctx.limits.bodyTimeoutS),
        std::chrono::milliseconds(svc.writeTimeoutMs),
        {},
        f.relay};
    const RelayWait sending = send.step(false);
    const RelayResult sent =
        sending == RelayWait::Nothing ? f.relay.result : co_await finishRelay(send, sending);
    if (sent.ec) {
        x.outcome = sent.readSide ? UpstreamExchange<Up>::Outcome::ClientFailed
                                  : UpstreamExchange<Up>::Outcome::UpstreamFailed;
        x.ec = sent.ec;
        x.timedOut = sent.ec == beast::error::timeout;
        co_return;
    }
    // Interim 1xx responses are consumed here (a bounded number). 101 ends the head only when
    // the request asked to upgrade; unasked, it is a broken upstream.
    for (int interim = 0;; ++interim) {
        x.response.emplace(f.arena, kUpstreamHeaderLimit);
        if (f.req.get().method() == http::verb::head) x.response->skipBody();
        // Every request waits here: read in this frame (see ParsedRead).
        ParsedRead<ResponseParser> read(*x.response, x.buffer, true);
        while (read.wantsInput()) {
            beast::get_lowest_layer(*x.upstream)
                .expires_after(std::chrono::milliseconds(svc.readTimeoutMs));
            std::size_t n = 0;
            std::tie(ec, n) = co_await x.upstream->async_read_some(read.space(), awaitInPlace);
            read.received(*x.upstream, ec, n);
        }
        ec = read.result();
        const unsigned status = ec ? 0 : x.response->get().result_int();
        if (ec || status >= 200) break;
        if (status == 101 && f.upgrade) break;
        if (status == 101 || interim >= 10) {
            ec = http::error::bad_status;
            break;
        }
    }
    x.ec = ec;
    x.timedOut = ec == beast::error::timeout;
    x.outcome =
        ec ? UpstreamExchange<Up>::Outcome::UpstreamFailed : UpstreamExchange<Up>::Outcome::Ok;
}

// Copies bytes one way until the source ends, fails or stays idle past `idle`; then marks the
// tunnel done and cancels the other direction's pending operations.
template <class From, class To>
Awaitable<void> pump(From& from, To& to, beast::flat_buffer& pending, std::vector<char>& buf,
                     std::chrono::milliseconds idle, bool& done) {
    error_code ec;
    if (pending.size()) {
        beast::get_lowest_layer(to).expires_after(idle);
        co_await asio::async_write(to, pending.data(), asio::redirect_error(useAwaitable, ec));
        pending.consume(pending.size());
    }
    while (!ec && !done) {
        beast::get_lowest_layer(from).expires_after(idle);
        const std::size_t n = co_await from.async_read_some(asio::buffer(buf),
                                                            asio::redirect_error(useAwaitable, ec));
        if (ec || done) break;
        beast::get_lowest_layer(to).expires_after(idle);
        co_await asio::async_write(to, asio::buffer(buf.data(), n),
                                   asio::redirect_error(useAwaitable, ec));
    }
    if (!done) {
        done = true;
        beast::get_lowest_layer(from).cancel();
        beast::get_lowest_layer(to).cancel();
    }
}

// After the upstream's 101: the two connections become one tunnel until either side closes.
template <class Client, class Up>
Awaitable<void> tunnel(Forwarding<Client>& f, Up& upstream, beast::flat_buffer& upstreamBuffer) {
    using namespace asio::experimental::awaitable_operators;
    // The idle limit of a tunnel is the service's read timeout, as for any upstream read.
    const auto idle = std::chrono::milliseconds(f.svc.readTimeoutMs);
    bool done = false;
    co_await (pump(f.client, upstream, f.clientBuffer, f.requestChunk, idle, done) &&
              pump(upstream, f.client, upstreamBuffer, f.responseChunk, idle, done));
}

// How the client's response head is framed: the upstream's framing and connection handling
// ended at this hop.
struct ClientFraming {
    bool switching = false;                // a 101: Connection and Upgrade are passed
    bool chunked = false;                  // the body goes chunked
    const std::uint64_t* length = nullptr; // else its length, when known
};

// The response head the client gets: header_filter runs over the received head (its edits
// kept beside it), then the head is written out without what ends at this hop and with this
// hop's framing. A plain function, so that what it uses lives on the stack rather than in
// forward()'s coroutine frame (kept under the ~1 KiB Asio recycles).
template <class Client>
const std::string& clientResponseHead(Forwarding<Client>& f, const ReceivedHead& rhead,
                                      const ClientFraming& framing) {
    const HopFields hop(rhead);
    EditedFields fields(rhead, f.responseEdits, &hop);
    f.rc.response = &fields;
    if (f.chain.has(Plugin::HeaderFilter)) f.chain.headerFilter(f.rc);
    f.rc.response = nullptr;
    return responseHeadBytes(rhead, hop, f.responseEdits, f.responseHead, [&](HeadText& out) {
        if (!f.setCookie.empty()) out.field("Set-Cookie"sv, f.setCookie);
        if (framing.switching) {
            out << "Connection: upgrade\r\n"sv;
            out.field("Upgrade"sv, rhead[http::field::upgrade]);
            return;
        }
        if (framing.chunked)
            out << "Transfer-Encoding: chunked\r\n"sv;
        else if (framing.length)
            out.field("Content-Length"sv, NumberText(*framing.length));
        if (!f.clientKeepAlive) out << "Connection: close\r\n"sv;
    });
}

// Connect (with retries over targets), send, relay the response. True when the client
// connection may carry another request. With exchange() it is one of the two coroutine frames a
// proxied request allocates; g++ 12 makes this one 968 bytes, under the 1020 that Asio recycles
// (gdb: break on awaitable_frame_base::operator new): more state goes to the arena or a helper.
template <class Client, class Up> Awaitable<bool> forward(Forwarding<Client>& f) {
    const ServiceInfo& svc = f.svc;
    RequestContext& rc = f.rc;
    // A failed connection attempt counts against the service's `retries` and is retried on
    // the next healthy target; so does, for an idempotent request whose body was read whole, a
    // timeout or a dropped connection before the response head (nginx's `proxy_next_upstream
    // error timeout`: nothing has reached the client yet). Besides, such a request that failed
    // on a reused connection before any response byte is sent again once on a fresh connection
    // without counting: the upstream may have closed the idle connection in the meantime.
    const http::verb method = f.req.get().method();
    const bool replayable = f.req.is_done() && idempotent(method);
    f.replayable = replayable;
    // In the connection's arena, not in this frame (see ArenaBox).
    ArenaBox<UpstreamExchange<Up>> attemptState(f.arena);
    const UpstreamInfo::Target* picked = nullptr;
    // A host-name target's addresses (held for the request) and the one used.
    std::shared_ptr<const std::vector<ResolvedAddress>> addresses;
    const ResolvedAddress* address = nullptr;
    std::optional<InFlight> busy; // the picked target's in-flight count, for least-connections
    bool nextTarget = true;
    for (int attempt = 0, failures = 0;; ++attempt) {
        std::string host = svc.host;
        int port = svc.port;
        if (f.balanced && nextTarget) {
            busy.reset();
            picked = f.balanced->pick(f.ctx.balancer[f.balanced->id], f.balance, failures,
                                      attempt == 0 ? &f.setCookie : nullptr);
            busy.emplace(picked);
            if (!picked) {
                co_await sendError(f.client, f.ctx.stats, rc, 503,
                                   "failure to get a peer from the ring-balancer", false);
                co_return false;
            }
        }
        if (picked) {
            host = picked->host;
            port = picked->port;
            // A host-name target: the next of its resolved addresses, when known.
            address = nullptr;
            addresses = picked->health->resolved.load();
            if (addresses && !addresses->empty()) {
                address = &picked->health->nextAddress(*addresses);
                host = address->ip;
            }
        }
        attemptState.emplace(f.upstreamBuffer, f.poolKey); // drops a failed attempt's connection
        co_await exchange(f, host, port, attempt > 0, *attemptState);
        const UpstreamExchange<Up>& x = *attemptState;
        const auto failure =
            x.timedOut ? TargetHealth::Event::Timeout : TargetHealth::Event::TcpFailure;
        nextTarget = true;
        if (x.connectFailed) {
            if (picked) reportPassive(*f.balanced, *picked, address, failure);
            if (++failures <= svc.retries) continue;
            break;
        }
        if (x.outcome != UpstreamExchange<Up>::Outcome::UpstreamFailed) break;
        const bool dropped = x.ec == asio::error::eof || x.ec == http::error::end_of_stream ||
                             x.ec == asio::error::connection_reset ||
                             x.ec == asio::error::broken_pipe ||
                             x.ec == asio::ssl::error::stream_truncated;
        if (x.reused && replayable && dropped && x.buffer.size() == 0 && attempt == 0) {
            nextTarget = false; // the same target, on a fresh connection
            continue;
        }
        if (picked) reportPassive(*f.balanced, *picked, address, failure);
        // A response that arrived but was malformed is not retried (nor by nginx by default):
        // the upstream did answer.
        if (replayable && (x.timedOut || dropped) && ++failures <= svc.retries) continue;
        break;
    }
    UpstreamExchange<Up>& x = *attemptState;
    if (x.outcome == UpstreamExchange<Up>::Outcome::ClientFailed) {
        // The client's body is malformed, over the limit or stopped: the upstream connection,
        // holding a partial request, is dropped and never pooled. A client that went quiet
        // past client_body_timeout is simply closed (the deadline closed its socket), as
        // nginx does.
        if (x.ec == http::error::body_limit)
            co_await sendError(f.client, f.ctx.stats, rc, 413, "Request Entity Too Large", false);

        else if (x.ec.category() == http::make_error_code(http::error::bad_chunk).category())
            co_await sendError(f.client, f.ctx.stats, rc, 400, "Bad request: " + x.ec.message(),
                               false);
        co_return false;
    }
    if (x.outcome == UpstreamExchange<Up>::Outcome::UpstreamFailed) {
        co_await sendUpstreamError(f.client, f.ctx.stats, rc, x.timedOut);
        co_return false;
    }
    Up& upstream = *x.upstream;
    auto& res = *x.response;
    rc.upstreamStarted = x.started;
    rc.upstreamHeaders = Clock::now();
    auto& rhead = res.get();
    rc.status = rhead.result_int();
    f.ctx.stats.countStatus(rhead.result_int());
    if (picked) {
        TargetHealth::Event event;
        if (TargetHealth::classify(rhead.result_int(), f.balanced->health.passive, event))
            reportPassive(*f.balanced, *picked, address, event);
    }
    const bool switching = rhead.result() == http::status::switching_protocols;
    // The parser's reading of the framing (the header's own accessors parse the fields again).
    const bool upstreamKeepAlive = res.keep_alive();
    const bool resChunked = res.chunked();
    const auto& resLength = res.contentLength();
    if (switching) {
        // The upstream agreed: its 101 goes to the client as it is (with the protocol it
        // named), then both connections carry the new protocol.
        const std::string& switched = clientResponseHead(f, rhead, {.switching = true});
        beast::get_lowest_layer(f.client).expires_after(30s);
        error_code ec;
        co_await asio::async_write(f.client, asio::buffer(switched),
                                   asio::redirect_error(useAwaitable, ec));
        if (!ec) co_await tunnel(f, upstream, x.buffer);
        co_return false;
    }
    // A close-delimited upstream body can only be relayed chunked or close-delimited. The
    // length sent is the one the parser framed the body by (the only one it accepted).
    const bool framed = resChunked || resLength || res.is_done();
    const bool chunkedOut = resChunked || (!resLength && !res.is_done());
    const std::string& headOut = clientResponseHead(
        f, rhead,
        {.chunked = chunkedOut, .length = chunkedOut || !resLength ? nullptr : &*resLength});
    const int status = rhead.result_int();
    const bool bodyless =
        method == http::verb::head || status / 100 == 1 || status == 204 || status == 304;
    f.relay = {};
    const Relay<ResponseParser, Up, Client, BodyFilterTap> receive{
        upstream,
        x.buffer,
        res,
        f.client,
        headOut,
        chunkedOut,
        bodyless,
        f.responseChunk,
        std::chrono::milliseconds(svc.readTimeoutMs),
        std::chrono::seconds(f.ctx.limits.sendTimeoutS),
        {rc, f.chain},
        f.relay};
    const RelayWait receiving = receive.step(false);
    const RelayResult relayed =
        receiving == RelayWait::Nothing ? f.relay.result : co_await finishRelay(receive, receiving);
    if (!relayed.ec && upstreamKeepAlive && framed && res.is_done() && x.buffer.size() == 0)
        givePooled(f.ctx.pool, x.key, upstream, x.served + 1);
    co_return !relayed.ec && f.clientKeepAlive;
}

} // namespace detail

} // namespace portico::proxy
