#pragma once
// Health of upstream targets: the policy compiled from an upstream's `healthchecks` record,
// and the live state of each target.
//
// TargetHealth objects are owned by the HealthRegistry (main thread) and shared with the
// snapshots that name them, so a target keeps its state across configuration revisions. Their
// state is atomic: workers (passive checks), the active checker thread and the Admin API
// (manual healthy/unhealthy) update it concurrently without locks.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace portico::proxy {

// Thresholds of one direction of checks; 0 disables a counter (Kong's semantics).
struct HealthThresholds {
    int successes = 0;
    int tcpFailures = 0;
    int timeouts = 0;
    int httpFailures = 0;
    std::vector<int> healthyStatuses;
    std::vector<int> unhealthyStatuses;
};

struct HealthPolicy {
    // Active probing.
    std::string type = "http"; // tcp, http, https
    double timeoutSeconds = 1;
    int concurrency = 10; // probes of one upstream's targets in flight at once
    std::string httpPath = "/";
    std::string httpsSni;
    bool httpsVerify = true;
    std::vector<std::pair<std::string, std::string>> headers;
    double healthyInterval = 0;   // seconds between probes of a healthy target; 0: none
    double unhealthyInterval = 0; // seconds between probes of an unhealthy target; 0: none
    HealthThresholds active;
    HealthThresholds passive;
    double threshold = 0; // percent of healthy weight below which the whole upstream is down

    static HealthPolicy fromEntity(const nlohmann::json& healthchecks);
    bool activeEnabled() const { return healthyInterval > 0 || unhealthyInterval > 0; }
    bool passiveEnabled() const {
        return passive.tcpFailures > 0 || passive.timeouts > 0 || passive.httpFailures > 0;
    }
    // Seconds until the next probe of a target in this state; 0: not probed. An unhealthy
    // target is probed at the healthy interval when no unhealthy interval is set, so that a
    // target taken out by passive checks is found again when it recovers.
    double probeInterval(bool healthy) const {
        if (healthy) return healthyInterval;
        return unhealthyInterval > 0 ? unhealthyInterval : healthyInterval;
    }
};

class TargetHealth;

// One address a host-name target resolved to, with a health of its own: Kong keeps health per
// address, so one bad replica behind a name does not take its siblings out.
struct ResolvedAddress {
    std::string ip;
    std::shared_ptr<TargetHealth> health;
};

class TargetHealth {
public:
    enum class Event { Success, TcpFailure, Timeout, HttpFailure };

    bool healthy() const { return m_healthy.load(std::memory_order_relaxed); }
    // Requests using the target right now, over all workers (least-connections).
    std::atomic<int> inFlight{0};
    // The addresses a target named by host name resolves to, refreshed by the checker thread
    // (an address still named keeps its health); null until the first answer (connections
    // then resolve for themselves). Such a target is healthy while any of its addresses is.
    std::atomic<std::shared_ptr<const std::vector<ResolvedAddress>>> resolved;
    // Manual override (Admin API): sets the state, and every resolved address's, and clears
    // the counters.
    void set(bool healthy);
    // After an address flipped or the addresses changed: healthy while any address is.
    void refreshFromAddresses();
    // Whether the target and every address of it is healthy (how often it is probed).
    bool allHealthy() const;
    // The next healthy address of `list` (this target's resolved addresses) in round-robin
    // order; any when none is healthy.
    const ResolvedAddress& nextAddress(const std::vector<ResolvedAddress>& list);
    // Counts one observation against the thresholds: failures of a healthy target toward
    // unhealthy, successes of an unhealthy one toward healthy; an observation of the other
    // kind resets the run. True when the state flipped.
    bool record(Event e, const HealthThresholds& t);
    // Classifies an HTTP status by the thresholds' lists (neither: no event).
    static bool classify(int status, const HealthThresholds& t, Event& out);

private:
    void resetCounters();
    std::atomic<bool> m_healthy{true};
    std::atomic<std::uint32_t> m_nextAddress{0};
    std::atomic<int> m_counters[4] = {}; // by Event
};

// Owns the TargetHealth of every (upstream, target address) of the current configuration.
// Main thread only.
class HealthRegistry {
public:
    std::shared_ptr<TargetHealth> get(const std::string& upstreamId, const std::string& address);
    // Forgets the targets not named since the previous call (after a snapshot build).
    void prune();

private:
    struct Entry {
        std::shared_ptr<TargetHealth> health;
        bool seen = false;
    };
    std::map<std::string, Entry> m_entries;
};

} // namespace portico::proxy
