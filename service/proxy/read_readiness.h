#pragma once
// Private to TimedSocket: whether a socket may have bytes to read, kept the way nginx keeps it.
//
// nginx reads a socket only while it may hold bytes: a read that finds fewer than it asked for
// marks the socket drained (unless epoll has reported the peer's close, EPOLLRDHUP, whose end of
// stream is still to be read), and only epoll's next report marks it readable again. Asio tries
// every read with a non-blocking receive first, which for a proxy waiting on its peer fails with
// EAGAIN about half the time: a system call for nothing, and then the wait.
//
// Asio's epoll reactor keeps the flag this needs, per socket and direction
// (descriptor_state::try_speculative_): a read starts with a receive only while it is set, and
// the reactor sets it whenever epoll reports the socket; when it is clear, a read waits for
// epoll without a system call (sockets are registered edge-triggered for input once, when they
// open). Asio clears it for reads only at end of stream, so TimedSocket clears it itself, right
// after a receive that drained the socket and before the reactor can run again: an arrival after
// that receive is reported by epoll later and sets the flag back, so no arrival is missed.
//
// The flag is private to Asio, and so are the registration and the last events epoll reported,
// which telling a drained socket from one whose close is pending needs. read_readiness.cpp
// reaches them through the one access C++ leaves open to private members (an explicit
// instantiation may name them), only for the Boost release and reactor this was read against;
// anywhere else kReadinessTracked is false and TimedSocket reads as Asio does.

#include "proxy/proxy_socket.h"

#include <boost/version.hpp>

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) &&                                    \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && !defined(BOOST_ASIO_HAS_IOCP)
#define PORTICO_READ_READINESS 1
#else
#define PORTICO_READ_READINESS 0
#endif

namespace portico::proxy {

#if PORTICO_READ_READINESS

inline constexpr bool kReadinessTracked = true;

// Whether bytes may be waiting: false from markDrained() until epoll reports the socket again.
// A closed socket counts as readable, so that its read reports the error. Only from the one
// thread that runs the socket's io_context (a proxy worker, or the health checker's thread):
// the reactor's own accesses to these fields are made on that thread, under no lock of ours.
bool mayHaveInput(ProxySocket& s) noexcept;

// Called right after a receive found the socket empty or got fewer bytes than it asked for,
// before the worker's reactor runs again. Leaves the socket readable when epoll has reported
// the peer's close. The first call for a socket adds EPOLLRDHUP to its registration (one
// epoll_ctl).
void markDrained(ProxySocket& s) noexcept;

#else

inline constexpr bool kReadinessTracked = false;
inline bool mayHaveInput(ProxySocket&) noexcept {
    return true;
}
inline void markDrained(ProxySocket&) noexcept {}

#endif

} // namespace portico::proxy
