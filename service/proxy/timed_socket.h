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
// Writes and undeferred reads go straight to the socket (no wrapping of handlers), so they cost
// what the socket's own do. Owned and used by one worker thread.
//
// Reads may be deferred (ReadDeferral below): Asio starts every read with a non-blocking
// receive, which for a proxy fails nearly every time (the peer has not answered yet) and costs
// a system call before the read waits for the socket anyway. nginx does not try a socket it
// has drained until epoll says it is readable again; Asio offers no such wait without an
// epoll_ctl per read. A busy worker instead lets the handlers already queued run first and then
// tries the socket once: by then the answer is usually there, and the read completes without
// the reactor.

#include "net/asio_names.h"

#include <algorithm>
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

// The proxy's sessions run on their worker's io_context through its own executor type rather
// than any_io_executor: every copy, comparison and post through the type-erased executor is an
// indirect call, and a proxied request makes dozens (each co_await, each completion).
using ProxyExecutor = asio::io_context::executor_type;
using ProxySocket = asio::basic_stream_socket<asio::ip::tcp, ProxyExecutor>;
using ProxyAcceptor = asio::basic_socket_acceptor<asio::ip::tcp, ProxyExecutor>;
template <class T> using Awaitable = asio::awaitable<T, ProxyExecutor>;
inline constexpr asio::use_awaitable_t<ProxyExecutor> useAwaitable{};

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

// Whether deferring reads pays on this thread: it does while most deferred reads find their
// bytes waiting (a loaded worker); it costs a scheduler round trip and a second receive when
// they do not (a quiet one, where the peer answers only after the read has begun waiting).
// The score follows what deferred reads found; while it says no, every kProbeEvery-th read is
// deferred anyway, so that a worker whose load rises starts deferring again.
class ReadDeferral {
public:
    bool defer() noexcept {
        if (m_score >= 0) return true;
        if (++m_sinceProbe < kProbeEvery) return false;
        m_sinceProbe = 0;
        return true;
    }
    void record(bool foundBytes) noexcept {
        m_score = std::clamp(m_score + (foundBytes ? 1 : -1), -kLimit, kLimit);
    }

private:
    static constexpr int kLimit = 16;
    static constexpr unsigned kProbeEvery = 32;
    int m_score = 0;
    unsigned m_sinceProbe = 0;
};
// One per thread: each worker runs its own io_context on its own thread.
inline thread_local ReadDeferral t_readDeferral;

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

    // Ends pending operations with operation_aborted, including a read still deferred (which
    // the socket's own cancel() cannot see).
    void cancel() {
        ++m_state->cancels;
        error_code ec;
        m_state->socket.cancel(ec);
    }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        if (!t_readDeferral.defer())
            return m_state->socket.async_read_some(buffers, std::forward<Token>(token));
        return asio::async_initiate<Token, void(error_code, std::size_t)>(InitiateDeferredRead{},
                                                                          token, m_state, buffers);
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
        unsigned cancels = 0; // cancel() calls, seen by deferred reads
    };

    // A read that first lets queued handlers run, then tries the socket once; what it does
    // not find there, the socket's own read waits for (and reports failures of).
    struct InitiateDeferredRead {
        template <class Handler, class Buffers>
        void operator()(Handler&& handler, std::shared_ptr<State> state,
                        const Buffers& buffers) const {
            const unsigned cancels = state->cancels;
            auto ex = state->socket.get_executor();
            asio::post(ex, [state = std::move(state), buffers, cancels,
                            handler = std::forward<Handler>(handler)]() mutable {
                if (state->cancels != cancels) {
                    std::move(handler)(error_code(asio::error::operation_aborted), 0);
                    return;
                }
                const asio::mutable_buffer b = *asio::buffer_sequence_begin(buffers);
                const auto n =
                    ::recv(state->socket.native_handle(), b.data(), b.size(), MSG_DONTWAIT);
                if (n > 0 || (n == 0 && b.size() == 0)) {
                    t_readDeferral.record(true);
                    std::move(handler)(error_code(), static_cast<std::size_t>(n));
                    return;
                }
                if (n == 0) {
                    std::move(handler)(error_code(asio::error::eof), 0);
                    return;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) t_readDeferral.record(false);
                state->socket.async_read_some(buffers, std::move(handler));
            });
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
