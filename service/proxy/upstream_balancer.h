#pragma once
// An upstream as the proxy balances it: its serving targets (weight > 0) with their shared
// live state, and the algorithm Kong's upstream entity selects — weighted round-robin (a
// smooth schedule), least-connections, or consistent hashing on a ring of `slots` points.
// Compiled once per revision; pick() is called concurrently by every worker.

#include "proxy/request_fields.h"
#include "proxy/upstream_health.h"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::proxy {

// What hashing may look at in a request.
struct BalanceRequest {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    std::string_view peer;
    std::string_view path;  // normalized
    std::string_view query; // without '?'
    std::string_view consumerId;
    RequestFields headers;
    const Pairs* captures = nullptr; // route regex captures
};

struct UpstreamInfo {
    enum class Algorithm { RoundRobin, LeastConnections, ConsistentHashing };
    struct HashSource {
        std::string on = "none"; // none, consumer, ip, header, cookie, path, query_arg, uri_capture
        std::string name;        // header, cookie, query argument or capture name
    };
    struct Target {
        std::string id;      // the target entity's id
        std::string address; // "host:port" as configured
        std::string host;
        int port = 8000;
        long weight = 100;
        std::shared_ptr<TargetHealth> health; // shared with the registry and other revisions
    };

    std::string id;
    std::string name;
    std::string hostHeader; // sent as Host instead of the service's host, when set
    Algorithm algorithm = Algorithm::RoundRobin;
    HashSource hashOn, hashFallback;
    std::string cookiePath = "/";
    int slots = 10000;
    std::vector<Target> targets;
    std::vector<std::uint32_t> schedule;                       // round-robin order
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ring; // (point, target index), sorted
    HealthPolicy health;

    // Reads the balancing fields of an upstream entity (targets are added separately).
    static UpstreamInfo fromEntity(const nlohmann::json& upstream);
    // After the targets are in: the round-robin schedule and the hash ring.
    void compile();

    // A healthy target, or nullptr when none is (or the healthy weight is below the policy's
    // threshold). `next` is this worker's round-robin position. `retry` > 0 asks for another
    // target after a failed attempt. For cookie hashing without the cookie, `newCookie`
    // receives the value to set on the response.
    const Target* pick(std::size_t& next, const BalanceRequest& req, int retry,
                       std::string* newCookie) const;
    double healthyWeightPercent() const;

private:
    const Target* roundRobin(std::size_t& next) const;
    const Target* leastConnections(std::size_t& next) const;
    const Target* onRing(std::uint64_t hash, int skip) const;
    std::string hashKey(const HashSource& source, const BalanceRequest& req) const;
};

// Marks a target busy for the life of a request (least-connections reads it).
class InFlight {
public:
    explicit InFlight(const UpstreamInfo::Target* t) : m_target(t) {
        if (m_target) m_target->health->inFlight.fetch_add(1, std::memory_order_relaxed);
    }
    ~InFlight() {
        if (m_target) m_target->health->inFlight.fetch_sub(1, std::memory_order_relaxed);
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

private:
    const UpstreamInfo::Target* m_target;
};

} // namespace portico::proxy
