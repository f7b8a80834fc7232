#pragma once
// Private to the proxy: the executor and socket types its workers use.

#include "net/asio_names.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace portico::proxy {

// The proxy's sessions run on their worker's io_context through its own executor type rather
// than any_io_executor: every copy, comparison and post through the type-erased executor is an
// indirect call, and a proxied request makes dozens (each co_await, each completion).
using ProxyExecutor = asio::io_context::executor_type;
using ProxySocket = asio::basic_stream_socket<asio::ip::tcp, ProxyExecutor>;
using ProxyAcceptor = asio::basic_socket_acceptor<asio::ip::tcp, ProxyExecutor>;
template <class T> using Awaitable = asio::awaitable<T, ProxyExecutor>;
inline constexpr asio::use_awaitable_t<ProxyExecutor> useAwaitable{};
// For the reads every request waits on: the coroutine is resumed with (error_code, result), as
// with redirect_error(useAwaitable, ec), but the operation is awaited in place. useAwaitable runs
// each operation in a coroutine frame of its own: an allocation, a free and a resumption more
// per read. `std::tie(ec, n) = co_await s.async_read_some(b, awaitInPlace);`
inline constexpr auto awaitInPlace = asio::as_tuple(asio::deferred);

} // namespace portico::proxy
