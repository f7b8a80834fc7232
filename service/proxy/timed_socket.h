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
// Operations go straight to the socket (no wrapping of handlers), so async_read_some and
// async_write_some cost what the socket's own do. Owned and used by one worker thread.

#include "net/asio_names.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace portico::proxy {

class TimedSocket {
public:
    using executor_type = asio::ip::tcp::socket::executor_type;
    // The lowest layer itself: no next_layer(), so that beast::get_lowest_layer() of a TLS
    // stream over it stops here.
    using lowest_layer_type = TimedSocket;

    explicit TimedSocket(const executor_type& ex)
        : m_state(std::make_shared<State>(asio::ip::tcp::socket(ex))) {}
    explicit TimedSocket(asio::ip::tcp::socket s)
        : m_state(std::make_shared<State>(std::move(s))) {}
    TimedSocket(TimedSocket&&) noexcept = default;
    TimedSocket& operator=(TimedSocket&&) noexcept = default;
    ~TimedSocket() {
        if (m_state) m_state->timer.cancel();
    }

    executor_type get_executor() noexcept { return m_state->socket.get_executor(); }
    asio::ip::tcp::socket& socket() noexcept { return m_state->socket; }
    lowest_layer_type& lowest_layer() noexcept { return *this; }

    // The socket is closed once `d` has passed, unless another deadline replaces this one
    // first.
    void expires_after(std::chrono::steady_clock::duration d) {
        State& s = *m_state;
        s.deadline = std::chrono::steady_clock::now() + d;
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

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return m_state->socket.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return m_state->socket.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    struct State {
        explicit State(asio::ip::tcp::socket s)
            : socket(std::move(s)), timer(socket.get_executor()) {}
        asio::ip::tcp::socket socket;
        asio::steady_timer timer;
        std::chrono::steady_clock::time_point deadline =
            std::chrono::steady_clock::time_point::max();
        bool armed = false;
        bool expired = false;
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
