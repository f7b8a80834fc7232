#pragma once
// The short names the service's Asio and Beast code uses, declared once for the portico
// namespaces. For translation units and private headers that use Asio anyway; public headers
// keep Asio out.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace boost::beast::http {}

namespace portico {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

} // namespace portico
