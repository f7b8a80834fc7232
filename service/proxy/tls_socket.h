#pragma once
// Private to the proxy: TLS over a TimedSocket, for client connections (the server side) and
// for connections to https services (the client side).
//
// Asio's ssl::stream runs OpenSSL over a BIO pair: each record is copied from the socket into
// the stream's buffer, from there into the pair, and only then read by OpenSSL (and the same
// three steps out), and every operation goes through its engine's composed state machine. That
// was ~0.7 µs of a proxied TLS request here. This one gives OpenSSL a BIO that reads straight
// from the connection's input buffer and writes into its output buffer, reads the socket through
// TimedSocket (deadlines, reads that follow readiness), and lets a relay encrypt and send a
// response in place without an asynchronous operation (sendNow), as plain connections do.
//
// Ownership and threads: owns its SSL object and the TimedSocket below it; used by the one
// worker thread that runs its executor. At most one read and one write in flight at a time (as
// for any Asio stream); a handshake or a shutdown has the stream to itself. Movable only while
// no operation is pending (an idle pooled connection): operations hold the stream's address, and
// the move re-points the BIO.

#include "proxy/timed_socket.h"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <memory>
#include <openssl/ssl.h>
#include <span>
#include <string>

namespace portico::proxy {

class TlsSocket {
public:
    using executor_type = ProxyExecutor;
    using next_layer_type = TimedSocket;

    enum class Role { Server, Client };

    // A TLS connection under `ctx`: accepting (the context's callbacks choose the certificate)
    // or connecting (the caller sets the server name and verification on native_handle()
    // before the handshake).
    TlsSocket(TimedSocket next, SSL_CTX* ctx, Role role);
    ~TlsSocket();
    TlsSocket(TlsSocket&& other) noexcept;
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;
    TlsSocket& operator=(TlsSocket&&) = delete;

    executor_type get_executor() noexcept { return m_next.get_executor(); }
    TimedSocket& next_layer() noexcept { return m_next; }
    SSL* native_handle() noexcept { return m_ssl; }

    // The handshake, in the role given at construction; completes with void(error_code).
    template <class Token> auto async_handshake(Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [this](auto handler) {
                asio::post(get_executor(),
                           [op = HandshakeOp<decltype(handler)>{
                                this, std::move(handler)}]() mutable { op.step(); });
            },
            token);
    }

    // Sends close_notify (without waiting for the peer's); completes with void(error_code).
    template <class Token> auto async_shutdown(Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [this](auto handler) {
                asio::post(get_executor(), [this, handler = std::move(handler)]() mutable {
                    ERR_clear_error();
                    SSL_shutdown(m_ssl);
                    flushThen(
                        [h = std::move(handler)](error_code ec) mutable { std::move(h)(ec); });
                });
            },
            token);
    }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const asio::mutable_buffer& into) {
                ReadOp<decltype(handler)> op{this, into, std::move(handler)};
                // What OpenSSL or the input buffer already holds is decrypted after a post (a
                // completion never runs inside the call that started it), as is a read of
                // nothing; else the socket is read first.
                if (into.size() == 0 || m_inEnd > m_inBegin || SSL_has_pending(m_ssl))
                    asio::post(get_executor(), [op = std::move(op)]() mutable { op.attempt(); });
                else
                    readMore(std::move(op));
            },
            token, firstBuffer(buffers));
    }

    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const Buffers& bufs) {
                std::size_t taken = 0;
                const error_code ec = encrypt(bufs, taken);
                if (ec) {
                    asio::post(get_executor(),
                               [h = std::move(handler), ec]() mutable { std::move(h)(ec, 0); });
                    return;
                }
                flushThen([h = std::move(handler), taken](error_code e) mutable {
                    std::move(h)(e, e ? 0 : taken);
                });
            },
            token, buffers);
    }

    // For relays: encrypts all of `bufs` and sends what the socket takes now, without waiting;
    // `bufs` is then empty. Does nothing while a write is in flight. What the socket did not
    // take is sent by the next write (hasUnsent() says whether one is needed). False on an
    // encryption failure (left for the asynchronous write to report).
    bool sendNow(std::span<asio::const_buffer>& bufs);
    bool hasUnsent() const noexcept { return !m_pending.empty(); }

private:
    friend struct TlsSocketBio;

    // Handlers run in a completion (a post or a socket operation), never inside the initiating
    // call; each op owns its handler and is moved from step to step.
    template <class Handler> struct ReadOp {
        TlsSocket* s;
        asio::mutable_buffer into;
        Handler handler;
        void attempt() {
            std::size_t n = 0;
            ERR_clear_error();
            const int r = SSL_read_ex(s->m_ssl, into.data(), into.size(), &n);
            const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s->m_ssl, r);
            // A read may produce records to send (session tickets, key updates).
            s->sendPendingNow();
            if (r == 1 || into.size() == 0) return std::move(handler)(error_code(), n);
            if (err == SSL_ERROR_WANT_READ && !s->m_eof) return s->readMore(std::move(*this));
            std::move(handler)(s->failure(err), 0);
        }
        // The socket read that readMore() started.
        void operator()(error_code ec, std::size_t n) {
            if (ec == asio::error::eof) {
                s->m_eof = true;
                return attempt(); // a close_notify before the end reads as the end
            }
            if (ec) return std::move(handler)(ec, 0);
            s->m_inEnd += n;
            attempt();
        }
    };

    template <class Handler> struct HandshakeOp {
        TlsSocket* s;
        Handler handler;
        void step() {
            ERR_clear_error();
            const int r = SSL_do_handshake(s->m_ssl);
            const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s->m_ssl, r);
            // Each flight goes out whole before the next is awaited.
            s->flushThen([op = std::move(*this), err](error_code ec) mutable {
                if (ec) return std::move(op.handler)(ec);
                if (err == SSL_ERROR_NONE) return std::move(op.handler)(error_code());
                if (err == SSL_ERROR_WANT_READ && !op.s->m_eof)
                    return op.s->readMore(std::move(op));
                std::move(op.handler)(op.s->failure(err));
            });
        }
        void operator()(error_code ec, std::size_t n) {
            if (ec == asio::error::eof) {
                s->m_eof = true;
                return step();
            }
            if (ec) return std::move(handler)(ec);
            s->m_inEnd += n;
            step();
        }
    };

    template <class Buffers> static asio::mutable_buffer firstBuffer(const Buffers& buffers) {
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers); ++it)
            if (asio::mutable_buffer b = *it; b.size() > 0) return b;
        return {};
    }

    // Reads what the socket has into the input buffer, then resumes `op`.
    template <class Op> void readMore(Op&& op) {
        // OpenSSL asks for more only once it has taken all there was, so the buffer is
        // normally empty here; should bytes remain, they move to the front rather than leave
        // the read no room (a zero-length read would complete at once, forever).
        if (m_inBegin > 0) {
            std::memmove(m_in.get(), m_in.get() + m_inBegin, m_inEnd - m_inBegin);
            m_inEnd -= m_inBegin;
            m_inBegin = 0;
        }
        m_next.async_read_some(asio::buffer(m_in.get() + m_inEnd, kInputSize - m_inEnd),
                               std::forward<Op>(op));
    }

    // Sends everything pending (asynchronously: the socket may be full), then calls `done`.
    template <class Done> void flushThen(Done&& done) {
        if (m_pending.empty()) {
            asio::post(get_executor(),
                       [d = std::forward<Done>(done)]() mutable { std::move(d)(error_code()); });
            return;
        }
        m_out.swap(m_pending); // m_out is empty: one write at a time
        m_writing = true;
        asio::async_write(m_next, asio::buffer(m_out),
                          [this, d = std::forward<Done>(done)](error_code ec, std::size_t) mutable {
                              m_out.clear();
                              m_writing = false;
                              std::move(d)(ec);
                          });
    }

    template <class Buffers> error_code encrypt(const Buffers& buffers, std::size_t& taken) {
        std::array<asio::const_buffer, 16> pieces;
        std::size_t count = 0;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers) && count < pieces.size(); ++it)
            if (asio::const_buffer b = *it; b.size() > 0) pieces[count++] = b;
        return encryptPieces({pieces.data(), count}, taken);
    }
    // Encrypts `pieces` (small ones gathered into one record) into the pending output.
    error_code encryptPieces(std::span<const asio::const_buffer> pieces, std::size_t& taken);
    // Sends pending output the socket takes now, unless a write is in flight.
    void sendPendingNow();
    // The error a failed SSL call (`err` from SSL_get_error) reports.
    error_code failure(int err);

    static constexpr std::size_t kInputSize = 16 * 1024 + 512; // a whole record and its header

    TimedSocket m_next;
    SSL* m_ssl = nullptr;
    std::unique_ptr<char[]> m_in; // ciphertext received, [m_inBegin, m_inEnd) not yet decrypted
    std::size_t m_inBegin = 0, m_inEnd = 0;
    std::string m_pending;  // ciphertext to send
    std::string m_out;      // ciphertext being sent by flushThen()
    std::string m_gather;   // small plaintext pieces gathered into one record
    bool m_writing = false; // flushThen() is sending m_out
    bool m_eof = false;     // the peer closed its side of the socket
};

} // namespace portico::proxy
