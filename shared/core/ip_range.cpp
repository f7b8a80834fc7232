#include "core/ip_range.h"

#include "core/text.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace portico {

namespace {
// Parses an address into 16 bytes; IPv4 and IPv4-mapped IPv6 both compare as IPv4.
bool toBytes(std::string_view text, std::array<std::uint8_t, 16>& out, bool& v6) {
    const std::string s(text);
    in6_addr a6{};
    in_addr a4{};
    out.fill(0);
    if (::inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        std::memcpy(out.data(), &a4, 4);
        v6 = false;
        return true;
    }
    if (::inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(&a6, mapped, 12) == 0) {
            std::memcpy(out.data(), reinterpret_cast<const std::uint8_t*>(&a6) + 12, 4);
            v6 = false;
        } else {
            std::memcpy(out.data(), &a6, 16);
            v6 = true;
        }
        return true;
    }
    return false;
}
} // namespace

std::optional<IpRange> IpRange::parse(std::string_view text) {
    IpRange r;
    const auto slash = text.find('/');
    if (!toBytes(text.substr(0, slash), r.m_bytes, r.m_v6)) return std::nullopt;
    const int maxBits = r.m_v6 ? 128 : 32;
    r.m_prefix = maxBits;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), r.m_prefix);
        if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size() || r.m_prefix < 0 ||
            r.m_prefix > maxBits)
            return std::nullopt;
    }
    return r;
}

bool IpRange::contains(std::string_view address) const {
    std::array<std::uint8_t, 16> a{};
    bool v6 = false;
    if (!toBytes(address, a, v6) || v6 != m_v6) return false;
    const int full = m_prefix / 8, rest = m_prefix % 8;
    if (std::memcmp(a.data(), m_bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[static_cast<std::size_t>(full)] & mask) ==
           (m_bytes[static_cast<std::size_t>(full)] & mask);
}

std::optional<IpRangeSet> IpRangeSet::parse(std::string_view list, std::string* error) {
    IpRangeSet set;
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto comma = list.find(',', start);
        const std::string entry(trim(list.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (!entry.empty()) {
            auto r = IpRange::parse(entry);
            if (!r) {
                if (error) *error = "'" + entry + "' is not an IP address or CIDR range";
                return std::nullopt;
            }
            set.m_ranges.push_back(*r);
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return set;
}

bool IpRangeSet::contains(std::string_view address) const {
    for (const auto& r : m_ranges)
        if (r.contains(address)) return true;
    return false;
}

} // namespace portico
