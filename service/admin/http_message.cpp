#include "admin/http_message.h"

namespace portico::admin {

std::string percentDecode(std::string_view s, bool plusIsSpace) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
            i += 2;
        } else if (plusIsSpace && s[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

void splitTarget(const std::string& target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query) {
    auto q = target.find('?');
    path = percentDecode(std::string_view(target).substr(0, q), false);
    query.clear();
    if (q == std::string::npos) return;
    std::string_view rest = std::string_view(target).substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            query.emplace_back(percentDecode(pair.substr(0, eq), true),
                               eq == std::string_view::npos
                                   ? std::string()
                                   : percentDecode(pair.substr(eq + 1), true));
        }
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
}

} // namespace portico::admin
