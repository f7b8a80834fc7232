#include "schema/validators.h"

#include <arpa/inet.h>
#include <cctype>
#include <charconv>
#include <re2/re2.h>

namespace portico::schema {

namespace {
bool isAsciiPrintable(unsigned char c) {
    return c >= 0x21 && c < 0x7F;
}
} // namespace

bool isIpAddress(std::string_view s) {
    std::string str(s);
    unsigned char buf[16];
    return inet_pton(AF_INET, str.c_str(), buf) == 1 || inet_pton(AF_INET6, str.c_str(), buf) == 1;
}

bool isHostname(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t labelLen = 0;
    char prev = '.';
    for (char c : s) {
        if (c == '.') {
            if (labelLen == 0 || prev == '-') return false;
            labelLen = 0;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
            if (labelLen == 0 && c == '-') return false;
            if (++labelLen > 63) return false;
        } else {
            return false;
        }
        prev = c;
    }
    return prev != '-';
}

HostPort splitHostPort(std::string_view s) {
    HostPort hp;
    std::string_view host = s, port;
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos) return {std::string(s), -2};
        host = s.substr(1, close - 1);
        if (close + 1 < s.size()) {
            if (s[close + 1] != ':') return {std::string(s), -2};
            port = s.substr(close + 2);
            if (port.empty()) return {std::string(host), -2};
        }
    } else if (std::count(s.begin(), s.end(), ':') == 1) {
        auto colon = s.find(':');
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
        if (port.empty()) return {std::string(host), -2};
    }
    hp.host = std::string(host);
    if (!port.empty()) {
        int p = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        hp.port = (ec == std::errc() && ptr == port.data() + port.size() && p >= 0 && p <= 65535)
                      ? p
                      : -2;
    }
    return hp;
}

std::string checkName(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    for (unsigned char c : s) {
        if (c >= 0x80) continue; // UTF-8 sequences are allowed as they are in Kong's utf8_name
        if (!std::isalnum(c) && c != '.' && c != '-' && c != '_' && c != '~')
            return "invalid value '" + s +
                   "': the only accepted ascii characters are alphanumerics or ., -, _, and ~";
    }
    return {};
}

std::string checkTag(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    for (unsigned char c : s)
        if (c < 0x80 && (!isAsciiPrintable(c) || c == ',' || c == '/'))
            return "invalid tag '" + s +
                   "': expected printable ascii (except `,` and `/`) or valid utf-8 sequences";
    return {};
}

std::string checkHost(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    if (isIpAddress(s) || isHostname(s)) return {};
    return "invalid value: " + s;
}

std::string checkRouteHost(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    HostPort hp = splitHostPort(s);
    if (hp.port == -2) return "invalid port number";
    const std::string& host = hp.host;
    auto stars = std::count(host.begin(), host.end(), '*');
    if (stars > 1) return "invalid wildcard: must have at most one wildcard";
    if (stars == 1) {
        bool leftmost = host.rfind("*.", 0) == 0;
        bool rightmost = host.size() > 2 && host.compare(host.size() - 2, 2, ".*") == 0;
        if (!leftmost && !rightmost)
            return "invalid wildcard: must be placed at leftmost or rightmost label";
        std::string rest = leftmost ? host.substr(2) : host.substr(0, host.size() - 2);
        if (!isHostname(rest)) return "invalid hostname: " + s;
        return {};
    }
    if (isIpAddress(host) || isHostname(host)) return {};
    return "invalid hostname: " + s;
}

std::string checkSniName(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    if (isIpAddress(s)) return "must not be an IP";
    if (s.find(':') != std::string::npos) return "must not have a port";
    return checkRouteHost(v);
}

std::string re2Pattern(std::string_view pcre) {
    std::string out;
    out.reserve(pcre.size() + 4);
    for (std::size_t i = 0; i < pcre.size(); ++i) {
        out += pcre[i];
        if (pcre[i] == '\\' && i + 1 < pcre.size()) {
            out += pcre[++i]; // an escaped character is never the start of a group
            continue;
        }
        if (pcre[i] == '(' && pcre.substr(i + 1, 2) == "?<" && i + 3 < pcre.size() &&
            pcre[i + 3] != '=' && pcre[i + 3] != '!') {
            out += "?P<";
            i += 2;
        }
    }
    return out;
}

std::string checkRoutePath(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.rfind("~", 0) == 0) {
        // Regex paths are compiled with the same engine the router uses, so that a route the
        // store accepts can always be compiled into a snapshot.
        RE2::Options opts;
        opts.set_log_errors(false);
        RE2 re(re2Pattern(std::string_view(s).substr(1)), opts);
        if (!re.ok()) return "invalid regex: '" + s.substr(1) + "' (" + re.error() + ")";
        if (s.size() < 2 || s[1] != '/')
            return "should start with: / (fixed path) or ~/ (regex path)";
        return {};
    }
    if (s.empty() || s[0] != '/') return "should start with: / (fixed path) or ~/ (regex path)";
    for (unsigned char c : s)
        if (c <= 0x20 || c == 0x7F)
            return "invalid path: '" + s + "' (contains a control character or space)";
    return {};
}

std::string checkServicePath(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s[0] != '/') return "should start with: /";
    for (unsigned char c : s)
        if (c <= 0x20 || c == 0x7F || c == '?' || c == '#')
            return "invalid path: '" + s + "' (characters not allowed)";
    return {};
}

std::string checkMethod(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    for (unsigned char c : s)
        if (!std::isupper(c)) return "invalid value: " + s;
    return {};
}

std::string checkHeaderName(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    static const std::string tchar = "!#$%&'*+-.^_`|~";
    for (unsigned char c : s)
        if (!std::isalnum(c) && tchar.find(static_cast<char>(c)) == std::string::npos)
            return "invalid header name: " + s;
    return {};
}

std::string checkUuidValue(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    return s.size() == 36 && std::count(s.begin(), s.end(), '-') == 4 ? std::string()
                                                                      : "expected a valid UUID";
}

std::string checkTarget(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    HostPort hp = splitHostPort(s);
    if (hp.port == -2) return "Invalid target ('" + s + "'); not a valid hostname or ip address";
    if (!isIpAddress(hp.host) && !isHostname(hp.host))
        return "Invalid target ('" + s + "'); not a valid hostname or ip address";
    return {};
}

std::string checkIpOrCidr(const json& v) {
    const auto& s = v.get_ref<const std::string&>();
    auto slash = s.find('/');
    std::string ip = s.substr(0, slash);
    if (!isIpAddress(ip)) return "invalid ip or cidr range: '" + s + "'";
    if (slash != std::string::npos) {
        int bits = -1;
        std::string_view b(s.data() + slash + 1, s.size() - slash - 1);
        auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
        int max = ip.find(':') != std::string::npos ? 128 : 32;
        if (ec != std::errc() || p != b.data() + b.size() || bits < 0 || bits > max)
            return "invalid ip or cidr range: '" + s + "'";
    }
    return {};
}

} // namespace portico::schema
