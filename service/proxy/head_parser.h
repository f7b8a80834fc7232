#pragma once
// Private to the proxy: Beast's HTTP/1 parser (its tokenizing, framing, chunk decoding and
// limits) writing the head into a ReceivedHead instead of a basic_fields, and the body into
// the caller's buffer as Beast's buffer_body does. Used for requests (an upstream's responses go
// through UpstreamResponseParser); one per message, like Beast's parsers; owned by the session,
// on the connection's worker thread.

#include "proxy/received_head.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace portico::proxy {

template <bool isRequest>
class HeadParser final : public boost::beast::http::basic_parser<isRequest> {
public:
    explicit HeadParser(Arena& arena) noexcept : m_head(arena) {}

    ReceivedHead& get() noexcept { return m_head; }
    const ReceivedHead& get() const noexcept { return m_head; }

private:
    using error_code = boost::system::error_code;
    using string_view = boost::beast::string_view;
    static std::string_view view(string_view s) noexcept { return {s.data(), s.size()}; }

    void on_request_impl(boost::beast::http::verb method, string_view methodText,
                         string_view target, int version, error_code&) override {
        m_head.setRequestLine(method, view(methodText), view(target),
                              static_cast<unsigned>(version));
    }
    void on_response_impl(int status, string_view reason, int version, error_code&) override {
        m_head.setStatusLine(static_cast<unsigned>(status), view(reason),
                             static_cast<unsigned>(version));
    }
    void on_field_impl(boost::beast::http::field name, string_view nameText, string_view value,
                       error_code&) override {
        m_head.add(name, view(nameText), view(value));
    }
    // The caller consumes the input once the head is parsed: the head's text moves out of it.
    void on_header_impl(error_code&) override { m_head.settle(); }
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code& ec) override { return take(body, ec); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
        return take(body, ec);
    }
    void on_finish_impl(error_code&) override {}

    // Copies what the caller's buffer holds of `body`; need_buffer when it is full (or was never
    // given), so that the caller relays what it has and calls again.
    std::size_t take(string_view body, error_code& ec) {
        const std::size_t n = m_head.fillBody(body.data(), body.size());
        if (n < body.size()) ec = boost::beast::http::error::need_buffer;
        return n;
    }

    ReceivedHead m_head;
};

} // namespace portico::proxy
