#pragma once
// Private to the proxy: a received request or response head — start line and fields — as the
// session reads it, kept in the connection's arena.
//
// Beast's basic_fields keeps each field in a case-insensitive tree as well as in arrival
// order: an allocation, a list insertion and a tree insertion per field, and a tree walk per
// lookup. A proxy mostly walks a head once in order (to check it, to route on it, to send it
// on) and looks up a handful of names, among a dozen fields at most; here the fields are an
// array in arrival order, looked up by a scan, their text copied into the arena beside them.
// The interface is the part of basic_fields the session's generic code uses: iteration over
// fields with name(), name_string() and value(), find() and operator[] (first occurrence),
// plus the start line's accessors. Owned by the connection's current parser; its worker thread
// only.

#include "core/text.h"
#include "proxy/arena.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace portico::proxy {

class ReceivedHead {
public:
    class Field {
    public:
        Field(boost::beast::http::field name, std::string_view nameText, std::string_view value)
            : m_name(name), m_nameText(nameText), m_value(value) {}
        boost::beast::http::field name() const noexcept { return m_name; }
        std::string_view name_string() const noexcept { return m_nameText; }
        std::string_view value() const noexcept { return m_value; }

    private:
        friend class ReceivedHead;
        boost::beast::http::field m_name;
        std::string_view m_nameText;
        std::string_view m_value;
    };
    static_assert(std::is_trivially_copyable_v<Field> && std::is_trivially_destructible_v<Field>);
    using const_iterator = const Field*;

    explicit ReceivedHead(Arena& arena) noexcept : m_arena(arena) {}
    ReceivedHead(const ReceivedHead&) = delete;
    ReceivedHead& operator=(const ReceivedHead&) = delete;

    const_iterator begin() const noexcept { return m_fields; }
    const_iterator end() const noexcept { return m_fields + m_count; }
    std::size_t size() const noexcept { return m_count; }

    // The first field of that name, or end().
    const_iterator find(boost::beast::http::field name) const noexcept {
        if (m_framingNamesOnly && !isFramingOrHop(name)) {
            const auto text = to_string(name);
            return find(std::string_view(text.data(), text.size()));
        }
        const_iterator it = begin();
        while (it != end() && it->name() != name)
            ++it;
        return it;
    }
    const_iterator find(std::string_view name) const noexcept {
        const_iterator it = begin();
        while (it != end() && !boost::beast::iequals(it->name_string(), name))
            ++it;
        return it;
    }
    // The first value of that name; empty when absent.
    std::string_view operator[](boost::beast::http::field name) const noexcept {
        const auto it = find(name);
        return it == end() ? std::string_view() : it->value();
    }

    // The start line (a request's or a response's).
    boost::beast::http::verb method() const noexcept { return m_method; }
    std::string_view method_string() const noexcept { return m_methodText; }
    std::string_view target() const noexcept { return m_target; }
    unsigned version() const noexcept { return m_version; }
    unsigned result_int() const noexcept { return m_status; }
    boost::beast::http::status result() const noexcept {
        return boost::beast::http::int_to_status(m_status);
    }
    std::string_view reason() const noexcept { return m_reason; }

    // Where the parser puts body bytes (Beast's buffer_body contract): the caller points it at
    // its buffer before each read and sees how much of it is left.
    boost::beast::http::buffer_body::value_type& body() noexcept { return m_body; }
    // Copies what fits of `n` body bytes into that buffer and moves past them; how many fitted
    // (none when no buffer was given).
    std::size_t fillBody(const char* data, std::size_t n) noexcept {
        if (!m_body.data) return 0;
        const std::size_t k = n < m_body.size ? n : m_body.size;
        if (k) std::memcpy(m_body.data, data, k);
        m_body.data = static_cast<char*>(m_body.data) + k;
        m_body.size -= k;
        return k;
    }

    // Filled by the parser with views of its input (Beast parses a head only once all of it is
    // in, so they point into one piece of input), then settle()d before the caller consumes that
    // input.
    void setRequestLine(boost::beast::http::verb method, std::string_view methodText,
                        std::string_view target, unsigned version) {
        m_method = method;
        m_methodText = methodText;
        m_target = target;
        m_version = version;
    }
    void setStatusLine(unsigned status, std::string_view reason, unsigned version) {
        m_status = status;
        m_reason = reason;
        m_version = version;
    }
    void add(boost::beast::http::field name, std::string_view nameText, std::string_view value) {
        if (m_count == m_capacity) grow();
        ::new (m_fields + m_count) Field(name, nameText, value);
        ++m_count;
    }
    // A head whose fields name() only the framing and hop-by-hop fields (framingField());
    // others read as unknown. find() by any name still works (by text for the others).
    void nameFramingOnly() noexcept { m_framingNamesOnly = true; }
    // `name` when it is one of the fields that frame a message or end at a hop (the ones a proxy
    // acts on in a response), else unknown. A switch on the length and a comparison or two, where
    // Beast's string_to_field hashes every name.
    static boost::beast::http::field framingField(std::string_view name) noexcept;
    static bool isFramingOrHop(boost::beast::http::field name) noexcept;

    // Copies `text` into the arena; views into the copy need no settle().
    const char* keep(std::string_view text) {
        char* copy = static_cast<char*>(m_arena.allocate(text.size(), 1));
        std::memcpy(copy, text.data(), text.size());
        return copy;
    }

    // Copies the text the views cover into the arena, in one piece (one copy per head rather
    // than two per field), and moves the views onto the copy.
    void settle() {
        const char* lo = nullptr;
        const char* hi = nullptr;
        forEachView([&](std::string_view& v) {
            if (v.empty()) return;
            if (!lo || v.data() < lo) lo = v.data();
            if (!hi || v.data() + v.size() > hi) hi = v.data() + v.size();
        });
        if (!lo) return;
        const auto size = static_cast<std::size_t>(hi - lo);
        char* copy = static_cast<char*>(m_arena.allocate(size, 1));
        std::memcpy(copy, lo, size);
        forEachView([&](std::string_view& v) {
            v = v.empty() ? std::string_view() : std::string_view(copy + (v.data() - lo), v.size());
        });
    }

private:
    template <class Fn> void forEachView(Fn fn) {
        fn(m_methodText);
        fn(m_target);
        fn(m_reason);
        for (std::size_t i = 0; i < m_count; ++i) {
            fn(m_fields[i].m_nameText);
            fn(m_fields[i].m_value);
        }
    }
    // The array doubles within the arena; what it leaves behind goes with the arena's reset.
    void grow() {
        const std::size_t capacity = m_capacity ? m_capacity * 2 : 16;
        auto* fields =
            static_cast<Field*>(m_arena.allocate(capacity * sizeof(Field), alignof(Field)));
        if (m_count) std::memcpy(static_cast<void*>(fields), m_fields, m_count * sizeof(Field));
        m_fields = fields;
        m_capacity = capacity;
    }

    Arena& m_arena;
    Field* m_fields = nullptr; // trivially copyable views: moved by memcpy, never destroyed
    std::size_t m_count = 0;
    std::size_t m_capacity = 0;
    boost::beast::http::verb m_method = boost::beast::http::verb::unknown;
    std::string_view m_methodText, m_target, m_reason;
    bool m_framingNamesOnly = false;
    unsigned m_version = 11;
    unsigned m_status = 0;
    boost::beast::http::buffer_body::value_type m_body;
};

inline bool ReceivedHead::isFramingOrHop(boost::beast::http::field name) noexcept {
    using boost::beast::http::field;
    switch (name) {
    case field::connection:
    case field::content_length:
    case field::keep_alive:
    case field::proxy_authenticate:
    case field::proxy_authorization:
    case field::proxy_connection:
    case field::te:
    case field::trailer:
    case field::transfer_encoding:
    case field::upgrade:
        return true;
    default:
        return false;
    }
}

inline boost::beast::http::field ReceivedHead::framingField(std::string_view name) noexcept {
    using boost::beast::http::field;
    auto is = [&](std::string_view lower) { return equalsIgnoreCase(lower, name); };
    switch (name.size()) {
    case 2:
        return is("te") ? field::te : field::unknown;
    case 7:
        return is("upgrade") ? field::upgrade : is("trailer") ? field::trailer : field::unknown;
    case 10:
        return is("connection")   ? field::connection
               : is("keep-alive") ? field::keep_alive
                                  : field::unknown;
    case 14:
        return is("content-length") ? field::content_length : field::unknown;
    case 16:
        return is("proxy-connection") ? field::proxy_connection : field::unknown;
    case 17:
        return is("transfer-encoding") ? field::transfer_encoding : field::unknown;
    case 18:
        return is("proxy-authenticate") ? field::proxy_authenticate : field::unknown;
    case 19:
        return is("proxy-authorization") ? field::proxy_authorization : field::unknown;
    default:
        return field::unknown;
    }
}

} // namespace portico::proxy
