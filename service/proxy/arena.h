#pragma once
// Private to the proxy: the memory a connection's request and response heads live in.
//
// A request's heads (its own and its response's: start lines, fields) and its per-request
// objects are short-lived and die together, so they are carved out of one block kept for the
// connection and given back all at once when the next request begins, instead of a heap
// allocation and free each. Freeing a single piece does nothing; what does not fit the block
// comes from the heap and is returned at reset().
// Owned by one connection, used by its worker thread only.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace portico::proxy {

class Arena {
public:
    explicit Arena(std::size_t blockSize) : m_block(new char[blockSize]), m_size(blockSize) {}
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena() { reset(); }

    void* allocate(std::size_t n, std::size_t align) {
        const std::size_t start = (m_used + align - 1) & ~(align - 1);
        if (start + n <= m_size) {
            m_used = start + n;
            return m_block.get() + start;
        }
        void* p = ::operator new(n, std::align_val_t(align));
        m_overflow.push_back({p, align});
        return p;
    }

    // Everything handed out since the last reset is dead: its owners are gone.
    void reset() {
        for (const auto& o : m_overflow)
            ::operator delete(o.first, std::align_val_t(o.second));
        m_overflow.clear();
        m_used = 0;
    }

private:
    std::unique_ptr<char[]> m_block;
    std::size_t m_size;
    std::size_t m_used = 0;
    std::vector<std::pair<void*, std::size_t>> m_overflow;
};

// One T at a time in an arena's memory, constructed and destroyed by its owner like a
// std::optional; the memory is taken from the arena at the first emplace() and used again by
// the next. For per-request objects too large to keep in a coroutine frame: Asio recycles
// frames of up to ~1 KiB only, a larger one is a heap allocation per call.
template <class T> class ArenaBox {
public:
    explicit ArenaBox(Arena& a) noexcept : m_arena(a) {}
    ArenaBox(const ArenaBox&) = delete;
    ArenaBox& operator=(const ArenaBox&) = delete;
    ~ArenaBox() { reset(); }

    template <class... Args> T& emplace(Args&&... args) {
        reset();
        if (!m_memory) m_memory = m_arena.allocate(sizeof(T), alignof(T));
        m_object = ::new (m_memory) T(std::forward<Args>(args)...);
        return *m_object;
    }
    void reset() noexcept {
        if (m_object) std::destroy_at(std::exchange(m_object, nullptr));
    }
    T& operator*() const noexcept { return *m_object; }
    T* operator->() const noexcept { return m_object; }

private:
    Arena& m_arena;
    void* m_memory = nullptr;
    T* m_object = nullptr;
};

} // namespace portico::proxy
