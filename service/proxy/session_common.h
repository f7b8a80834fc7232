#pragma once
// Private to the proxy: what the request loop (session_impl.h) and the upstream side
// (upstream_exchange.h) share — error answers, header access for plugins, the end-of-request
// bookkeeping, body relaying. Include nowhere else: it pulls in Beast.
#include "core/hex.h"
#include "core/text.h"
#include "net/asio_names.h"
#include "proxy/arena.h"
#include "proxy/head_parser.h"
#include "proxy/head_text.h"
#include "proxy/path_normalizer.h"
#include "proxy/plugin_chain.h"
#include "proxy/proxy_session.h"
#include "proxy/request_checks.h"
#include "proxy/timed_socket.h"
#include "proxy/tls_socket.h"
#include "proxy/upstream_response_parser.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <span>
#include <sys/socket.h>

namespace portico::proxy {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
// Literal pieces appended as views: std::string::append(const char*) is not inlined and
// measures its argument at run time.
using namespace std::string_view_literals;

// What the transport knows about a client connection.
struct ConnectionInfo {
    std::string peer;     // client address
    std::string protocol; // "http" or "https"
    std::string sni;      // TLS server name, empty when none
};

namespace detail {

// What a failed operation on `s` means: a passed deadline reads as Beast's timeout, whatever
// the closed socket reported.
inline error_code timeoutOr(const TimedSocket& s, error_code ec) {
    return ec && s.expired() ? error_code(beast::error::timeout) : ec;
}

// An upstream's response head may be as large as a client's request head may by default.
inline constexpr std::uint32_t kUpstreamHeaderLimit = 32 * 1024;

// Request and response heads live in the connection's arena.
using RequestParser = HeadParser<true>;
using ResponseParser = UpstreamResponseParser;

// Plugins' view of the fields of an answer this hop makes itself (Beast's).
class FieldsAccess final : public HeaderAccess {
public:
    explicit FieldsAccess(http::fields& f) : m_fields(f) {}
    std::string_view get(std::string_view name) const override {
        auto it = m_fields.find(name);
        return it == m_fields.end() ? std::string_view() : std::string_view(it->value());
    }
    void set(std::string_view name, std::string_view value) override { m_fields.set(name, value); }
    void erase(std::string_view name) override { m_fields.erase(name); }

private:
    http::fields& m_fields;
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
        const auto total = started ? micros(now - rc.started) : 0;
        const auto upstreamTime = upstream ? micros(rc.upstreamHeaders - rc.upstreamStarted) : -1;
        metrics.current.record(rc.routeId, rc.serviceId, rc.status, total, upstreamTime,
                               upstream ? micros(rc.upstreamStarted - rc.started) : -1);
        metrics.current.sample([&] {
            RequestSample s;
            s.time =
                std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                    .count();
            s.method = rc.method;
            s.host = rc.host;
            s.path = rc.path;
            s.peer = rc.peer;
            s.routeId = rc.routeId;
            s.serviceId = rc.serviceId;
            s.requestId = rc.requestId.view();
            s.status = rc.status;
            s.latencyMs = static_cast<double>(total) / 1000.0;
            s.upstreamMs = upstreamTime < 0 ? -1 : static_cast<double>(upstreamTime) / 1000.0;
            return s;
        });
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
Awaitable<void> sendError(Client& client, ProxyStats& stats, RequestContext& rc, int status,
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
    co_await http::async_write(client, res, asio::redirect_error(useAwaitable, ec));
}

// Kong's answers when the upstream fails: 504 for a timeout, 502 for anything else.
template <class Client>
Awaitable<void> sendUpstreamError(Client& client, ProxyStats& stats, RequestContext& rc,
                                  bool timedOut) {
    if (timedOut)
        co_await sendError(client, stats, rc, 504, "The upstream server is timing out", false);
    else
        co_await sendError(client, stats, rc, 502,
                           "An invalid response was received from the upstream server", false);
}

// An answer a rewrite or access phase gave: it passes header_filter like any response.
template <class Client>
Awaitable<void> sendPluginResponse(Client& client, ProxyStats& stats, RequestContext& rc,
                                   const PluginChain& chain, const PhaseResult& answer,
                                   bool keepAlive) {
    stats.countStatus(answer.status);
    rc.status = answer.status;
    http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::server, "portico");
    for (const auto& [k, v] : answer.headers)
        res.set(k, v);
    FieldsAccess fields(res.base());
    rc.response = &fields;
    if (chain.has(Plugin::HeaderFilter)) chain.headerFilter(rc);
    rc.response = nullptr;
    res.body() = answer.body;
    res.prepare_payload();
    res.keep_alive(keepAlive);
    beast::get_lowest_layer(client).expires_after(30s);
    error_code ec;
    co_await http::async_write(client, res, asio::redirect_error(useAwaitable, ec));
}

// What ends at this hop: the hop-by-hop fields and every field the sender names in Connection.
// Holds views into the Connection values of `f`, which must outlive it unchanged.
class HopFields {
public:
    explicit HopFields(const ReceivedHead& f) {
        for (const auto& field : f) {
            if (field.name() != http::field::connection) continue;
            const std::string_view v = field.value();
            std::size_t start = 0;
            while (start < v.size()) {
                const auto comma = v.find(',', start);
                const std::string_view token =
                    trim(v.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                         : comma - start));
                if (!token.empty()) {
                    if (m_count < m_few.size())
                        m_few[m_count++] = token;
                    else
                        m_many.push_back(token);
                }
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
        }
    }

    bool endsHere(const ReceivedHead::Field& field) const {
        return endsHere(field.name(), field.name_string());
    }
    bool endsHere(std::string_view name) const {
        return endsHere(http::string_to_field(name), name);
    }

private:
    bool endsHere(http::field known, std::string_view name) const {
        switch (known) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::te:
        case http::field::trailer:
        case http::field::transfer_encoding:
        case http::field::upgrade:
        case http::field::proxy_authenticate:
        case http::field::proxy_authorization:
            return true;
        default:
            break;
        }
        if (m_count == 0) return false;
        for (std::size_t i = 0; i < m_count; ++i)
            if (beast::iequals(m_few[i], name)) return true;
        for (const auto token : m_many)
            if (beast::iequals(token, name)) return true;
        return false;
    }

    std::array<std::string_view, 8> m_few; // the common case names one or two
    std::vector<std::string_view> m_many;
    std::size_t m_count = 0;
};

// What plugins set or erased in a received head, kept beside it rather than applied to it:
// the head is written out once with the edits applied (writeFields). One name has at most one
// edit, the last. Owned by a connection and reused from request to request; the edits' text lives
// in the connection's arena, as the heads do (so it is valid until the arena's next reset, when
// the next request begins and clear() is called anyway).
class FieldEdits {
public:
    struct Edit {
        std::string_view name, value;
        bool erased = false;
    };
    explicit FieldEdits(Arena& arena) noexcept : m_arena(arena) {}
    void clear() noexcept { m_count = 0; }
    const Edit* find(std::string_view name) const {
        const std::size_t i = indexOf(name);
        return i < m_count ? &m_edits[i] : nullptr;
    }
    void put(std::string_view name, std::string_view value, bool erased) {
        const std::size_t i = indexOf(name);
        if (i == m_count) {
            if (m_count == m_edits.size()) m_edits.emplace_back();
            m_edits[m_count++].name = keep(name);
        }
        m_edits[i].value = keep(value);
        m_edits[i].erased = erased;
    }
    std::span<const Edit> edits() const { return {m_edits.data(), m_count}; }

private:
    std::size_t indexOf(std::string_view name) const {
        std::size_t i = 0;
        while (i < m_count && !beast::iequals(m_edits[i].name, name))
            ++i;
        return i;
    }
    std::string_view keep(std::string_view s) {
        if (s.empty()) return {};
        char* p = static_cast<char*>(m_arena.allocate(s.size(), 1));
        std::memcpy(p, s.data(), s.size());
        return {p, s.size()};
    }

    Arena& m_arena;
    std::vector<Edit> m_edits;
    std::size_t m_count = 0;
};

// Plugins' view of a received head and of their own edits to it. With `hop`, the fields that
// end at this hop read as absent (they are not sent on). Clears `edits` for this head.
class EditedFields final : public HeaderAccess {
public:
    EditedFields(const ReceivedHead& f, FieldEdits& edits, const HopFields* hop = nullptr)
        : m_fields(f), m_edits(edits), m_hop(hop) {
        m_edits.clear();
    }
    std::string_view get(std::string_view name) const override {
        if (const auto* e = m_edits.find(name)) return e->erased ? std::string_view() : e->value;
        if (m_hop && m_hop->endsHere(name)) return {};
        const auto it = m_fields.find(name);
        return it == m_fields.end() ? std::string_view() : it->value();
    }
    void set(std::string_view name, std::string_view value) override {
        m_edits.put(name, value, false);
    }
    void erase(std::string_view name) override { m_edits.put(name, {}, true); }
    const FieldEdits& edits() const noexcept { return m_edits; }

private:
    const ReceivedHead& m_fields;
    FieldEdits& m_edits;
    const HopFields* m_hop;
};

// Appends `Name: value` lines to `out`: the fields of `f` that neither end at this hop, nor
// are edited, nor are ones `skip(field)` says this hop writes itself; then what the edits set.
template <class Skip>
void writeFields(HeadText& out, const ReceivedHead& f, const HopFields& hop,
                 const FieldEdits& edits, Skip skip) {
    for (const auto& field : f) {
        if (hop.endsHere(field) || skip(field) || edits.find(field.name_string())) continue;
        out.field(field.name_string(), field.value());
    }
    for (const auto& e : edits.edits())
        if (!e.erased) out.field(e.name, e.value);
}

// Kong's path_handling v0, written into `out`: the service path, then what the route did not
// strip, joined by one '/'.
inline void writeUpstreamPath(HeadText& out, const ServiceInfo& svc, const RouteMatch& m,
                              std::string_view path) {
    const std::string_view rest =
        m.route->stripPath ? path.substr(std::min(m.matchedLength, path.size())) : path;
    std::string_view base = svc.path;
    if (rest.empty()) {
        out << (base.empty() ? "/"sv : base);
        return;
    }
    if (!base.empty() && base.back() == '/') base.remove_suffix(1);
    out << base;
    if (rest.front() != '/') out << "/"sv;
    out << rest;
}

// Feeds `p` what `buffer` already holds, as Beast's async_read_some would first do, but in
// place: when no I/O is needed Beast posts its completion, a round trip through the scheduler
// that most requests (a head read whole, a small body arriving with its head) would pay. False
// when the parser needs bytes from the stream first; `ec` is then clear.
template <class Parser> bool parseBuffered(Parser& p, beast::flat_buffer& buffer, error_code& ec) {
    ec = {};
    if (buffer.size() == 0) return false;
    const std::size_t used = p.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more || (!ec && used == 0)) {
        ec = {};
        return false;
    }
    return true;
}

// Reading from a stream into `buffer` and feeding `p` until it has made progress (with
// `untilHeader`: until its head is complete), as Beast's async_read_some and async_read_header do
// but without their layers of composed operations. The caller waits, in its own frame (a
// coroutine of its own would be an allocation and two resumptions more per read):
//     ParsedRead read(p, buffer, untilHeader);
//     while (read.wantsInput()) {
//         beast::get_lowest_layer(in).expires_after(timeout);
//         std::tie(ec, n) = co_await in.async_read_some(read.space(), awaitInPlace);
//         read.received(in, ec, n);
//     }
//     ec = read.result();
// At the end of the stream, a parser that has begun a message is told (a body delimited by the
// close ends there; anything else is a partial message); one that has not gets end_of_stream.
inline constexpr std::size_t kReadSize = 8192;
template <class Parser> class ParsedRead {
public:
    ParsedRead(Parser& p, beast::flat_buffer& buffer, bool untilHeader)
        : m_p(p), m_buffer(buffer), m_untilHeader(untilHeader) {}

    // Parses what the buffer holds; true when the parser needs bytes from the stream first.
    bool wantsInput() {
        while (!m_done) {
            if (!parseBuffered(m_p, m_buffer, m_ec)) return true;
            m_done = m_ec || !m_untilHeader || m_p.is_header_done();
        }
        return false;
    }
    asio::mutable_buffer space() { return m_buffer.prepare(kReadSize); }
    // What a read of `in` into space() returned.
    template <class Stream> void received(Stream& in, error_code ec, std::size_t n) {
        // Over TLS the end may come without close_notify; like nginx, read it as the end (many
        // servers just close). A body framed by length or chunks and cut short is still a partial
        // message: put_eof() says so.
        if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
            m_done = true;
            m_ec = {};
            if (!m_p.got_some())
                m_ec = http::error::end_of_stream;
            else
                m_p.put_eof(m_ec);
            return;
        }
        if (ec) {
            m_done = true;
            m_ec = timeoutOr(beast::get_lowest_layer(in), ec);
            return;
        }
        // A deadline bounds one operation: left armed, it would cut whatever waits next.
        beast::get_lowest_layer(in).expires_never();
        m_buffer.commit(n);
    }
    error_code result() const noexcept { return m_ec; }

private:
    Parser& m_p;
    beast::flat_buffer& m_buffer;
    bool m_untilHeader;
    bool m_done = false;
    error_code m_ec;
};

// ParsedRead in a coroutine of its own, for the reads that are not on every request's path.
template <class Parser, class Stream>
Awaitable<error_code> readParsed(Stream& in, beast::flat_buffer& buffer, Parser& p,
                                 bool untilHeader, std::chrono::steady_clock::duration timeout) {
    ParsedRead<Parser> read(p, buffer, untilHeader);
    while (read.wantsInput()) {
        beast::get_lowest_layer(in).expires_after(timeout);
        error_code ec;
        std::size_t n = 0;
        std::tie(ec, n) = co_await in.async_read_some(read.space(), awaitInPlace);
        read.received(in, ec, n);
    }
    co_return read.result();
}

// Writes what a plain socket takes right now, without waiting: most writes of a proxied request
// fit the socket buffer whole, and finishing them here saves the asynchronous operation and its
// completion's trip through the scheduler (Asio posts even a write that succeeded at once).
// Drops the sent bytes from the front of `bufs`. A failure is left for the asynchronous write
// that follows to report.
inline void sendNow(TimedSocket& s, std::span<asio::const_buffer>& bufs) {
    std::array<iovec, 8> iov;
    const std::size_t count = std::min(bufs.size(), iov.size());
    for (std::size_t i = 0; i < count; ++i)
        iov[i] = {const_cast<void*>(bufs[i].data()), bufs[i].size()};
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const auto n = ::sendmsg(s.socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) dropFront(bufs, static_cast<std::size_t>(n));
}
// A TLS connection (a client's or to an upstream) encrypts in place and sends what its socket
// takes.
inline void sendNow(TlsSocket& s, std::span<asio::const_buffer>& bufs) {
    s.sendNow(bufs);
}
// Whether a stream holds bytes that sendNow() took but its socket did not: only TLS connections
// do (their records are made whole before sending).
inline bool hasUnsent(const TlsSocket& s) {
    return s.hasUnsent();
}
inline bool hasUnsent(const TimedSocket&) {
    return false;
}

struct RelayResult {
    error_code ec;
    bool readSide = false; // the failure was reading `in` (else writing `out`)
};

// A received response head as this hop sends it on, into `out` (the connection's scratch
// string): the status line (always HTTP/1.1), the upstream's fields less what ends at this hop
// and its framing, the plugins' edits, then the lines `own` appends (this hop's framing and
// connection handling). Written by hand rather than through Beast's serializer, whose
// per-field buffer sequences were the largest user-space cost of a proxied request.
template <class Own>
const std::string& responseHeadBytes(const ReceivedHead& h, const HopFields& hop,
                                     const FieldEdits& edits, std::string& out, Own own) {
    {
        HeadText text(out);
        text << "HTTP/1.1 "sv << NumberText(h.result_int()) << " "sv << h.reason() << "\r\n"sv;
        writeFields(text, h, hop, edits,
                    [](const auto& field) { return field.name() == http::field::content_length; });
        own(text);
        text << "\r\n"sv;
    }
    return out;
}

// What relaying a message waits for next.
enum class RelayWait { Nothing, Input, Output };

// How far the relaying of a message got, kept outside the coroutine that waits for its I/O:
// most messages are relayed whole without waiting (a bodiless request, a small response read
// with its head), and then no coroutine is started at all. Owned by the connection's
// Forwarding, used for one message at a time.
struct RelayProgress {
    // Head, chunk size line, data, chunk end, last chunk: one gathered write.
    std::array<asio::const_buffer, 5> gather{};
    std::span<asio::const_buffer> pending; // what the socket did not take yet
    char sizeLine[24]{};
    bool headSent = false;
    bool last = false;  // the pending bytes end the message
    RelayResult result; // how the message ended, once nothing is waited for
};

// Relays a message: `head` (its bytes), then the body read from `in` (parser past its header)
// as it arrives (read_some: a trickling body is not held back), never holding more than one
// buffer. `chunked` frames the body in chunks (the head says so); `bodyless` messages (HEAD
// answers, 204, 304) send the head only. `tap` sees each piece of the body as it goes out
// (the body_filter phase). References to the caller's state; the coroutine that waits, when
// there is one, refers to this object in the caller's frame.
template <class Parser, class In, class Out, class Tap> struct Relay {
    In& in;
    beast::flat_buffer& inBuffer;
    Parser& p;
    Out& out;
    const std::string& head;
    bool chunked;
    bool bodyless;
    std::vector<char>& buf;
    std::chrono::milliseconds readTimeout;
    std::chrono::milliseconds writeTimeout;
    Tap tap;
    RelayProgress& s;

    // Does what needs no waiting, from the start of the message or after an awaited read
    // (`justRead`: the parser has put what it read into `buf`) or write; says what to wait for.
    // Nothing: the message is relayed or failed (s.result).
    RelayWait step(bool justRead) const {
        for (;;) {
            std::size_t n = 0;
            // After a read the parser may be done, with the message's last bytes in `buf`.
            if (justRead || !p.is_done()) {
                if (!justRead) {
                    p.get().body().data = buf.data();
                    p.get().body().size = buf.size();
                    // Through as many chunks as the buffers hold: a body in small chunks is not
                    // sent on one small chunk per write.
                    p.eager(true);
                    error_code ec;
                    const bool progressed = parseBuffered(p, inBuffer, ec);
                    if (ec && ec != http::error::need_buffer) {
                        s.result = {ec, true};
                        return RelayWait::Nothing;
                    }
                    // Stopped inside a chunk header with data before it: that data goes now.
                    if (!progressed && p.get().body().size == buf.size()) return RelayWait::Input;
                }
                justRead = false;
                n = buf.size() - p.get().body().size;
                // Nothing new yet (a chunk header only): read on.
                if (n == 0 && !p.is_done() && s.headSent) continue;
            }
            s.last = p.is_done();
            std::size_t k = 0;
            if (!s.headSent) s.gather[k++] = asio::buffer(head);
            if (n > 0 && !bodyless) {
                if (chunked) {
                    char* end =
                        std::to_chars(s.sizeLine, s.sizeLine + sizeof s.sizeLine - 2, n, 16).ptr;
                    *end++ = '\r';
                    *end++ = '\n';
                    s.gather[k++] =
                        asio::buffer(s.sizeLine, static_cast<std::size_t>(end - s.sizeLine));
                }
                s.gather[k++] = asio::buffer(buf.data(), n);
                if (chunked) s.gather[k++] = asio::buffer("\r\n", 2);
            }
            if (s.last && chunked && !bodyless) s.gather[k++] = asio::buffer("0\r\n\r\n", 5);
            tap(std::string_view(buf.data(), bodyless ? 0 : n), s.last);
            s.pending = std::span<asio::const_buffer>(s.gather.data(), k);
            sendNow(out, s.pending);
            // With nothing left to encrypt, the write only flushes what sendNow() left.
            if (!s.pending.empty() || hasUnsent(out)) return RelayWait::Output;
            s.headSent = true;
            if (s.last) {
                s.result = {};
                return RelayWait::Nothing;
            }
        }
    }
};

// The rest of a relay whose step() waits for `wait`. `r` is the caller's, which awaits this (by
// reference: a copy would take room in both coroutine frames).
template <class Parser, class In, class Out, class Tap>
Awaitable<RelayResult> finishRelay(const Relay<Parser, In, Out, Tap>& r, RelayWait wait) {
    while (wait != RelayWait::Nothing) {
        error_code ec;
        if (wait == RelayWait::Input) {
            ec = co_await readParsed(r.in, r.inBuffer, r.p, false, r.readTimeout);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) co_return RelayResult{ec, true};
            wait = r.step(true);
            continue;
        }
        beast::get_lowest_layer(r.out).expires_after(r.writeTimeout);
        co_await asio::async_write(r.out, r.s.pending, asio::redirect_error(useAwaitable, ec));
        if (ec) co_return RelayResult{timeoutOr(beast::get_lowest_layer(r.out), ec), false};
        beast::get_lowest_layer(r.out).expires_never();
        r.s.headSent = true;
        if (r.s.last) co_return RelayResult{};
        wait = r.step(false);
    }
    co_return r.s.result;
}

// Passive health checks: what real traffic shows about a target. Nothing is counted when the
// upstream has no passive thresholds (the common case costs one branch).
// Counted against the address the request went to when the target is a host name.
inline void reportPassive(const UpstreamInfo& up, const UpstreamInfo::Target& t,
                          const ResolvedAddress* address, TargetHealth::Event e) {
    if (!up.health.passiveEnabled() && up.health.passive.successes == 0) return;
    if (!address)
        t.health->record(e, up.health.passive);
    else if (address->health->record(e, up.health.passive))
        t.health->refreshFromAddresses();
}

inline bool idempotent(http::verb v) {
    return v == http::verb::get || v == http::verb::head || v == http::verb::options ||
           v == http::verb::put || v == http::verb::delete_ || v == http::verb::trace;
}

} // namespace detail

} // namespace portico::proxy
