#pragma once
// The accept loop every listener shares: accept until the acceptor is closed, hand each
// connection to onAccept, and on errors such as EMFILE back off instead of spinning, so the
// connections already open keep being served. Runs on the acceptor's executor.

#include "app/log.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string_view>

namespace portico::net {

template <class Acceptor, class OnAccept>
boost::asio::awaitable<void> acceptLoop(Acceptor& acceptor, std::string_view component,
                                        OnAccept onAccept) {
    namespace asio = boost::asio;
    for (;;) {
        boost::system::error_code ec;
        auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            log::warn(component, "accept failed: " + ec.message());
            asio::steady_timer backOff(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await backOff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        onAccept(std::move(socket));
    }
}

} // namespace portico::net
