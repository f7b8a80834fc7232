#pragma once
// Private to the proxy: the request loop of one client connection, written once for any
// stream (plain TCP, or TLS over TCP) and instantiated in proxy_session.cpp and
// tls_session.cpp. Include nowhere else: it pulls in Beast.
#include "proxy/upstream_exchange.h"

namespace portico::proxy {

namespace detail {

// The protocol a request asks to switch to, when it may: `Connection: upgrade` with an
// `Upgrade` value other than h2c (never tunnelled: it would bypass HTTP/1.1 checks), no body
// (refused earlier), and a route whose protocols allow it (http/ws on a plain listener,
// https/wss on TLS). Empty otherwise; the Upgrade header is then dropped as hop-by-hop.
// Whether the request asks to switch to a protocol other than h2c.
inline bool asksUpgrade(const ReceivedHead& head) {
    const std::string upgrade(head[http::field::upgrade]);
    if (upgrade.empty() || toLower(upgrade).find("h2c") != std::string::npos) return false;
    bool asked = false;
    for (const auto& field : head)
        if (field.name() == http::field::connection)
            asked =
                asked || toLower(std::string(field.value())).find("upgrade") != std::string::npos;
    return asked;
}

inline std::string upgradeRequested(const ReceivedHead& head, const RequestParser& req,
                                    const CompiledRoute& route,
                                    const std::string& listenerProtocol) {
    if (!asksUpgrade(head) || !req.is_done() || req.chunked()) return {};
    const std::string upgrade(head[http::field::upgrade]);
    const std::string ws = listenerProtocol == "https" ? "wss" : "ws";
    const auto& protocols = route.entity["protocols"];
    for (const auto& p : protocols)
        if (p == listenerProtocol || p == ws) return upgrade;
    return {};
}

// What rewriting a request for its upstream decided, for the exchange that follows.
struct UpstreamHead {
    std::string upgradeTo;  // the protocol the request may switch to; empty when none
    std::string realIp;     // the client as this hop believes it (trusted_ips)
    std::string hostHeader; // the Host sent upstream unless preserve_host
    const UpstreamInfo* balanced = nullptr; // the service's host names an upstream
    bool clientKeepAlive = false;
    bool expectContinue = false;
};

// Fields the upstream gets from this hop instead of from the client (X-Forwarded-*, X-Real-IP
// are not among Beast's known names).
inline bool setByThisHop(http::field name, std::string_view text, bool preserveHost) {
    switch (name) {
    case http::field::host:
        return !preserveHost;
    case http::field::via:
    case http::field::expect:
    case http::field::content_length:
        return true;
    case http::field::unknown:
        break;
    default:
        return false;
    }
    if (text.size() < 9 || (text[0] | 0x20) != 'x') return false;
    for (const std::string_view ours : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                                        "X-Forwarded-Port", "X-Forwarded-Path", "X-Real-IP"})
        if (beast::iequals(text, ours)) return true;
    return false;
}

// Writes the upstream's request head into `textOut`, from the client's with what the rewrite and
// access phases edited (`edited`): the target joined to the service path, the client's fields less
// what ends at this hop and what this hop sets, then Host, the forwarding headers (believed from
// trusted peers only), Via, framing, and the Upgrade pair when the request may switch. The client's
// head itself is left as it is: the upstream's is written out once, edits and all.
inline UpstreamHead rewriteForUpstream(const ReceivedHead& head, const EditedFields& edited,
                                       const RequestParser& req, const ConnectionInfo& conn,
                                       const SessionContext& ctx, const ConfigSnapshot& snap,
                                       const ServiceInfo& svc, const RouteMatch& match,
                                       const std::string& host, int port,
                                       const NormalizedPath& norm, std::string_view query,
                                       std::string& textOut) {
    UpstreamHead out;
    const std::string& peer = conn.peer;
    out.clientKeepAlive = req.keep_alive() && !ctx.stopping;
    const auto length = req.content_length();
    out.expectContinue = beast::iequals(head[http::field::expect], "100-continue");
    out.upgradeTo = upgradeRequested(head, req, *match.route, conn.protocol);
    // Forwarding headers a trusted peer sent (or a plugin set) are kept (X-Forwarded-For
    // extended); from anyone else they are replaced by what this hop knows.
    const bool trustedPeer = !ctx.trusted.empty() && ctx.trusted.contains(peer);
    auto fromPeer = [&](std::string_view name, std::string_view ours) {
        if (trustedPeer)
            if (const auto v = edited.get(name); !v.empty()) return v;
        return ours;
    };
    out.realIp = fromPeer("X-Real-IP", peer);
    // A service whose host names an upstream is balanced over its targets.
    if (auto it = snap.upstreams.find(svc.host); it != snap.upstreams.end())
        out.balanced = &it->second;
    out.hostHeader =
        out.balanced && !out.balanced->hostHeader.empty() ? out.balanced->hostHeader : svc.host;
    const bool preserveHost = match.route->preserveHost;

    HeadText text(textOut);
    text << head.method_string() << " "sv;
    writeUpstreamPath(text, svc, match, norm.path);
    text << query << " HTTP/1.1\r\n"sv;
    const HopFields hop(head);
    writeFields(text, head, hop, edited.edits(), [preserveHost](const auto& f) {
        return setByThisHop(f.name(), f.name_string(), preserveHost);
    });
    if (!preserveHost) {
        if (svc.port == 80 || out.hostHeader != svc.host)
            text.field("Host"sv, out.hostHeader);
        else
            text << "Host: "sv << svc.host << ":"sv << NumberText(svc.port) << "\r\n"sv;
    }
    text << "X-Forwarded-For: "sv;
    if (trustedPeer)
        if (const auto v = edited.get("X-Forwarded-For"); !v.empty()) text << v << ", "sv;
    text << peer << "\r\n"sv;
    text.field("X-Real-IP"sv, out.realIp);
    text.field("X-Forwarded-Proto"sv, fromPeer("X-Forwarded-Proto", conn.protocol));
    text.field("X-Forwarded-Host"sv, fromPeer("X-Forwarded-Host", host));
    text.field("X-Forwarded-Port"sv, fromPeer("X-Forwarded-Port", NumberText(port)));
    text.field("X-Forwarded-Path"sv, fromPeer("X-Forwarded-Path", norm.path));
    text.field("Via"sv, "1.1 portico"sv);
    if (!out.upgradeTo.empty()) {
        // Only this hop-by-hop pair passes, and only for a request that may switch.
        text.field("Connection"sv, "upgrade"sv);
        text.field("Upgrade"sv, out.upgradeTo);
    }
    if (req.chunked())
        text.field("Transfer-Encoding"sv, "chunked"sv);
    else if (length)
        text.field("Content-Length"sv, NumberText(*length));
    text << "\r\n"sv;
    return out;
}

// Reading the next request head into a parser under the client deadlines, its raw bytes checked
// before the parser sees them. The caller waits, in its own frame (see ParsedRead):
//     RequestHeadRead head(socket, buffer, req, limits, first);
//     while (head.wantsInput()) {
//         std::tie(ec, n) = co_await client.async_read_some(head.space(), awaitInPlace);
//         head.received(ec, n);
//     }
//     if (head.wantsParserInput()) { co_await http::async_read_header(...); head.parsed(ec); }
// then ok(), or else the answer to send before closing, if any.
class RequestHeadRead {
public:
    RequestHeadRead(TimedSocket& socket, beast::flat_buffer& buffer, RequestParser& req,
                    const app::ProxyLimits& limits, bool first)
        : m_socket(socket), m_buffer(buffer), m_req(req), m_limit(limits.maxHeaderSize),
          m_headerTimeout(std::chrono::seconds(limits.headerTimeoutS)) {
        req.header_limit(static_cast<std::uint32_t>(m_limit));
        // Bodies stream through; client_max_body_size (when set) bounds them, a plugin may
        // bound them per route.
        if (limits.maxBodySize)
            req.body_limit(limits.maxBodySize);
        else
            req.body_limit(boost::none);
        // Waiting for a request: keepalive_timeout between requests; once its first byte is
        // in, client_header_timeout for the whole head (a slow trickle cannot extend it).
        m_headerClock = first || buffer.size() > 0;
        socket.expires_after(m_headerClock ? m_headerTimeout
                                           : std::chrono::seconds(limits.keepaliveTimeoutS));
    }

    // The whole head is read before parsing so that its raw bytes can be checked for what the
    // parser would fold or accept; parsing then consumes it from the buffer. True while the
    // head's end has not arrived (and the head is within the limit).
    bool wantsInput() {
        if (m_stage != Stage::Reading) return false;
        const std::string_view have(static_cast<const char*>(m_buffer.data().data()),
                                    m_buffer.size());
        const std::size_t end = have.find("\r\n\r\n");
        if (end == std::string_view::npos && have.size() <= m_limit) return true;
        if (end != std::string_view::npos)
            if (auto refusal = checkRawHead(have.substr(0, end + 4))) {
                m_refusal = std::move(*refusal);
                m_stage = Stage::Refused;
                return false;
            }
        // The head is in the buffer: parsed in place, unless the parser disagrees about where
        // it ends.
        parseBuffered(m_req, m_buffer, m_ec);
        finish(m_ec || m_req.is_header_done() ? Stage::Done : Stage::ParserReading);
        return false;
    }
    asio::mutable_buffer space() { return m_buffer.prepare(4096); }
    void received(error_code ec, std::size_t n) {
        if (ec) {
            finish(Stage::Done, ec);
            return;
        }
        m_buffer.commit(n);
        if (!m_headerClock) {
            m_headerClock = true;
            m_socket.expires_after(m_headerTimeout);
        }
    }
    // The parser needs more than the raw check saw: it reads on by itself (Beast's
    // async_read_header), and says how that went.
    bool wantsParserInput() const noexcept { return m_stage == Stage::ParserReading; }
    void parsed(error_code ec) { finish(Stage::Done, ec); }

    // A head was read, parsed and passed the raw checks.
    bool ok() const noexcept { return m_stage == Stage::Done && !m_ec; }
    // Else the answer the client gets before the connection closes; none for a client that
    // went away or stayed quiet.
    std::optional<Refusal> answer() const {
        if (m_stage == Stage::Refused) return m_refusal;
        if (m_ec == http::error::header_limit)
            return Refusal{431, "Request header fields too large"};
        if (m_ec == http::error::body_limit) // the declared length is over the limit
            return Refusal{413, "Request Entity Too Large"};
        // A client that went away, however its transport reports it (a TLS client closing
        // without close_notify, as many do, reads as a truncated stream), is not answered: no
        // 400 written to a closed connection and counted as a response.
        if (!m_ec || m_ec == http::error::end_of_stream || m_ec == beast::error::timeout ||
            m_ec == asio::error::eof || m_ec == asio::error::connection_reset ||
            m_ec == asio::error::operation_aborted || m_ec == asio::ssl::error::stream_truncated)
            return std::nullopt;
        return Refusal{400, "Bad request"};
    }

private:
    enum class Stage { Reading, ParserReading, Refused, Done };
    void finish(Stage stage, error_code ec = {}) {
        m_stage = stage;
        if (ec) m_ec = ec;
        if (stage == Stage::Done) m_ec = timeoutOr(m_socket, m_ec);
    }

    TimedSocket& m_socket;
    beast::flat_buffer& m_buffer;
    RequestParser& m_req;
    std::size_t m_limit;
    std::chrono::seconds m_headerTimeout;
    bool m_headerClock = false;
    Stage m_stage = Stage::Reading;
    error_code m_ec;
    Refusal m_refusal;
};

// Serves requests on an established client connection (plain, or TLS after its handshake)
// until either side closes; the caller closes the transport.
template <class Client>
Awaitable<void> serveConnection(Client& client, const ConnectionInfo& conn, SessionContext& ctx) {
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
    beast::flat_buffer upstreamBuffer;
    std::string poolKey;
    Arena arena(4096);
    std::string requestHead, responseHead;                // as sent, reused from request to request
    FieldEdits requestEdits(arena), responseEdits(arena); // the plugins' edits of the heads
    // The request's fields as the checks, the router and the balancer read them: views of the
    // head (the vector's storage reused from request to request).
    std::vector<FieldView> fields;
    std::string host;    // the request's host name, lower-cased (its storage reused)
    NormalizedPath norm; // the request's path (its storage reused)
    bool first = true;
    while (!ctx.stopping) {
        RequestContext rc;
        rc.peer = peer;
        // Declared before `finish`, so they outlive it: the log phase and the metrics still
        // read the route and chain the snapshot holds, and rc's views of these strings (and of
        // `host` and `norm`).
        std::shared_ptr<const ConfigSnapshot> snap;
        std::string method;
        RequestFinish finish{rc, ctx.metrics};
        // The previous request's heads are gone (they lived in this iteration).
        arena.reset();
        RequestParser req(arena);
        {
            // Every connection waits here between requests: read in this frame (see
            // RequestHeadRead).
            RequestHeadRead head(beast::get_lowest_layer(client), clientBuffer, req, ctx.limits,
                                 first);
            error_code ec;
            while (head.wantsInput()) {
                std::size_t n = 0;
                std::tie(ec, n) = co_await client.async_read_some(head.space(), awaitInPlace);
                head.received(ec, n);
            }
            if (head.wantsParserInput()) {
                co_await http::async_read_header(client, clientBuffer, req,
                                                 asio::redirect_error(useAwaitable, ec));
                head.parsed(ec);
            }
            if (!head.ok()) {
                if (auto answer = head.answer())
                    co_await sendError(client, ctx.stats, rc, answer->status, answer->message,
                                       false);
                break;
            }
        }
        // The head deadline ends with the head: from here each read or write of the client
        // sets its own, and waiting for the upstream is bounded by the service's timeouts.
        beast::get_lowest_layer(client).expires_never();
        first = false;
        rc.started = Clock::now();
        ctx.stats.requests.fetch_add(1, std::memory_order_relaxed);
        ++ctx.busy;
        struct BusyGuard {
            std::atomic<int>& n;
            ~BusyGuard() { --n; }
        } busyGuard{ctx.busy};
        auto& head = req.get();

        fields.clear();
        for (const auto& f : head)
            fields.push_back({f.name_string(), f.value()});
        if (auto refusal =
                checkRequestHead(head.version(), head.method_string(), head.target(), fields)) {
            co_await sendError(client, ctx.stats, rc, refusal->status, refusal->message, false);
            break;
        }
        // Views of the head, which lives in the arena until the next request.
        std::string_view target = head.target();
        std::string_view authority = head[http::field::host];
        if (target.starts_with("http://")) {
            // Absolute-form: the target's authority is the host (RFC 9112 §3.2.2); the upstream
            // gets origin-form.
            const auto slash = target.find('/', 7);
            authority = target.substr(7, slash == std::string_view::npos ? slash : slash - 7);
            target = slash == std::string_view::npos ? "/"sv : target.substr(slash);
        } else if (target.empty() || target.front() != '/') {
            co_await sendError(client, ctx.stats, rc, 400,
                               "Bad request: unsupported request target", false);
            break;
        }
        const auto q = target.find('?');
        const std::string_view rawPath = target.substr(0, q),
                               query = q == std::string_view::npos ? ""sv : target.substr(q);
        normalizePath(rawPath, norm);
        if (!norm.error.empty()) {
            co_await sendError(client, ctx.stats, rc, 400, "Bad request: " + norm.error, false);
            break;
        }
        std::string_view hostName = authority;
        int port = ctx.listenerPort;
        if (auto colon = hostName.rfind(':');
            colon != std::string_view::npos && hostName.find(']') == std::string_view::npos) {
            // checkRequestHead() let through digits only, at most five.
            std::from_chars(hostName.data() + colon + 1, hostName.data() + hostName.size(), port);
            hostName = hostName.substr(0, colon);
        }
        assignLower(host, hostName);

        snap = ctx.snapshots.get();
        method = std::string(head.method_string());
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
            mr.headers = fields;
            match = snap->router->match(mr);
        }
        const bool keepAlive = req.keep_alive();
        static const PluginChain noPlugins; // no snapshot yet
        const PluginChain* chain = !snap         ? &noPlugins
                                   : match.route ? &snap->chainFor(match.route->id)
                                                 : &snap->chains.global;
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
        // A WebSocket handshake on a ws/wss-only route is not a protocol mismatch.
        if (match.protocolRedirect &&
            !upgradeRequested(head, req, *match.route, conn.protocol).empty())
            match.protocolRedirect = false;
        if (match.protocolRedirect) {
            const int code = match.route->redirectStatus;
            std::vector<std::pair<std::string, std::string>> extra;
            if (code == 426) {
                extra.emplace_back("Connection", "Upgrade");
                extra.emplace_back("Upgrade", "TLS/1.2, HTTP/1.1");
            } else {
                extra.emplace_back("Location",
                                   std::string("https://").append(authority).append(target));
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
        EditedFields requestFields(head, requestEdits);
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

        if (asksUpgrade(head) && (!req.is_done() || req.chunked())) {
            // Bytes after the head would be either a body or the new protocol: ambiguous
            // (http-hardening G4).
            co_await sendError(client, ctx.stats, rc, 400, "Bad request: upgrade with a body",
                               false);
            break;
        }

        const UpstreamHead up = rewriteForUpstream(head, requestFields, req, conn, ctx, *snap, svc,
                                                   match, host, port, norm, query, requestHead);
        const UpstreamInfo* balanced = up.balanced;
        static const std::string noTls;
        const std::string& tlsName = !svc.tls                    ? noTls
                                     : match.route->preserveHost ? host
                                                                 : up.hostHeader;
        Forwarding<Client> f{client,
                             clientBuffer,
                             req,
                             svc,
                             balanced,
                             tlsName,
                             ctx,
                             rc,
                             *chain,
                             requestChunk,
                             responseChunk,
                             upstreamBuffer,
                             poolKey,
                             arena,
                             requestHead,
                             responseHead,
                             responseEdits,
                             up.expectContinue,
                             up.clientKeepAlive,
                             !up.upgradeTo.empty()};
        if (balanced) {
            f.balance.peer = up.realIp;
            f.balance.path = norm.path;
            f.balance.query = std::string_view(query).substr(query.empty() ? 0 : 1);
            f.balance.headers = fields;
            f.balance.captures = &match.captures;
        }
        const bool again = svc.tls ? co_await forward<Client, TlsUpstream>(f)
                                   : co_await forward<Client, PlainUpstream>(f);
        if (!again) break;
    }
}

} // namespace detail

} // namespace portico::proxy
