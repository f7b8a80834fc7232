#pragma once
// A minimal std::expected stand-in (g++ 12 has no <expected> in C++20 mode). Used on paths where
// exceptions are not allowed: the Admin API handlers, the store and the proxy.

#include <cassert>
#include <utility>
#include <variant>

namespace portico {

template <typename E> struct Unexpected { E error; };

template <typename E> Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

template <typename T, typename E> class Expected {
public:
    Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    template <typename U>
    Expected(Unexpected<U> e) : m_v(std::in_place_index<1>, std::move(e.error)) {}

    bool hasValue() const { return m_v.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    T& value() & {
        assert(hasValue());
        return std::get<0>(m_v);
    }
    const T& value() const& {
        assert(hasValue());
        return std::get<0>(m_v);
    }
    T&& value() && {
        assert(hasValue());
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    E& error() & {
        assert(!hasValue());
        return std::get<1>(m_v);
    }
    const E& error() const& {
        assert(!hasValue());
        return std::get<1>(m_v);
    }
    E&& error() && {
        assert(!hasValue());
        return std::get<1>(std::move(m_v));
    }

private:
    std::variant<T, E> m_v;
};

// Expected<void, E>: success carries nothing.
struct Ok {};

} // namespace portico
