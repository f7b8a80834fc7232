#pragma once
// IP addresses and CIDR ranges (v4 and v6) for settings such as trusted_ips and, later, the
// ip-restriction plugin. Immutable once parsed; safe to share across threads.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico {

class IpRange {
public:
    // "10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8". nullopt when it does not parse.
    static std::optional<IpRange> parse(std::string_view text);
    bool contains(std::string_view address) const;

private:
    std::array<std::uint8_t, 16> m_bytes{};
    int m_prefix = 0; // bits
    bool m_v6 = false;
};

class IpRangeSet {
public:
    // A comma-separated list; the error names the entry that does not parse.
    static std::optional<IpRangeSet> parse(std::string_view list, std::string* error = nullptr);
    bool contains(std::string_view address) const;
    bool empty() const { return m_ranges.empty(); }

private:
    std::vector<IpRange> m_ranges;
};

} // namespace portico
