#pragma once
// Private to the proxy: writing an HTTP head into a connection's reused string.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace portico::proxy {

// Writes into `out` (cleared first) through a raw cursor; `out` holds exactly what was written
// once this is destroyed. A proxied request writes two heads of some 80 pieces together, and
// std::string::append is an out-of-line call with its own capacity check per piece (~2% of a
// request's cycles); here a piece is a bounds check and a copy, inline. The string's storage is
// used whole while writing (it keeps its capacity from request to request, so no allocation
// after the first heads of a connection).
// Not thread-safe; one writer per string at a time, and `out` is not to be read while it lives.
class HeadText {
public:
    explicit HeadText(std::string& out) : m_out(out) {
        // Within what the string holds, up to a bound: one large head earlier on the connection
        // does not make every later one clear its whole storage.
        m_out.resize(std::clamp<std::size_t>(m_out.capacity(), kInitial, 4 * kInitial));
        m_at = m_out.data();
        m_end = m_at + m_out.size();
    }
    ~HeadText() { m_out.resize(size()); }
    HeadText(const HeadText&) = delete;
    HeadText& operator=(const HeadText&) = delete;

    [[gnu::always_inline]] HeadText& operator<<(std::string_view piece) {
        reserve(piece.size());
        append(piece);
        return *this;
    }
    // A `Name: value` line: one bounds check for its four pieces.
    void field(std::string_view name, std::string_view value) {
        reserve(name.size() + value.size() + 4);
        append(name);
        append(std::string_view(": ", 2));
        append(value);
        append(std::string_view("\r\n", 2));
    }
    std::size_t size() const noexcept { return static_cast<std::size_t>(m_at - m_out.data()); }

private:
    static constexpr std::size_t kInitial = 1024;

    [[gnu::always_inline]] void reserve(std::size_t n) {
        if (static_cast<std::size_t>(m_end - m_at) < n) grow(n);
    }
    // Within what reserve() made room for.
    [[gnu::always_inline]] void append(std::string_view piece) {
        copy(m_at, piece.data(), piece.size());
        m_at += piece.size();
    }

    // Most pieces are a few bytes to a few dozen: two overlapping word copies inline instead of a
    // call into the C library's copy for each (which dispatches on size all the same).
    [[gnu::always_inline]] static void copy(char* to, const char* from, std::size_t n) {
        if (n > 16)
            std::memcpy(to, from, n);
        else if (n >= 8)
            copyEnds<std::uint64_t>(to, from, n);
        else if (n >= 4)
            copyEnds<std::uint32_t>(to, from, n);
        else if (n > 0) {
            to[0] = from[0];
            to[n / 2] = from[n / 2];
            to[n - 1] = from[n - 1];
        }
    }
    // The first and the last word of n bytes (sizeof(Word) <= n <= 2 * sizeof(Word)).
    template <class Word>
    [[gnu::always_inline]] static void copyEnds(char* to, const char* from, std::size_t n) {
        Word head, tail;
        std::memcpy(&head, from, sizeof head);
        std::memcpy(&tail, from + n - sizeof tail, sizeof tail);
        std::memcpy(to, &head, sizeof head);
        std::memcpy(to + n - sizeof tail, &tail, sizeof tail);
    }

    [[gnu::noinline]] void grow(std::size_t need) {
        const std::size_t used = size();
        m_out.resize(std::max(m_out.size() * 2, used + need));
        m_at = m_out.data() + used;
        m_end = m_out.data() + m_out.size();
    }

    std::string& m_out;
    char* m_at;
    char* m_end;
};

} // namespace portico::proxy
