#include "proxy/path_normalizer.h"

#include <vector>

namespace portico::proxy {

namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool isUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// RFC 3986 pchar minus percent (handled apart) plus '/'.
bool isPathChar(unsigned char c) {
    if (isUnreserved(c)) return true;
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
        return true;
    default:
        return false;
    }
}

// Checks that the fully decoded bytes are well-formed, shortest-form UTF-8 without the
// fullwidth solidus/reverse solidus that some back-ends fold into '/' and '\'.
bool validUtf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        unsigned cp = 0;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return false; // continuation byte first, or 0xC0/0xC1 (overlong), or > 0xF4
        if (i + static_cast<std::size_t>(len) > s.size()) return false;
        for (int k = 1; k < len; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        if (cp == 0xFF0F || cp == 0xFF3C) return false; // fullwidth '/' and '\'
        i += static_cast<std::size_t>(len);
    }
    return true;
}

void reject(NormalizedPath& out, std::string_view why) {
    out.path.clear();
    out.error.assign(why);
}

// Whether `raw` (starting with '/') is already normal: path characters only, no escapes, no
// empty or dot segments. Most paths are; they are copied as they are, without the steps below
// and their allocations. Anything else takes the full path, which also rejects what must be.
bool alreadyNormal(std::string_view raw) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c == '%' || !isPathChar(c)) return false;
        if (c == '/' && i + 1 < raw.size() && (raw[i + 1] == '/' || raw[i + 1] == '.'))
            return false;
    }
    return true;
}

} // namespace

NormalizedPath normalizePath(std::string_view raw) {
    NormalizedPath out;
    normalizePath(raw, out);
    return out;
}

void normalizePath(std::string_view raw, NormalizedPath& out) {
    out.error.clear();
    if (raw.empty() || raw.front() != '/') return reject(out, "path must start with '/'");
    if (alreadyNormal(raw)) {
        out.path.assign(raw);
        return;
    }
    std::string decodedAll; // every escape decoded: only for the byte-level checks
    std::string step;       // unreserved escapes decoded, the others upper-cased
    decodedAll.reserve(raw.size());
    step.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c == '%') {
            if (i + 2 >= raw.size()) return reject(out, "malformed percent-encoding");
            const int hi = hexValue(raw[i + 1]), lo = hexValue(raw[i + 2]);
            if (hi < 0 || lo < 0) return reject(out, "malformed percent-encoding");
            const unsigned char v = static_cast<unsigned char>(hi * 16 + lo);
            if (v == '/' || v == '\\') return reject(out, "encoded '/' or '\\' in path");
            if (v < 0x20 || v == 0x7F) return reject(out, "encoded control character in path");
            decodedAll.push_back(static_cast<char>(v));
            if (isUnreserved(v)) {
                step.push_back(static_cast<char>(v));
            } else {
                static const char* digits = "0123456789ABCDEF";
                step.push_back('%');
                step.push_back(digits[v >> 4]);
                step.push_back(digits[v & 0xF]);
            }
            i += 2;
            continue;
        }
        if (c == '#') return reject(out, "fragment in request target");
        if (c == '\\') return reject(out, "backslash in path");
        if (!isPathChar(c)) return reject(out, "character not allowed in path");
        decodedAll.push_back(static_cast<char>(c));
        step.push_back(static_cast<char>(c));
    }
    if (!validUtf8(decodedAll)) return reject(out, "invalid UTF-8 in path");

    // Split into segments, merging empty ones (repeated slashes), then resolve dot segments.
    std::vector<std::string_view> segments;
    const bool trailingSlash = step.size() > 1 && step.back() == '/';
    std::string_view rest(step);
    bool endsWithDot = false;
    while (!rest.empty()) {
        rest.remove_prefix(1); // the '/'
        const auto slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
        endsWithDot = false;
        if (seg.empty()) continue;
        const std::string_view bare = seg.substr(0, seg.find(';'));
        if ((bare == "." || bare == "..") && bare.size() != seg.size())
            return reject(out, "dot segment with parameters in path");
        if (seg == ".") {
            endsWithDot = true;
            continue;
        }
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
            endsWithDot = true;
            continue;
        }
        segments.push_back(seg);
    }
    // The segments are views of `step`, never of out.path: assigning in place is safe.
    std::string& result = out.path;
    result.clear();
    for (const auto& seg : segments) {
        result.push_back('/');
        result.append(seg);
    }
    if (result.empty() || trailingSlash || endsWithDot) result.push_back('/');
}

} // namespace portico::proxy
