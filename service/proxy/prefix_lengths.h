#pragma once
// The prefix lengths worth probing for a request path. The router hashes a path's prefix at
// every length some route's prefix has; with thousands of routes that is dozens of lengths,
// most of which belong to prefixes that start differently from the path. Prefixes of at least
// kLead bytes are therefore grouped by their first kLead bytes, and a path probes only the
// lengths of its own group (plus every shorter prefix's length). Built once per revision, then
// read concurrently.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace portico::proxy {

class PrefixLengths {
public:
    static constexpr std::size_t kLead = 4;

    void build(const std::vector<std::string_view>& prefixes) {
        for (auto p : prefixes)
            m_lengths.push_back(static_cast<std::uint32_t>(p.size()));
        std::sort(m_lengths.begin(), m_lengths.end());
        m_lengths.erase(std::unique(m_lengths.begin(), m_lengths.end()), m_lengths.end());
        m_short = static_cast<std::size_t>(
            std::lower_bound(m_lengths.begin(), m_lengths.end(), kLead) - m_lengths.begin());
        std::size_t leads = 0;
        for (auto p : prefixes)
            leads += p.size() >= kLead;
        std::size_t size = 1;
        while (size < leads * 2 && size < 1024)
            size *= 2;
        m_masks.assign(size, 0);
        for (auto p : prefixes) {
            if (p.size() < kLead) continue;
            const auto at = static_cast<std::size_t>(
                std::lower_bound(m_lengths.begin(), m_lengths.end(), p.size()) - m_lengths.begin());
            m_masks[slot(p)] |= std::uint64_t{1} << std::min<std::size_t>(at - m_short, 63);
        }
    }

    bool empty() const { return m_lengths.empty(); }

    // Calls probe(length) for each candidate length <= path.size(), in increasing order.
    template <class Probe> void forEach(std::string_view path, Probe probe) const {
        std::size_t i = 0;
        for (; i < m_short; ++i) {
            if (m_lengths[i] > path.size()) return;
            probe(m_lengths[i]);
        }
        if (path.size() < kLead || m_masks.empty()) return;
        for (std::uint64_t mask = m_masks[slot(path)]; mask != 0; mask &= mask - 1) {
            const auto bit = static_cast<std::size_t>(std::countr_zero(mask));
            // The last bit stands for every length from it on.
            const std::size_t end = bit == 63 ? m_lengths.size() : m_short + bit + 1;
            for (i = m_short + bit; i < end; ++i) {
                if (m_lengths[i] > path.size()) return;
                probe(m_lengths[i]);
            }
        }
    }

private:
    std::size_t slot(std::string_view s) const {
        std::uint32_t lead;
        std::memcpy(&lead, s.data(), kLead);
        return ((lead * 0x9e3779b1u) >> 12) & (m_masks.size() - 1);
    }

    std::vector<std::uint32_t> m_lengths; // distinct, ascending
    std::size_t m_short = 0;              // how many are shorter than kLead
    std::vector<std::uint64_t> m_masks;   // bit b: m_lengths[m_short + b] occurs in the group
};

} // namespace portico::proxy
