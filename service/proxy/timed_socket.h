#pragma once
// Private to the proxy (the sessions and their upstream pool): a TCP socket with one coarse
// deadline.
//
// Beast's basic_stream re-arms a timer for every read and write and routes each operation
// through its own composed operation; on a proxied request that was a measurable share of
// user-space time. Here setting a deadline is a clock read and a compare: the one timer of a
// socket is armed at the earliest deadline it has been given and, when it fires early for a
// deadline that has since moved later, sleeps again. Only a deadline earlier than the armed one
// re-arms the timer. When a deadline passes, the socket is closed, which ends whatever operation
// is pending with an error; expired() then tells a timeout from other failures.
//
// Unlike basic_stream's separate read and write timers, reads and writes share the deadline:
// callers give one to an operation and clear it (expires_never) when the operation is done, so
// that it cannot cut whatever the connection waits for next. In a tunnel, where both
// directions are pending at once, the socket closes after a whole idle period in which neither
// direction began an operation.
//
// Writes go straight to the socket (no wrapping of handlers), so they cost what the socket's
// own do. Reads follow the socket's readiness as nginx does (read_readiness.h): a socket a read
// drained is not tried again until epoll reports new bytes. Owned and used by one worker thread.

#include "net/asio_names.h"
#include "proxy/proxy_socket.h"
#include "proxy/read_readiness.h"

#include <boost/asio/append.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <span>
#include <sys/socket.h>
#include <time.h>

namespace portico::proxy {

// Drops the first `n` bytes of `bufs` (whole buffers, then the front of the next), and the
// empty buffers they reach: what an in-place sender took.
inline void dropFront(std::span<asio::const_buffer>& bufs, std::size_t n) {
    while (!bufs.empty() && n >= bufs.front().size()) {
        n -= bufs.front().size();
        bufs = bufs.subspan(1);
    }
    if (!bufs.empty()) bufs.front() += n;
}

// Now, for deadlines of milliseconds and more: the kernel's clock as of its last tick, a fifth
// of the cost of a precise read (several deadlines are set per request). A deadline from
// coarseNow() plus coarseTick() passes late by at most a tick, never early.
inline std::chrono::steady_clock::time_point coarseNow() noexcept {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); // the clock steady_clock reads, coarsely
    return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) +
                                                 std::chrono::nanoseconds(ts.tv_nsec));
}
inline std::chrono::nanoseconds coarseTick() noexcept {
    static const std::chrono::nanoseconds tick = [] {
        timespec ts{};
        ::clock_getres(CLOCK_MONOTONIC_COARSE, &ts);
        return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    }();
    return tick;
}

// Completes a read the reactor performed, and marks the socket drained when the read got
// fewer bytes than it asked for (end of stream, an error, leaves it readable). The reactor
// calls it right after its receive, before it polls again: the handler's executor is the
// worker's io_context, whose completions run in place.
template <class Handler> struct DrainOnShortRead {
    Handler handler;
    ProxySocket* socket;
    std::size_t asked;
    void operator()(error_code ec, std::size_t n) {
        if (!ec && n < asked) markDrained(*socket);
        std::move(handler)(ec, n);
    }
};

class TimedSocket {
public:
    using executor_type = ProxyExecutor;
    // The lowest layer itself: no next_layer(), so that beast::get_lowest_layer() of a TLS
    // stream over it stops here.
    using lowest_layer_type = TimedSocket;

    explicit TimedSocket(const executor_type& ex)
        : m_state(std::make_shared<State>(ProxySocket(ex))) {}
    explicit TimedSocket(ProxySocket s) : m_state(std::make_shared<State>(std::move(s))) {}
    TimedSocket(TimedSocket&&) noexcept = default;
    TimedSocket& operator=(TimedSocket&&) noexcept = default;
    ~TimedSocket() {
        if (m_state) m_state->timer.cancel();
    }

    executor_type get_executor() noexcept { return m_state->socket.get_executor(); }
    ProxySocket& socket() noexcept { return m_state->socket; }
    lowest_layer_type& lowest_layer() noexcept { return *this; }

    // The socket is closed once `d` has passed, unless another deadline replaces this one
    // first.
    void expires_after(std::chrono::steady_clock::duration d) {
        State& s = *m_state;
        s.deadline = coarseNow() + coarseTick() + d;
        s.expired = false;
        if (!s.armed || s.deadline < s.timer.expiry()) arm(m_state);
    }
    // No deadline (an idle pooled connection). A pending wait then ends without effect, and
    // the next deadline re-uses the timer.
    void expires_never() {
        m_state->deadline = std::chrono::steady_clock::time_point::max();
        m_state->expired = false;
    }
    // Whether the last deadline passed (and closed the socket).
    bool expired() const noexcept { return m_state->expired; }

    // Ends pending operations with operation_aborted. A read that already took bytes from the
    // socket (its completion queued) still delivers them.
    void cancel() {
        error_code ec;
        m_state->socket.cancel(ec);
    }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        if constexpr (!kReadinessTracked)
            return m_state->socket.async_read_some(buffers, std::forward<Token>(token));
        else
            return asio::async_initiate<Token, void(error_code, std::size_t)>(
                InitiateRead{}, token, &m_state->socket, buffers);
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return m_state->socket.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    struct State {
        explicit State(ProxySocket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        ProxySocket socket;
        asio::basic_waitable_timer<std::chrono::steady_clock,
                                   asio::wait_traits<std::chrono::steady_clock>, ProxyExecutor>
            timer;
        std::chrono::steady_clock::time_point deadline =
            std::chrono::steady_clock::time_point::max();
        bool armed = false;
        bool expired = false;
    };

    struct InitiateRead {
        template <class Handler, class Buffers>
        void operator()(Handler&& handler, ProxySocket* socket, const Buffers& buffers) const {
            using Tracked = DrainOnShortRead<std::decay_t<Handler>>;
            const std::size_t asked = asio::buffer_size(buffers);
            if (asked != 0 && !mayHaveInput(*socket)) {
                // Drained, and no new bytes since: the reactor's read waits for epoll without
                // trying the socket.
                socket->async_read_some(buffers,
                                        Tracked{std::forward<Handler>(handler), socket, asked});
                return;
            }
            const asio::mutable_buffer b = *asio::buffer_sequence_begin(buffers);
            const auto n =
                asked == 0 ? 0 : ::recv(socket->native_handle(), b.data(), b.size(), MSG_DONTWAIT);
            if (n >= 0) {
                // End of stream leaves the socket readable: a read after it ends at once again
                // (epoll reports a stream's end only once).
                if (n > 0 && static_cast<std::size_t>(n) < b.size()) markDrained(*socket);
                const error_code ec = n == 0 && asked != 0 ? asio::error::eof : error_code();
                asio::post(socket->get_executor(), asio::append(std::forward<Handler>(handler), ec,
                                                                static_cast<std::size_t>(n)));
                return;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                markDrained(*socket);
                socket->async_read_some(buffers,
                                        Tracked{std::forward<Handler>(handler), socket, asked});
                return;
            }
            // The socket's own read meets the failure again and reports it.
            socket->async_read_some(buffers, std::forward<Handler>(handler));
        }
    };

    // The wait holds the state weakly: a socket destroyed with its timer pending is simply
    // gone when the cancelled wait completes.
    static void arm(const std::shared_ptr<State>& state) {
        state->armed = true;
        state->timer.expires_at(state->deadline);
        state->timer.async_wait([weak = std::weak_ptr<State>(state)](error_code ec) {
            if (ec) return; // re-armed or cancelled: a newer wait (if any) is pending
            auto s = weak.lock();
            if (!s) return;
            s->armed = false;
            if (s->deadline == std::chrono::steady_clock::time_point::max()) return;
            if (std::chrono::steady_clock::now() < s->deadline) {
                arm(s); // the deadline moved later meanwhile
                return;
            }
            s->expired = true;
            s->socket.close(ec);
        });
    }

    std::shared_ptr<State> m_state;
};

} // namespace portico::proxy

// The wrapped handler keeps what the caller's handler is associated with (its executor, its
// cancellation slot for awaitable operators), as Asio's own wrappers do.
template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, portico::proxy::DrainOnShortRead<Handler>,
                               DefaultCandidate> : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const portico::proxy::DrainOnShortRead<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }
    static auto get(const portico::proxy::DrainOnShortRead<Handler>& h,
                    const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};
