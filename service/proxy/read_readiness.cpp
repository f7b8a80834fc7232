#include "proxy/read_readiness.h"

#if PORTICO_READ_READINESS

#include <boost/asio/detail/epoll_reactor.hpp>
#include <cstdint>
#include <sys/epoll.h>

namespace portico::proxy {

namespace {

using Reactor = asio::detail::epoll_reactor;
using DescriptorState = Reactor::descriptor_state;
using Operation = asio::detail::scheduler_operation;
using TryFlags = bool[Reactor::max_ops];

// Pointers to the private members used here, each handed out by a friend function that an
// explicit instantiation below defines: access is not checked for the arguments of an explicit
// instantiation, the one place a private member may be named from outside.
template <class Tag, typename Tag::type Member> struct Expose {
    friend typename Tag::type memberOf(Tag) noexcept { return Member; }
};
#define PORTICO_EXPOSE(TagName, Type, Member)                                                      \
    struct TagName {                                                                               \
        using type = Type;                                                                         \
        friend type memberOf(TagName) noexcept;                                                    \
    };                                                                                             \
    template struct Expose<TagName, Member>;
// Per direction: whether a read begins with a receive.
PORTICO_EXPOSE(TryFlagsTag, TryFlags DescriptorState::*, &DescriptorState::try_speculative_)
// The events the socket is registered for, which Asio re-registers with when it adds EPOLLOUT.
PORTICO_EXPOSE(RegisteredTag, std::uint32_t DescriptorState::*,
               &DescriptorState::registered_events_)
PORTICO_EXPOSE(ReactorTag, Reactor* DescriptorState::*, &DescriptorState::reactor_)
PORTICO_EXPOSE(EpollFdTag, int Reactor::*, &Reactor::epoll_fd_)
// The events epoll last reported for the socket (every report after the peer's FIN has
// EPOLLRDHUP: the kernel reports a socket's whole state, not what changed).
PORTICO_EXPOSE(EventsTag, unsigned Operation::*, &Operation::task_result_)
#undef PORTICO_EXPOSE

// The socket's reactor data, reached as a derived class may reach a protected member of its
// base.
struct SocketAccess : ProxySocket {
    static DescriptorState* state(ProxySocket& s) {
        return (s.*&SocketAccess::impl_).get_implementation().reactor_data_;
    }
};

bool& readFlag(DescriptorState* d) {
    return (d->*memberOf(TryFlagsTag{}))[Reactor::read_op];
}

// descriptor_state derives privately from the operation: only a C-style cast converts.
unsigned lastEvents(DescriptorState* d) {
    return ((Operation*)d)->*memberOf(EventsTag{});
}

} // namespace

bool mayHaveInput(ProxySocket& s) noexcept {
    DescriptorState* d = SocketAccess::state(s);
    return d == nullptr || readFlag(d);
}

void markDrained(ProxySocket& s) noexcept {
    DescriptorState* d = SocketAccess::state(s);
    if (!d) return;
    // A short read does not say the peer has not closed: its FIN may wait behind the bytes, and
    // epoll may have reported it already, with them. Asio registers sockets without EPOLLRDHUP,
    // so it is added on a socket's first drain. The re-registration makes epoll report the
    // socket again if it is readable now (a FIN included), which clears the mark this sets.
    std::uint32_t& registered = d->*memberOf(RegisteredTag{});
    if (!(registered & EPOLLRDHUP)) {
        epoll_event ev{};
        ev.events = registered | EPOLLRDHUP;
        ev.data.ptr = d;
        const int epollFd = (d->*memberOf(ReactorTag{}))->*memberOf(EpollFdTag{});
        if (::epoll_ctl(epollFd, EPOLL_CTL_MOD, s.native_handle(), &ev) != 0) return;
        registered = ev.events;
    }
    // The end is still to read. (Asio recycles descriptor states: a new socket may show the last
    // report of an old one until epoll reports it, which only skips the mark, never misreads.)
    if (lastEvents(d) & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) return;
    readFlag(d) = false;
}

} // namespace portico::proxy

#endif
