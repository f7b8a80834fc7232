#pragma once
// The router's lookup tables: an open-addressed index from a 64-bit key hash to a range of the
// caller's own array, with a small bitmap of the hashes in front of it. Built once per
// configuration revision, then read concurrently by the workers.
//
// The router keeps everything it reads per request in a few contiguous arrays instead of
// node-based hash maps: with 10,000 routes a node-based lookup walks bucket, node and key
// through memory that is rarely in cache, and that chain of misses, not the hashing, was what
// made a match slower as routes were added.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::proxy {

inline std::uint64_t mixHash(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

// Hashes the prefixes of one text in increasing length. It reads the text a word at a time and
// only the last partial word depends on the length, so probing many prefix lengths of a path
// costs about one pass over it instead of one per length.
class PrefixHasher {
    static_assert(std::endian::native == std::endian::little, "tail() reads words little-endian");

public:
    PrefixHasher(std::uint64_t seed, std::string_view text) : m_text(text), m_h(seed) {}

    // Lengths must not decrease from one call to the next, and must be <= text.size().
    std::uint64_t at(std::size_t length) {
        while ((m_words + 1) * 8 <= length) {
            std::uint64_t word;
            std::memcpy(&word, m_text.data() + m_words * 8, 8);
            m_h = (m_h ^ word) * kMul;
            m_h ^= m_h >> 29;
            ++m_words;
        }
        return mixHash((m_h ^ tail(length)) + length * kMul);
    }

    static std::uint64_t of(std::uint64_t seed, std::string_view text) {
        return PrefixHasher(seed, text).at(text.size());
    }

private:
    // The bytes after the last whole word, as a number. Read with one whole-word load where
    // the text allows it: assembling them through memory costs a store-forwarding stall.
    std::uint64_t tail(std::size_t length) const {
        const std::size_t n = length - m_words * 8;
        if (n == 0) return 0;
        std::uint64_t w;
        if (length >= 8) {
            std::memcpy(&w, m_text.data() + length - 8, 8);
            return w >> ((8 - n) * 8);
        }
        if (m_text.size() >= 8) {
            std::memcpy(&w, m_text.data(), 8);
            return w & ((std::uint64_t{1} << (n * 8)) - 1);
        }
        w = 0;
        for (std::size_t i = 0; i < n; ++i)
            w |= std::uint64_t{static_cast<unsigned char>(m_text[i])} << (i * 8);
        return w;
    }

    static constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
    std::string_view m_text;
    std::uint64_t m_h;
    std::size_t m_words = 0;
};

// A set of hashes that answers "certainly absent" or "maybe present" from a small bitmap (two
// bits in one word per hash), so that most misses cost one load from memory kept in cache.
class HashBloom {
public:
    void build(const std::vector<std::uint64_t>& hashes) {
        std::size_t words = 1;
        while (words * 64 < hashes.size() * 8 && words < (std::size_t{1} << 15))
            words *= 2;
        m_words.assign(words, 0);
        for (const std::uint64_t h : hashes)
            m_words[word(h)] |= bits(h);
    }

    bool mayContain(std::uint64_t hash) const {
        if (m_words.empty()) return false;
        const std::uint64_t b = bits(hash);
        return (m_words[word(hash)] & b) == b;
    }

private:
    std::size_t word(std::uint64_t h) const { return (h >> 32) & (m_words.size() - 1); }
    static std::uint64_t bits(std::uint64_t h) {
        return (std::uint64_t{1} << ((h >> 52) & 63)) | (std::uint64_t{1} << ((h >> 58) & 63));
    }

    std::vector<std::uint64_t> m_words;
};

// Keys are not stored: two keys with one hash share a slot, and whoever uses what a slot
// points at checks it against the request (the router verifies the route it picks).
class HashIndex {
public:
    struct Range {
        std::uint32_t offset = 0;
        std::uint32_t count = 0;
    };

    // Each item is (a key's hash, the caller's range for it); hashes must be distinct.
    void build(const std::vector<std::pair<std::uint64_t, Range>>& items) {
        std::size_t slots = 16;
        while (slots < items.size() * 2)
            slots *= 2;
        m_slots.assign(slots, Slot{});
        std::vector<std::uint64_t> hashes;
        for (const auto& [h, range] : items) {
            std::size_t s = h & (m_slots.size() - 1);
            while (m_slots[s].range.count != 0)
                s = (s + 1) & (m_slots.size() - 1);
            m_slots[s] = Slot{h, range};
            hashes.push_back(h);
        }
        m_bloom.build(hashes);
    }

    // The range stored for the hash; empty when there is none.
    Range find(std::uint64_t hash) const {
        if (!m_bloom.mayContain(hash)) return {};
        for (std::size_t s = hash & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            const Slot& slot = m_slots[s];
            if (slot.range.count == 0 || slot.hash == hash) return slot.range;
        }
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        Range range; // count 0: an empty slot
    };

    std::vector<Slot> m_slots; // a power of two, at most half full
    HashBloom m_bloom;         // in front of the slots: most misses end there
};

} // namespace portico::proxy
