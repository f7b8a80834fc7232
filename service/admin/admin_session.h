#pragma once
// Private to the Admin API listeners: the connection loop shared by the TCP listener and the
// platform's local listener (Unix socket in posix/, named pipe in win32/). Heavy (Beast, Asio
// coroutines): include it only from admin_server.cpp and the local listener files.

#include "admin/admin_api.h"
#include "admin/admin_server.h"
#include "admin/event_hub.h"
#include "admin/responses.h"
#include "admin/tokens.h"
#include "app/log.h"
#include "core/text.h"
#include "net/accept_loop.h"
#include "net/asio_names.h"
#include "store/store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <list>

namespace portico::admin {

using namespace std::chrono_literals;

namespace detail {

// One open connection, so that stop() can close the idle ones.
struct Connection {
    bool busy = false;
    std::function<void()> close;
};

inline std::string hostOnly(const std::string& hostHeader) {
    if (!hostHeader.empty() && hostHeader.front() == '[')
        return hostHeader.substr(0, hostHeader.find(']') + 1);
    return hostHeader.substr(0, hostHeader.find(':'));
}

inline std::string peerName(asio::ip::tcp::socket& s) {
    error_code ec;
    return "tcp:" + s.remote_endpoint(ec).address().to_string();
}

// Closes a connection: Beast streams over sockets, or the named-pipe stream on Windows.
template <class Stream> void closeStream(Stream& s) {
    error_code ec;
    if constexpr (requires { s.socket(); }) {
        s.socket().shutdown(asio::socket_base::shutdown_both, ec);
        s.socket().close(ec);
    } else {
        s.close();
    }
}

} // namespace detail

// What a listener lets through: the local socket everything (file permissions decide who
// connects), the TCP Admin API everything with a token, the status listener only the
// read-only health and metrics endpoints, without a token (load balancers and scrapers).
enum class Access { Local, Token, StatusOnly };

struct AdminServer::Impl {
    asio::io_context& ioc;
    AdminApi& api;
    EventHub& events;
    store::Store& store;
    const app::Settings& settings;
    std::function<void()> stopLocal; // set by the platform's local listener
    std::unique_ptr<asio::ip::tcp::acceptor> tcp;
    std::unique_ptr<asio::ip::tcp::acceptor> status;
    std::list<detail::Connection*> connections;
    std::size_t active = 0;
    bool stopping = false;

    // The TCP listener answers only requests addressed to it by a loopback name (against DNS
    // rebinding) that are not sent by a web page of another origin (against CSRF), and that
    // carry a valid token.
    std::optional<HttpResponse> refuseTcp(HttpRequest& req) {
        const std::string host =
            req.header("host") ? toLower(detail::hostOnly(*req.header("host"))) : "";
        const bool hostOk = host == "localhost" || host == "127.0.0.1" || host == "[::1]" ||
                            (settings.adminListen && host == settings.adminListen->host);
        if (!hostOk)
            return messageResponse(403, "Forbidden: the Host header does not name this Admin API");
        if (const auto* origin = req.header("origin")) {
            const std::string self = "http://" + toLower(*req.header("host"));
            if (toLower(*origin) != self)
                return messageResponse(403, "Forbidden: cross-origin requests are not accepted");
        }
        const std::string* auth = req.header("authorization");
        std::string token;
        if (auth && toLower(auth->substr(0, 7)) == "bearer ") token = auth->substr(7);
        auto name = token.empty() ? Expected<std::string, Error>(std::string())
                                  : store.tokenName(hashToken(token));
        if (!name) return errorResponse(name.error());
        if (name->empty()) {
            HttpResponse r = messageResponse(401, "Unauthorized");
            r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"portico-admin\"");
            return r;
        }
        req.actor = "token:" + *name;
        return std::nullopt;
    }

    static std::optional<HttpResponse> refuseStatus(const HttpRequest& req) {
        if (req.path != "/status" && req.path != "/status/ready" && req.path != "/metrics")
            return notFound();
        if (req.method != "GET" && req.method != "HEAD") return methodNotAllowed();
        return std::nullopt;
    }

    template <class Stream>
    awaitable<error_code> writeResponse(Stream& stream, HttpResponse out, bool keepAlive,
                                        bool head) {
        http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
        res.set(http::field::server, "portico");
        for (const auto& [k, v] : out.headers)
            res.set(k, v);
        if (!head) res.body() = std::move(out.body);
        res.keep_alive(keepAlive);
        res.prepare_payload();
        stream.expires_after(60s);
        error_code ec;
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
        co_return ec;
    }

    template <class Stream>
    awaitable<void> streamEvents(Stream& stream, std::shared_ptr<EventSubscription> sub) {
        error_code ec;
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "Connection: close\r\n\r\nretry: 2000\n\n";
        stream.expires_after(30s);
        co_await asio::async_write(stream, asio::buffer(head),
                                   asio::redirect_error(use_awaitable, ec));
        asio::steady_timer wake(stream.get_executor());
        sub->wake = [&wake] { wake.cancel(); };
        while (!ec && !stopping) {
            if (!sub->pending.empty()) {
                std::string out;
                for (auto& f : sub->pending)
                    out += f;
                sub->pending.clear();
                stream.expires_after(30s);
                co_await asio::async_write(stream, asio::buffer(out),
                                           asio::redirect_error(use_awaitable, ec));
                continue;
            }
            if (sub->closed) break;
            wake.expires_after(15s);
            error_code waitEc;
            co_await wake.async_wait(asio::redirect_error(use_awaitable, waitEc));
            if (!waitEc) { // idle: a comment keeps proxies from closing the stream and finds dead
                           // peers
                static const std::string ping = ": keepalive\n\n";
                stream.expires_after(30s);
                co_await asio::async_write(stream, asio::buffer(ping),
                                           asio::redirect_error(use_awaitable, ec));
            }
        }
        sub->wake = nullptr;
        sub->closed = true;
    }

    template <class Stream>
    awaitable<void> session(Stream stream, std::string peer, Access access) {
        detail::Connection conn;
        conn.close = [&stream] { detail::closeStream(stream); };
        connections.push_back(&conn);
        ++active;
        beast::flat_buffer buffer;
        error_code ec;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(64 * 1024);
            parser.body_limit(settings.configBodyLimit);
            stream.expires_after(60s);
            co_await http::async_read_header(stream, buffer, parser,
                                             asio::redirect_error(use_awaitable, ec));
            if (ec) {
                if (ec == http::error::header_limit) {
                    co_await writeResponse(stream,
                                           messageResponse(431, "Request header fields too large"),
                                           false, false);
                } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                           ec != asio::error::operation_aborted &&
                           ec != asio::error::connection_reset &&
                           ec != asio::error::bad_descriptor && ec != asio::error::eof) {
                    co_await writeResponse(
                        stream, messageResponse(400, "Bad request: " + ec.message()), false, false);
                }
                break;
            }
            conn.busy = true;
            auto& head = parser.get();
            HttpRequest req;
            req.method = std::string(head.method_string());
            req.target = std::string(head.target());
            splitTarget(req.target, req.path, req.query);
            for (const auto& f : head)
                req.headers[toLower(std::string(f.name_string()))] = std::string(f.value());
            req.actor = peer;
            const bool isConfig = req.path == "/config" || req.path.rfind("/config/", 0) == 0;
            const std::size_t limit = isConfig ? settings.configBodyLimit : settings.adminBodyLimit;
            std::optional<HttpResponse> early;
            if (parser.content_length() && *parser.content_length() > limit) {
                early = messageResponse(413, "Request body too large (limit " +
                                                 std::to_string(limit) + " bytes)");
            } else {
                parser.body_limit(limit);
                if (toLower(std::string(head[http::field::expect])) == "100-continue") {
                    static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
                    co_await asio::async_write(stream, asio::buffer(cont),
                                               asio::redirect_error(use_awaitable, ec));
                    if (ec) break;
                }
                stream.expires_after(60s);
                co_await http::async_read(stream, buffer, parser,
                                          asio::redirect_error(use_awaitable, ec));
                if (ec == http::error::body_limit)
                    early = messageResponse(413, "Request body too large (limit " +
                                                     std::to_string(limit) + " bytes)");
                else if (ec)
                    break;
            }
            const bool keepAlive = !early && parser.get().keep_alive();
            if (!early) req.body = std::move(parser.get().body());
            if (!early && access == Access::Token) early = refuseTcp(req);
            if (!early && access == Access::StatusOnly) early = refuseStatus(req);
            HttpResponse out = early ? std::move(*early) : api.handle(req);
            if (out.events) {
                co_await streamEvents(stream, out.events);
                break;
            }
            const bool keep = keepAlive && !stopping;
            ec = co_await writeResponse(stream, std::move(out), keep, req.method == "HEAD");
            conn.busy = false;
            if (ec || !keep) break;
        }
        detail::closeStream(stream);
        connections.remove(&conn);
        --active;
    }

    // Accepts until the acceptor closes; peerName(socket) names who connected.
    template <class Acceptor, class Stream, class PeerName>
    awaitable<void> acceptLoop(Acceptor& acceptor, Access access, PeerName peerName) {
        co_await net::acceptLoop(acceptor, "admin", [this, access, peerName](auto socket) {
            std::string peer = peerName(socket);
            asio::co_spawn(ioc, session(Stream(std::move(socket)), std::move(peer), access),
                           asio::detached);
        });
    }
};

// Binds the local Admin API listener of this platform and starts accepting on it. Returns an
// error message when start-up must stop. Sets d.stopLocal.
std::string startLocalListener(AdminServer::Impl& d);

} // namespace portico::admin
