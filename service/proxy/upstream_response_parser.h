#pragma once
// Private to the proxy: reads an upstream's response — status line, fields, and the body's
// framing (length, chunks, or the connection's end) — into a ReceivedHead in the connection's
// arena and the caller's body buffer. One per response; owned by the upstream exchange, on the
// connection's worker thread.
//
// It replaces Beast's basic_parser on this side for two reasons. Every proxied request parses a
// response head, and Beast's per-field work (a name lookup, a generic list parser for framing
// fields, a virtual call) was the largest user-space cost left on the request path. And Beast
// accepts obs-fold in a response by unfolding it into a buffer on its own stack, which the
// head's views must not point into; here obs-fold, like everything else RFC 9112 lets a proxy
// refuse in a response, is an error (the client gets a 502 and the connection is dropped).
//
// Where this is stricter than Beast (tests/unit/proxy/tst_upstream_response_parser.cpp runs
// both on the same inputs): obs-fold; a Content-Length after a Transfer-Encoding that is not
// chunked (Beast frames by the length); `chunked` anywhere but last (Beast then reads to the
// end of the connection); a status below 100. Trailer fields are checked as fields are, may not
// frame the message again, and are dropped (the head has been sent on by then).
//
// The method names are those of Beast's parser where the session's generic code (ParsedRead,
// Relay) calls either: put, put_eof, is_done, is_header_done, got_some, eager.

#include "proxy/received_head.h"

#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace portico::proxy {

class UpstreamResponseParser {
public:
    using error_code = boost::system::error_code;

    UpstreamResponseParser(Arena& arena, std::size_t headerLimit) noexcept
        : m_head(arena), m_headerLimit(headerLimit) {}
    UpstreamResponseParser(const UpstreamResponseParser&) = delete;
    UpstreamResponseParser& operator=(const UpstreamResponseParser&) = delete;

    // The answer to a HEAD request: no body, whatever the head says.
    void skipBody() noexcept { m_skipBody = true; }

    // Parses from the start of what is buffered; returns how much of it was used. The head is
    // parsed once all of it is there (until then nothing is used and `ec` is need_more) and put()
    // returns right after it; body bytes go into get().body() as far as it has room
    // (need_buffer when it has none left; need_more when a chunk's framing is incomplete).
    // What was not used must be offered again, with more after it.
    std::size_t put(const char* data, std::size_t size, error_code& ec);
    template <class ConstBuffer> std::size_t put(const ConstBuffer& b, error_code& ec) {
        return put(static_cast<const char*>(b.data()), b.size(), ec);
    }
    // The connection ended: a body delimited by the end is complete; anything else begun is a
    // partial message.
    void put_eof(error_code& ec);
    // The body is always parsed as far as the input and the body buffer go.
    void eager(bool) noexcept {}

    bool got_some() const noexcept { return m_gotSome; }
    bool is_header_done() const noexcept { return m_state != State::Head; }
    bool is_done() const noexcept { return m_state == State::Done; }
    // The framing the head declared (also on a response that has no body).
    bool chunked() const noexcept { return m_chunked; }
    const std::optional<std::uint64_t>& contentLength() const noexcept { return m_length; }
    // Whether the connection may carry another request after this response, as far as the
    // response says: its version and Connection, and a body not delimited by the end.
    bool keep_alive() const noexcept;

    ReceivedHead& get() noexcept { return m_head; }
    const ReceivedHead& get() const noexcept { return m_head; }

private:
    enum class State { Head, Length, ToEnd, ChunkSize, ChunkData, ChunkEnd, Trailers, Done };

    error_code parseHead(const char* data, std::size_t size, std::size_t& used);
    error_code parseStatusLine(const char*& c, const char* end);
    error_code parseField(const char*& c, const char* end, bool trailer);
    error_code frame(boost::beast::http::field name, std::string_view value);
    error_code parseChunkSize(const char* line, const char* end);

    ReceivedHead m_head;
    std::size_t m_headerLimit;
    std::size_t m_lineStart = 0; // of the head's first incomplete line
    std::size_t m_scanned = 0;   // head bytes searched for line ends
    std::size_t m_trailerBytes = 0;
    std::uint64_t m_remaining = 0; // of the body (Length) or the current chunk (ChunkData)
    std::optional<std::uint64_t> m_length;
    State m_state = State::Head;
    bool m_gotSome = false;
    bool m_skipBody = false;
    bool m_http11 = false;
    bool m_close = false;     // Connection: close
    bool m_keepAlive = false; // Connection: keep-alive
    bool m_codings = false;   // a Transfer-Encoding field was seen
    bool m_chunked = false;   // ...and its last coding is chunked
    bool m_toEnd = false;     // the body ends with the connection
};

} // namespace portico::proxy
