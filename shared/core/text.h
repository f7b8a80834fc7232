#pragma once
// Small ASCII text helpers shared by the Admin API, the settings and the proxy (HTTP names and
// tokens are ASCII and case-insensitive).

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

namespace portico {

std::string toLower(std::string_view s);
// `out` becomes the lower-case copy of `s`, reusing its storage.
void assignLower(std::string& out, std::string_view s);
// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
// lowerA must already be lower case. ASCII only, as HTTP names are; inline, because the proxy
// compares every request field's name with a few known ones.
inline bool equalsIgnoreCase(std::string_view lowerA, std::string_view b) noexcept {
    if (lowerA.size() != b.size()) return false;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const char c = b[i];
        if (lowerA[i] != (c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c))
            return false;
    }
    return true;
}

// The digits of an integer, in a buffer of their own: for text written on the request path,
// where snprintf parses its format on every call and std::to_string returns a new string.
class NumberText {
public:
    template <class Int, class = std::enable_if_t<std::is_integral_v<Int>>>
    explicit NumberText(Int value, int base = 10) noexcept {
        m_size = static_cast<std::size_t>(
            std::to_chars(m_text, m_text + sizeof m_text, value, base).ptr - m_text);
    }
    std::string_view view() const noexcept { return {m_text, m_size}; }
    operator std::string_view() const noexcept { return view(); }

private:
    char m_text[24]; // any 64-bit value in base 10 or 16, with its sign
    std::size_t m_size;
};

} // namespace portico
