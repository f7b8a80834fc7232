#include "proxy/upstream_response_parser.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <cstring>

namespace portico::proxy {

namespace http = boost::beast::http;
using error_code = boost::system::error_code;

namespace {

// A chunk's size line (size and extensions) longer than this is refused rather than waited for.
constexpr std::size_t kChunkLineLimit = 4096;

enum CharClass : std::uint8_t { kToken = 1, kText = 2 };

// RFC 9110 §5.6.2 token characters; field text is HTAB, SP, VCHAR and obs-text (no CTL, no DEL).
constexpr std::array<std::uint8_t, 256> kClasses = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0x20; c < 0x7f; ++c)
        t[c] = kText;
    for (int c = 0x80; c < 0x100; ++c)
        t[c] = kText;
    t['\t'] = kText;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
        t[static_cast<unsigned char>(c)] |= kToken;
    for (int c = '0'; c <= '9'; ++c)
        t[c] |= kToken;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] |= kToken, t[c - 'a' + 'A'] |= kToken;
    return t;
}();

bool is(char c, CharClass k) noexcept {
    return (kClasses[static_cast<unsigned char>(c)] & k) != 0;
}

bool isSpace(char c) noexcept {
    return c == ' ' || c == '\t';
}

// Calls fn(element) for each non-empty element of a comma-separated list, trimmed; stops at the
// first element fn refuses.
template <class Fn> bool eachElement(std::string_view list, Fn fn) {
    while (true) {
        const auto comma = list.find(',');
        const std::string_view element = trim(list.substr(0, comma));
        if (!element.empty() && !fn(element)) return false;
        if (comma == std::string_view::npos) return true;
        list.remove_prefix(comma + 1);
    }
}

bool isToken(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is(c, kToken); });
}

std::optional<std::uint64_t> decimal(std::string_view s) noexcept {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        if (v > (UINT64_MAX - 9) / 10) return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v;
}

int hexDigit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )  (RFC 9112 §7.1.1)
bool validExtensions(const char* c, const char* end) noexcept {
    auto skipSpace = [&] {
        while (c < end && isSpace(*c))
            ++c;
    };
    auto token = [&] {
        const char* start = c;
        while (c < end && is(*c, kToken))
            ++c;
        return c != start;
    };
    while (c < end) {
        skipSpace();
        if (c == end || *c++ != ';') return false;
        skipSpace();
        if (!token()) return false;
        const char* afterName = c;
        skipSpace();
        if (c == end) return c == afterName; // no whitespace before the line's end
        if (*c != '=') continue;
        ++c;
        skipSpace();
        if (c == end || *c != '"') {
            if (!token()) return false;
            continue;
        }
        // quoted-string: text but '"' and '\\', or '\\' and a text character.
        for (++c;; ++c) {
            if (c == end) return false;
            if (*c == '"') break;
            if (*c == '\\' && ++c == end) return false;
            if (!is(*c, kText)) return false;
        }
        ++c;
    }
    return true;
}

// The first byte from `c` on that is not field text (a control character other than HTAB, or
// DEL), eight at a time; `end` when there is none. A field line's text ends at its CR.
const char* textEnd(const char* c, const char* end) noexcept {
    constexpr std::uint64_t kOnes = 0x0101010101010101u;
    constexpr std::uint64_t kHighs = 0x8080808080808080u;
    for (;;) {
        while (end - c >= 8) {
            std::uint64_t w;
            std::memcpy(&w, c, 8);
            // High bits of the bytes below 0x20 and of the bytes equal to 0x7F; the lowest one
            // set is exact (a borrow only ever flags bytes above a flagged one).
            const std::uint64_t del = w ^ (kOnes * 0x7F);
            const std::uint64_t hits =
                ((w - kOnes * 0x20) & ~w & kHighs) | ((del - kOnes) & ~del & kHighs);
            if (hits) {
                c += __builtin_ctzll(hits) / 8;
                break;
            }
            c += 8;
        }
        while (c < end && is(*c, kText) && *c != '\t')
            ++c;
        // A tab is text: go on after it.
        if (c < end && *c == '\t') {
            ++c;
            continue;
        }
        if (c == end || !is(*c, kText)) return c;
    }
}

// The end of the line that starts at `from` (the position of its '\n'), or nullptr.
const char* lineEnd(const char* from, const char* end) noexcept {
    return static_cast<const char*>(std::memchr(from, '\n', static_cast<std::size_t>(end - from)));
}

} // namespace

std::size_t UpstreamResponseParser::put(const char* data, std::size_t size, error_code& ec) {
    ec = {};
    if (size) m_gotSome = true;
    if (m_state == State::Head) {
        std::size_t used = 0;
        ec = parseHead(data, size, used);
        return used;
    }
    const char* p = data;
    const char* const end = data + size;
    while (p < end && !ec) {
        switch (m_state) {
        case State::Head:
        case State::Done:
            return static_cast<std::size_t>(p - data);
        case State::Length:
        case State::ChunkData: {
            const auto want =
                static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, end - p));
            const std::size_t n = m_head.fillBody(p, want);
            p += n;
            m_remaining -= n;
            if (m_remaining == 0)
                m_state = m_state == State::Length ? State::Done : State::ChunkEnd;
            else if (n < want)
                ec = http::error::need_buffer;
            break;
        }
        case State::ToEnd: {
            const auto want = static_cast<std::size_t>(end - p);
            const std::size_t n = m_head.fillBody(p, want);
            p += n;
            if (n < want) ec = http::error::need_buffer;
            break;
        }
        case State::ChunkEnd:
            if (end - p < 2) {
                ec = http::error::need_more;
                break;
            }
            if (p[0] != '\r' || p[1] != '\n') {
                ec = http::error::bad_chunk;
                break;
            }
            p += 2;
            m_state = State::ChunkSize;
            break;
        case State::ChunkSize: {
            const char* nl = lineEnd(p, std::min(end, p + kChunkLineLimit));
            if (!nl) {
                ec = end - p >= static_cast<std::ptrdiff_t>(kChunkLineLimit)
                         ? error_code(http::error::bad_chunk)
                         : error_code(http::error::need_more);
                break;
            }
            ec = parseChunkSize(p, nl);
            if (!ec) p = nl + 1;
            break;
        }
        case State::Trailers: {
            const char* nl = lineEnd(p, end);
            const auto seen = static_cast<std::size_t>((nl ? nl + 1 : end) - p);
            if (m_trailerBytes + seen > m_headerLimit) {
                ec = http::error::header_limit;
                break;
            }
            if (!nl) {
                ec = http::error::need_more;
                break;
            }
            if (nl == p || nl[-1] != '\r') {
                ec = http::error::bad_line_ending;
                break;
            }
            m_trailerBytes += seen;
            if (nl - p == 1) {
                m_state = State::Done;
                p = nl + 1;
            } else {
                ec = parseField(p, nl + 1, true);
            }
            break;
        }
        }
    }
    return static_cast<std::size_t>(p - data);
}

void UpstreamResponseParser::put_eof(error_code& ec) {
    ec = {};
    if (m_state == State::ToEnd)
        m_state = State::Done;
    else if (m_state != State::Done)
        ec = http::error::partial_message;
}

bool UpstreamResponseParser::keep_alive() const noexcept {
    if (m_toEnd) return false;
    return m_http11 ? !m_close : m_keepAlive;
}

error_code UpstreamResponseParser::parseHead(const char* data, std::size_t size,
                                             std::size_t& used) {
    // Nothing is parsed until the empty line that ends the head is in: each line must end in
    // CRLF (a bare LF is refused here, before anything else is looked at).
    // Input offered before is offered again: the search resumes where it stopped.
    const char* const limit = data + std::min(size, m_headerLimit);
    const char* line = data + m_lineStart;
    const char* from = data + m_scanned;
    const char* headEnd = nullptr;
    while (!headEnd) {
        const char* nl = lineEnd(from, limit);
        if (!nl) {
            m_lineStart = static_cast<std::size_t>(line - data);
            m_scanned = static_cast<std::size_t>(limit - data);
            return size >= m_headerLimit ? http::error::header_limit : http::error::need_more;
        }
        if (nl == data || nl[-1] != '\r') return http::error::bad_line_ending;
        if (nl - line == 1 && line != data) headEnd = nl + 1;
        line = from = nl + 1;
    }
    // The head is parsed from its copy in the arena, where its fields' views then stay.
    const auto length = static_cast<std::size_t>(headEnd - data);
    const char* c = m_head.keep(std::string_view(data, length));
    const char* const end = c + length;
    m_head.nameFramingOnly();
    if (auto ec = parseStatusLine(c, end)) return ec;
    while (c < end - 2)
        if (auto ec = parseField(c, end, false)) return ec;
    // 1xx, 204 and 304 answers, and answers to HEAD, end with their head (RFC 9112 §6.3).
    const unsigned status = m_head.result_int();
    if (m_skipBody || status / 100 == 1 || status == 204 || status == 304)
        m_state = State::Done;
    else if (m_chunked)
        m_state = State::ChunkSize;
    else if (m_length)
        m_state = *m_length ? State::Length : State::Done;
    else {
        m_state = State::ToEnd;
        m_toEnd = true;
    }
    m_remaining = m_length.value_or(0);
    used = static_cast<std::size_t>(headEnd - data);
    return {};
}

// From `c`, which it moves past the line: HTTP-version SP 3DIGIT SP reason-phrase CRLF.
error_code UpstreamResponseParser::parseStatusLine(const char*& c, const char* end) {
    constexpr std::string_view kName = "HTTP/";
    const char* line = c;
    if (end - line < 15 || std::memcmp(line, kName.data(), kName.size()) != 0 || line[5] != '1' ||
        line[6] != '.' || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return http::error::bad_version;
    const char* s = line + 9;
    if (s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
        s[3] != ' ')
        return http::error::bad_status;
    const auto status = static_cast<unsigned>((s[0] - '0') * 100 + (s[1] - '0') * 10 + s[2] - '0');
    const char* reason = s + 4;
    const char* reasonEnd = textEnd(reason, end);
    if (end - reasonEnd < 2 || reasonEnd[0] != '\r' || reasonEnd[1] != '\n')
        return http::error::bad_reason;
    m_http11 = line[7] == '1';
    m_head.setStatusLine(status,
                         std::string_view(reason, static_cast<std::size_t>(reasonEnd - reason)),
                         m_http11 ? 11 : 10);
    c = reasonEnd + 2;
    return {};
}

// From `c`, which it moves past the line: one field line (a trailer's: checked, not kept). The
// line's CRLF is known to be there.
error_code UpstreamResponseParser::parseField(const char*& c, const char* end, bool trailer) {
    const char* line = c;
    while (is(*c, kToken))
        ++c;
    // A line that starts with whitespace continues the previous one (obs-fold).
    if (c == line || *c != ':') return http::error::bad_field;
    const std::string_view name(line, static_cast<std::size_t>(c - line));
    ++c;
    while (isSpace(*c))
        ++c;
    const char* value = c;
    c = textEnd(c, end);
    if (end - c < 2 || c[0] != '\r' || c[1] != '\n') return http::error::bad_value;
    const char* valueEnd = c;
    while (valueEnd > value && isSpace(valueEnd[-1]))
        --valueEnd;
    c += 2;
    const http::field known = ReceivedHead::framingField(name);
    const std::string_view text(value, static_cast<std::size_t>(valueEnd - value));
    // A trailer may not frame the message again (a length or coding after the chunks is an
    // error), though it may close the connection.
    if (known != http::field::unknown)
        if (auto ec = frame(known, text)) return ec;
    if (!trailer) m_head.add(known, name, text);
    return {};
}

// What the framing and connection fields say.
error_code UpstreamResponseParser::frame(http::field name, std::string_view value) {
    switch (name) {
    case http::field::connection:
    case http::field::proxy_connection: {
        // Most say one of these, alone.
        if (equalsIgnoreCase("keep-alive", value)) {
            m_keepAlive = true;
            return {};
        }
        if (equalsIgnoreCase("close", value)) {
            m_close = true;
            return {};
        }
        const bool valid = eachElement(value, [&](std::string_view token) {
            if (!isToken(token)) return false;
            if (equalsIgnoreCase("close", token)) m_close = true;
            if (equalsIgnoreCase("keep-alive", token)) m_keepAlive = true;
            return true;
        });
        return valid ? error_code() : error_code(http::error::bad_value);
    }
    case http::field::content_length: {
        // A list of equal lengths is one length (RFC 9110 §8.6); two different ones are not.
        if (m_codings) return http::error::bad_content_length;
        if (!m_length && !value.empty() && value.size() < 19 &&
            std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            m_length = decimal(value); // a plain number, and one that cannot overflow
            return {};
        }
        bool multiple = false;
        std::size_t elements = 0;
        const bool valid = eachElement(value, [&](std::string_view element) {
            const auto n = decimal(element);
            if (!n) return false;
            ++elements;
            if (m_length && *m_length != *n) {
                multiple = true;
                return false;
            }
            m_length = n;
            return true;
        });
        if (multiple) return http::error::multiple_content_length;
        // No empty elements either ("5," or ",5").
        if (!valid ||
            elements != 1 + static_cast<std::size_t>(std::count(value.begin(), value.end(), ',')))
            return http::error::bad_content_length;
        return {};
    }
    case http::field::transfer_encoding: {
        // `chunked` only once and last, over all Transfer-Encoding fields (RFC 9112 §6.1).
        if (m_length || m_chunked) return http::error::bad_transfer_encoding;
        m_codings = true;
        const bool valid = eachElement(value, [&](std::string_view coding) {
            if (m_chunked) return false; // a coding after chunked
            const auto semicolon = coding.find(';');
            const std::string_view codingName = trim(coding.substr(0, semicolon));
            if (!isToken(codingName)) return false;
            m_chunked = equalsIgnoreCase("chunked", codingName);
            return !(m_chunked &&
                     semicolon != std::string_view::npos); // chunked takes no parameters
        });
        return valid ? error_code() : error_code(http::error::bad_transfer_encoding);
    }
    default:
        return {};
    }
}

// `line` to `nl`: chunk-size [ chunk-ext ] CRLF.
error_code UpstreamResponseParser::parseChunkSize(const char* line, const char* nl) {
    if (nl == line || nl[-1] != '\r') return http::error::bad_chunk;
    const char* end = nl - 1;
    const char* c = line;
    std::uint64_t size = 0;
    for (int d; c < end && (d = hexDigit(*c)) >= 0; ++c) {
        if (size >> 60) return http::error::bad_chunk;
        size = size << 4 | static_cast<unsigned>(d);
    }
    if (c == line) return http::error::bad_chunk;
    // Extensions are not sent on (the body is chunked anew), but must be well-formed.
    if (!validExtensions(c, end)) return http::error::bad_chunk_extension;
    m_remaining = size;
    m_state = size ? State::ChunkData : State::Trailers;
    return {};
}

} // namespace portico::proxy
