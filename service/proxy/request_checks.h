#pragma once
// What the proxy refuses before anything is forwarded, beyond what Beast's parser rejects
// (http-hardening §3 and §4): ambiguous framing, folded or disguised fields, unusable Host.
// Pure functions; any thread.

#include "proxy/request_fields.h"

#include <optional>
#include <string>
#include <string_view>

namespace portico::proxy {

struct Refusal {
    int status;
    std::string message;
};

// Checks the raw request head (request line to the blank line) for what the parser would
// silently fold or accept: obs-fold continuation lines, and framing fields disguised with
// underscores (Transfer_Encoding) that some back-ends map to the real name.
std::optional<Refusal> checkRawHead(std::string_view head);

// Checks the parsed head: a known method (extension methods get 501), exactly one well-formed
// Host (HTTP/1.1), Transfer-Encoding only as a
// lone "chunked" and never with Content-Length or in HTTP/1.0, no CONNECT or asterisk-form,
// no duplicated credentials.
std::optional<Refusal> checkRequestHead(int version, std::string_view method,
                                        std::string_view target, RequestFields fields);

} // namespace portico::proxy
