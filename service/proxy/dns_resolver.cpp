#include "proxy/dns_resolver.h"

#include "core/text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fstream>
#include <limits>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sstream>

namespace portico::proxy {

namespace {

void addDistinct(std::vector<std::string>& to, std::string address) {
    if (std::find(to.begin(), to.end(), address) == to.end()) to.push_back(std::move(address));
}

// The addresses the hosts file gives the name (lines "address name alias...", '#' comments).
std::vector<std::string> fromHostsFile(const std::string& path, const std::string& name) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    const std::string wanted = toLower(name);
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string address, alias;
        if (!(words >> address)) continue;
        while (words >> alias)
            if (toLower(alias) == wanted) addDistinct(out, address);
    }
    return out;
}

// One query of `type` (ns_t_a or ns_t_aaaa); appends the addresses, lowers `ttl` to the
// smallest TTL of the answer's records (CNAMEs included). False when the server did not answer
// (as opposed to answering that there are no such records).
bool query(res_state state, const std::string& name, int type, std::vector<std::string>& out,
           std::uint32_t& ttl, std::string& error) {
    unsigned char reply[4096];
    const int n = res_nquery(state, name.c_str(), ns_c_in, type, reply, sizeof reply);
    if (n < 0) {
        // HOST_NOT_FOUND and NO_DATA are answers; anything else is a failure to ask.
        if (state->res_h_errno == HOST_NOT_FOUND || state->res_h_errno == NO_DATA) return true;
        error = hstrerror(state->res_h_errno);
        return false;
    }
    ns_msg msg;
    if (ns_initparse(reply, n, &msg) < 0) {
        error = "malformed DNS reply";
        return false;
    }
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) break;
        const int rrType = ns_rr_type(rr);
        if (rrType != ns_t_a && rrType != ns_t_aaaa && rrType != ns_t_cname) continue;
        ttl = std::min<std::uint32_t>(ttl, ns_rr_ttl(rr));
        char text[INET6_ADDRSTRLEN];
        if (rrType == ns_t_a && ns_rr_rdlen(rr) == 4 &&
            inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof text))
            addDistinct(out, text);
        if (rrType == ns_t_aaaa && ns_rr_rdlen(rr) == 16 &&
            inet_ntop(AF_INET6, ns_rr_rdata(rr), text, sizeof text))
            addDistinct(out, text);
    }
    return true;
}

std::vector<std::string> fromSystem(const std::string& name, std::string& error) {
    std::vector<std::string> out;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list); rc != 0) {
        error = gai_strerror(rc);
        return out;
    }
    for (addrinfo* a = list; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN];
        const void* raw =
            a->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                : &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr;
        if (inet_ntop(a->ai_family, raw, text, sizeof text)) addDistinct(out, text);
    }
    freeaddrinfo(list);
    return out;
}

} // namespace

DnsResolver::DnsResolver(DnsSettings settings) : m_settings(std::move(settings)) {}

DnsAnswer DnsResolver::resolve(const std::string& name) const {
    DnsAnswer answer;
    if (auto hosts = fromHostsFile(m_settings.hostsFile, name); !hosts.empty()) {
        answer.addresses = std::move(hosts);
        answer.ttl = kUnknownTtl;
        answer.source = "hosts";
        return answer;
    }
    struct __res_state state {};
    if (res_ninit(&state) == 0) {
        if (!m_settings.nameservers.empty()) {
            state.nscount = 0;
            for (const auto& server : m_settings.nameservers) {
                if (state.nscount >= MAXNS) break;
                const auto colon = server.find(':');
                sockaddr_in addr{};
                addr.sin_family = AF_INET;
                addr.sin_port =
                    htons(colon == std::string::npos
                              ? 53
                              : static_cast<std::uint16_t>(std::stoi(server.substr(colon + 1))));
                if (inet_pton(AF_INET, server.substr(0, colon).c_str(), &addr.sin_addr) != 1)
                    continue;
                state.nsaddr_list[state.nscount++] = addr;
            }
        }
        // Bounded: a dead nameserver holds the DNS thread (and shutdown) a few seconds at most.
        state.retrans = 2;
        state.retry = 2;
        // A name is asked as given: targets are absolute names, not resolv.conf searches.
        state.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES);
        std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
        std::string error;
        const bool asked = query(&state, name, ns_t_a, answer.addresses, ttl, error) &&
                           query(&state, name, ns_t_aaaa, answer.addresses, ttl, error);
        res_nclose(&state);
        if (asked && !answer.addresses.empty()) {
            answer.ttl = std::clamp(std::chrono::seconds(ttl), kMinTtl, kMaxTtl);
            answer.source = "dns";
            return answer;
        }
        answer.addresses.clear();
        answer.error = asked ? "no such name" : error;
    } else {
        answer.error = "no DNS configuration";
    }
    // With nameservers of its own the gateway asks only them (as Kong does); otherwise NSS
    // sources besides files and DNS (mdns, LDAP, ...) get a say too.
    if (!m_settings.nameservers.empty()) return answer;
    std::string systemError;
    answer.addresses = fromSystem(name, systemError);
    if (!answer.addresses.empty()) {
        answer.ttl = kUnknownTtl;
        answer.source = "system";
        answer.error.clear();
    } else {
        answer.error += (answer.error.empty() ? "" : "; ") + systemError;
    }
    return answer;
}

} // namespace portico::proxy
