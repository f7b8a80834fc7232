#include "core/text.h"

#include <cctype>

namespace portico {

std::string toLower(std::string_view s) {
    std::string out;
    assignLower(out, s);
    return out;
}

void assignLower(std::string& out, std::string_view s) {
    out.assign(s);
    for (auto& c : out) // ASCII only, whatever the locale
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace portico
