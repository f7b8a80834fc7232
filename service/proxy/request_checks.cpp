#include "proxy/request_checks.h"

#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace portico::proxy {

namespace {

std::string toLowerTrimmed(std::string_view s) {
    return toLower(trim(s));
}

Refusal bad(std::string why) {
    return {400, "Bad request: " + std::move(why)};
}

} // namespace

std::optional<Refusal> checkRawHead(std::string_view head) {
    for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
        if (pos + 2 >= head.size()) break;
        const char next = head[pos + 2];
        if (next == ' ' || next == '\t') return bad("folded header line");
        const auto eol = head.find("\r\n", pos + 2);
        const std::string_view line =
            head.substr(pos + 2, eol == std::string_view::npos ? eol : eol - pos - 2);
        pos = eol;
        // Most names have no '_': nothing to look at further.
        const auto colon = line.find(':');
        if (colon == std::string_view::npos ||
            line.substr(0, colon).find('_') == std::string_view::npos)
            continue;
        std::string name = toLowerTrimmed(line.substr(0, colon));
        std::replace(name.begin(), name.end(), '_', '-');
        if (name == "transfer-encoding" || name == "content-length" || name == "host")
            return bad("header name with '_' standing for " + name);
    }
    return std::nullopt;
}

std::optional<Refusal> checkRequestHead(int version, std::string_view method,
                                        std::string_view target, RequestFields fields) {
    if (method == "CONNECT" || target == "*") return Refusal{405, "Method not allowed"};
    static const char* known[] = {"GET",   "HEAD",  "POST",     "PUT",       "DELETE", "OPTIONS",
                                  "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",  "COPY",
                                  "MOVE",  "LOCK",  "UNLOCK",   "PURGE",     "REPORT", "SEARCH"};
    if (std::none_of(std::begin(known), std::end(known),
                     [&](const char* m) { return method == m; }))
        return Refusal{501, "Not implemented: unknown method"};
    int hosts = 0, transferEncodings = 0, contentLengths = 0, authorizations = 0;
    std::string_view host, te; // views of `fields`
    for (const auto& [name, value] : fields) {
        if (equalsIgnoreCase("host", name)) {
            ++hosts;
            host = value;
        } else if (equalsIgnoreCase("transfer-encoding", name)) {
            ++transferEncodings;
            te = value;
        } else if (equalsIgnoreCase("content-length", name)) {
            ++contentLengths;
        } else if (equalsIgnoreCase("authorization", name) ||
                   equalsIgnoreCase("proxy-authorization", name)) {
            ++authorizations;
        }
    }
    if (version >= 11 && hosts != 1) return bad("exactly one Host header is required");
    if (hosts > 1) return bad("more than one Host header");
    if (hosts == 1) {
        if (host.empty() && version >= 11) return bad("empty Host header");
        // A scan of the value, not find_first_of (a search of the set for each character).
        if (std::any_of(host.begin(), host.end(), [](char c) {
                switch (c) {
                case ',':
                case '@':
                case '/':
                case '\\':
                case ' ':
                case '\t':
                case '?':
                case '#':
                    return true;
                default:
                    return false;
                }
            }))
            return bad("malformed Host header");
        const bool bracketed = !host.empty() && host.front() == '[';
        const auto close = host.find(']');
        const auto colon = bracketed
                               ? (close == std::string_view::npos ? close : host.find(':', close))
                               : host.find(':');
        if (bracketed && close == std::string_view::npos) return bad("malformed Host header");
        if (colon != std::string_view::npos) {
            const std::string_view port = host.substr(colon + 1);
            if (port.empty() || port.size() > 5 ||
                !std::all_of(port.begin(), port.end(),
                             [](unsigned char c) { return std::isdigit(c); }))
                return bad("malformed port in Host header");
        }
    }
    if (authorizations > 1) return bad("more than one Authorization header");
    if (transferEncodings > 0) {
        if (version < 11) return bad("Transfer-Encoding in an HTTP/1.0 request");
        if (contentLengths > 0) return bad("both Transfer-Encoding and Content-Length");
        // Only a lone, exact "chunked" is accepted; anything else is never forwarded.
        std::vector<std::string> codings;
        std::size_t start = 0;
        for (;;) {
            const auto comma = te.find(',', start);
            codings.push_back(toLowerTrimmed(
                te.substr(start, comma == std::string_view::npos ? comma : comma - start)));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        if (codings.size() == 1 && codings[0] == "chunked") return std::nullopt;
        if (codings.size() > 1 && codings.back() == "chunked" &&
            std::count(codings.begin(), codings.end(), "chunked") == 1 &&
            std::none_of(codings.begin(), codings.end(),
                         [](const std::string& c) { return c.empty(); }))
            return Refusal{501, "Not implemented: transfer codings other than chunked"};
        return bad("invalid Transfer-Encoding");
    }
    return std::nullopt;
}

} // namespace portico::proxy
