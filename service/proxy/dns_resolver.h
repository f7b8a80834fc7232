#pragma once
// Host-name resolution for upstream targets with the records' TTLs, so that a target is
// re-resolved when its answer expires (Kong's behaviour) rather than on a fixed period. Order:
// the hosts file (`dns_hostsfile`), then DNS A and AAAA queries to `dns_resolver`'s
// nameservers (resolv.conf's when none are set), then, only when no nameservers are set, the
// system's getaddrinfo for names that other NSS sources know. Blocking: called on the health
// checker's DNS thread, one call at a time per object.

#include <chrono>
#include <string>
#include <vector>

namespace portico::proxy {

struct DnsSettings {
    std::vector<std::string> nameservers; // "ip" or "ip:port" (IPv4); empty: resolv.conf
    std::string hostsFile = "/etc/hosts";
};

struct DnsAnswer {
    std::vector<std::string> addresses; // distinct, in answer order; empty on failure
    // When to ask again: the smallest record TTL, kept within [kMinTtl, kMaxTtl]; for names
    // from the hosts file or getaddrinfo, which carry no TTL, kUnknownTtl.
    std::chrono::seconds ttl{0};
    std::string source; // "hosts", "dns" or "system"
    std::string error;  // why there are no addresses
};

class DnsResolver {
public:
    static constexpr std::chrono::seconds kMinTtl{1};
    static constexpr std::chrono::seconds kMaxTtl{3600};
    static constexpr std::chrono::seconds kUnknownTtl{30};

    explicit DnsResolver(DnsSettings settings);
    DnsAnswer resolve(const std::string& name) const;

private:
    DnsSettings m_settings;
};

} // namespace portico::proxy
