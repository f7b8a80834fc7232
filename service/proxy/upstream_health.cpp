#include "proxy/upstream_health.h"

#include <algorithm>

namespace portico::proxy {

namespace {

using nlohmann::json;

const json& at(const json& j, const char* key) {
    static const json null;
    return j.is_object() && j.contains(key) ? j[key] : null;
}

int intAt(const json& j, const char* key) {
    const json& v = at(j, key);
    return v.is_number() ? v.get<int>() : 0;
}

double numberAt(const json& j, const char* key, double fallback) {
    const json& v = at(j, key);
    return v.is_number() ? v.get<double>() : fallback;
}

std::vector<int> statuses(const json& j) {
    std::vector<int> out;
    if (const json& v = at(j, "http_statuses"); v.is_array())
        for (const auto& s : v)
            if (s.is_number_integer()) out.push_back(s.get<int>());
    return out;
}

HealthThresholds thresholds(const json& checks) {
    HealthThresholds t;
    const json& healthy = at(checks, "healthy");
    const json& unhealthy = at(checks, "unhealthy");
    t.successes = intAt(healthy, "successes");
    t.healthyStatuses = statuses(healthy);
    t.tcpFailures = intAt(unhealthy, "tcp_failures");
    t.timeouts = intAt(unhealthy, "timeouts");
    t.httpFailures = intAt(unhealthy, "http_failures");
    t.unhealthyStatuses = statuses(unhealthy);
    return t;
}

int thresholdOf(TargetHealth::Event e, const HealthThresholds& t) {
    switch (e) {
    case TargetHealth::Event::Success:
        return t.successes;
    case TargetHealth::Event::TcpFailure:
        return t.tcpFailures;
    case TargetHealth::Event::Timeout:
        return t.timeouts;
    case TargetHealth::Event::HttpFailure:
        return t.httpFailures;
    }
    return 0;
}

} // namespace

HealthPolicy HealthPolicy::fromEntity(const json& hc) {
    HealthPolicy p;
    const json& active = at(hc, "active");
    p.type = at(active, "type").is_string() ? at(active, "type").get<std::string>() : "http";
    p.timeoutSeconds = numberAt(active, "timeout", 1);
    p.concurrency = std::max(1, static_cast<int>(numberAt(active, "concurrency", 10)));
    if (const json& v = at(active, "http_path"); v.is_string()) p.httpPath = v.get<std::string>();
    if (const json& v = at(active, "https_sni"); v.is_string()) p.httpsSni = v.get<std::string>();
    if (const json& v = at(active, "https_verify_certificate"); v.is_boolean())
        p.httpsVerify = v.get<bool>();
    if (const json& h = at(active, "headers"); h.is_object())
        for (const auto& [name, values] : h.items())
            if (values.is_array())
                for (const auto& v : values)
                    if (v.is_string()) p.headers.emplace_back(name, v.get<std::string>());
    p.healthyInterval = numberAt(at(active, "healthy"), "interval", 0);
    p.unhealthyInterval = numberAt(at(active, "unhealthy"), "interval", 0);
    p.active = thresholds(active);
    p.passive = thresholds(at(hc, "passive"));
    p.threshold = numberAt(hc, "threshold", 0);
    return p;
}

void TargetHealth::resetCounters() {
    for (auto& c : m_counters)
        c.store(0, std::memory_order_relaxed);
}

void TargetHealth::set(bool healthy) {
    m_healthy.store(healthy, std::memory_order_relaxed);
    resetCounters();
    if (auto list = resolved.load())
        for (const auto& a : *list)
            a.health->set(healthy);
}

void TargetHealth::refreshFromAddresses() {
    auto list = resolved.load();
    if (!list || list->empty()) return;
    bool any = false;
    for (const auto& a : *list)
        any = any || a.health->healthy();
    m_healthy.store(any, std::memory_order_relaxed);
}

bool TargetHealth::allHealthy() const {
    if (!healthy()) return false;
    auto list = resolved.load();
    if (list)
        for (const auto& a : *list)
            if (!a.health->healthy()) return false;
    return true;
}

const ResolvedAddress& TargetHealth::nextAddress(const std::vector<ResolvedAddress>& list) {
    const std::uint32_t start = m_nextAddress.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const ResolvedAddress& a = list[(start + i) % list.size()];
        if (a.health->healthy()) return a;
    }
    return list[start % list.size()];
}

bool TargetHealth::record(Event e, const HealthThresholds& t) {
    const int limit = thresholdOf(e, t);
    const bool success = e == Event::Success;
    // A run of one kind is broken by an observation of the other.
    if (success) {
        for (int i = 1; i < 4; ++i)
            m_counters[i].store(0, std::memory_order_relaxed);
    } else {
        m_counters[0].store(0, std::memory_order_relaxed);
    }
    if (limit <= 0) return false;
    const bool healthy = m_healthy.load(std::memory_order_relaxed);
    if (healthy == success) return false; // already where this observation points
    const int n = m_counters[static_cast<int>(e)].fetch_add(1, std::memory_order_relaxed) + 1;
    if (n < limit) return false;
    bool expected = healthy;
    if (!m_healthy.compare_exchange_strong(expected, success, std::memory_order_relaxed))
        return false; // another thread flipped it first
    resetCounters();
    return true;
}

bool TargetHealth::classify(int status, const HealthThresholds& t, Event& out) {
    if (std::find(t.unhealthyStatuses.begin(), t.unhealthyStatuses.end(), status) !=
        t.unhealthyStatuses.end()) {
        out = Event::HttpFailure;
        return true;
    }
    if (std::find(t.healthyStatuses.begin(), t.healthyStatuses.end(), status) !=
        t.healthyStatuses.end()) {
        out = Event::Success;
        return true;
    }
    return false;
}

std::shared_ptr<TargetHealth> HealthRegistry::get(const std::string& upstreamId,
                                                  const std::string& address) {
    Entry& e = m_entries[upstreamId + '|' + address];
    if (!e.health) e.health = std::make_shared<TargetHealth>();
    e.seen = true;
    return e.health;
}

void HealthRegistry::prune() {
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (!it->second.seen) {
            it = m_entries.erase(it);
        } else {
            it->second.seen = false;
            ++it;
        }
    }
}

} // namespace portico::proxy
