#include "proxy/upstream_balancer.h"

#include "core/hex.h"
#include "core/text.h"
#include "model/entity_fields.h"

#include <algorithm>
#include <limits>
#include <openssl/rand.h>

namespace portico::proxy {

namespace {

// FNV-1a with a final avalanche: stable across processes and builds, so that every node of a
// cluster maps a key to the same target.
std::uint64_t hash64(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

std::string_view lookup(const BalanceRequest::Pairs* pairs, std::string_view name) {
    if (!pairs) return {};
    for (const auto& [k, v] : *pairs)
        if (k == name) return v;
    return {};
}
// The first value of a field; `lowerName` is lower case.
std::string_view lookup(RequestFields fields, std::string_view lowerName) {
    for (const auto& [k, v] : fields)
        if (equalsIgnoreCase(lowerName, k)) return v;
    return {};
}

// The value of a cookie in a Cookie header ("a=1; b=2").
std::string_view cookieValue(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        std::string_view pair = header.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ')
            pair.remove_prefix(1);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
            pair[name.size()] == '=')
            return pair.substr(name.size() + 1);
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return {};
}

std::string_view queryValue(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.size() >= name.size() && pair.substr(0, name.size()) == name &&
            (pair.size() == name.size() || pair[name.size()] == '='))
            return pair.size() == name.size() ? std::string_view() : pair.substr(name.size() + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

} // namespace

UpstreamInfo UpstreamInfo::fromEntity(const nlohmann::json& u) {
    UpstreamInfo info;
    info.id = model::stringField(u, "id");
    info.name = model::stringField(u, "name");
    info.hostHeader = model::stringField(u, "host_header");
    info.health =
        HealthPolicy::fromEntity(u.contains("healthchecks") ? u["healthchecks"] : nlohmann::json());
    const std::string algorithm = model::stringField(u, "algorithm");
    info.hashOn = {model::stringField(u, "hash_on"), {}};
    info.hashFallback = {model::stringField(u, "hash_fallback"), {}};
    auto nameFor = [&](const HashSource& s, bool fallback) {
        if (s.on == "header")
            return toLower(
                model::stringField(u, fallback ? "hash_fallback_header" : "hash_on_header"));
        if (s.on == "cookie") return model::stringField(u, "hash_on_cookie");
        if (s.on == "query_arg")
            return model::stringField(u,
                                      fallback ? "hash_fallback_query_arg" : "hash_on_query_arg");
        if (s.on == "uri_capture")
            return model::stringField(u, fallback ? "hash_fallback_uri_capture"
                                                  : "hash_on_uri_capture");
        return std::string();
    };
    info.hashOn.name = nameFor(info.hashOn, false);
    info.hashFallback.name = nameFor(info.hashFallback, true);
    if (info.hashOn.on.empty()) info.hashOn.on = "none";
    if (info.hashFallback.on.empty()) info.hashFallback.on = "none";
    info.cookiePath = u.contains("hash_on_cookie_path") && u["hash_on_cookie_path"].is_string()
                          ? u["hash_on_cookie_path"].get<std::string>()
                          : "/";
    info.slots = u.value("slots", 10000);
    // As in Kong, hash_on other than none means consistent hashing whatever the algorithm.
    if (info.hashOn.on != "none" || algorithm == "consistent-hashing")
        info.algorithm = Algorithm::ConsistentHashing;
    else if (algorithm == "least-connections" || algorithm == "latency")
        info.algorithm = Algorithm::LeastConnections;
    return info;
}

void UpstreamInfo::compile() {
    schedule.clear();
    ring.clear();
    if (targets.empty()) return;
    // Smooth weighted round-robin over one cycle of sum(weights), bounded to 1000 picks.
    long total = 0;
    for (const auto& t : targets)
        total += t.weight;
    const double scale = total > 1000 ? 1000.0 / static_cast<double>(total) : 1.0;
    std::vector<long> effective(targets.size()), current(targets.size(), 0);
    long sum = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        effective[i] =
            std::max(1L, static_cast<long>(static_cast<double>(targets[i].weight) * scale));
        sum += effective[i];
    }
    for (long step = 0; step < sum; ++step) {
        std::size_t best = 0;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            current[i] += effective[i];
            if (current[i] > current[best]) best = i;
        }
        current[best] -= sum;
        schedule.push_back(static_cast<std::uint32_t>(best));
    }
    if (algorithm != Algorithm::ConsistentHashing) return;
    // `slots` points shared out by weight, each placed by hashing "address#n": a target's
    // points do not move when other targets come or go, so only their keys move.
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto points =
            std::max<long>(1, static_cast<long>(static_cast<double>(slots) *
                                                static_cast<double>(targets[i].weight) /
                                                static_cast<double>(total)));
        for (long n = 0; n < points; ++n)
            ring.emplace_back(static_cast<std::uint32_t>(
                                  hash64(targets[i].address + "#" + std::to_string(n)) >> 32),
                              static_cast<std::uint32_t>(i));
    }
    std::sort(ring.begin(), ring.end());
}

double UpstreamInfo::healthyWeightPercent() const {
    long total = 0, healthy = 0;
    for (const auto& t : targets) {
        total += t.weight;
        if (t.health->healthy()) healthy += t.weight;
    }
    return total ? 100.0 * static_cast<double>(healthy) / static_cast<double>(total) : 0;
}

const UpstreamInfo::Target* UpstreamInfo::roundRobin(std::size_t& next) const {
    // Unhealthy targets are passed over; the schedule keeps its proportions among the rest.
    for (std::size_t tries = 0; tries < schedule.size(); ++tries) {
        const Target& t = targets[schedule[next++ % schedule.size()]];
        if (t.health->healthy()) return &t;
    }
    return nullptr;
}

const UpstreamInfo::Target* UpstreamInfo::leastConnections(std::size_t& next) const {
    // Fewest requests in flight per unit of weight; ties go round-robin from `next`.
    const Target* best = nullptr;
    double bestLoad = std::numeric_limits<double>::max();
    const std::size_t start = next++;
    for (std::size_t k = 0; k < targets.size(); ++k) {
        const Target& t = targets[(start + k) % targets.size()];
        if (!t.health->healthy()) continue;
        const double load =
            static_cast<double>(t.health->inFlight.load(std::memory_order_relaxed) + 1) /
            static_cast<double>(t.weight);
        if (load < bestLoad) {
            bestLoad = load;
            best = &t;
        }
    }
    return best;
}

const UpstreamInfo::Target* UpstreamInfo::onRing(std::uint64_t hash, int skip) const {
    if (ring.empty()) return nullptr;
    const auto point = static_cast<std::uint32_t>(hash >> 32);
    auto it = std::lower_bound(ring.begin(), ring.end(), std::make_pair(point, 0u));
    // Clockwise from the key's point: the first healthy target, or the skip-th distinct one
    // after failed attempts.
    std::uint32_t last = std::numeric_limits<std::uint32_t>::max();
    for (std::size_t steps = 0; steps < ring.size(); ++steps, ++it) {
        if (it == ring.end()) it = ring.begin();
        const Target& t = targets[it->second];
        if (!t.health->healthy() || it->second == last) continue;
        last = it->second;
        if (skip-- <= 0) return &t;
    }
    return nullptr;
}

std::string UpstreamInfo::hashKey(const HashSource& s, const BalanceRequest& req) const {
    if (s.on == "ip") return std::string(req.peer);
    if (s.on == "consumer") return std::string(req.consumerId);
    if (s.on == "path") return std::string(req.path);
    if (s.on == "header") return std::string(lookup(req.headers, s.name));
    if (s.on == "cookie") return std::string(cookieValue(lookup(req.headers, "cookie"), s.name));
    if (s.on == "query_arg") return std::string(queryValue(req.query, s.name));
    if (s.on == "uri_capture") return std::string(lookup(req.captures, s.name));
    return {};
}

const UpstreamInfo::Target* UpstreamInfo::pick(std::size_t& next, const BalanceRequest& req,
                                               int retry, std::string* newCookie) const {
    if (targets.empty()) return nullptr;
    if (health.threshold > 0 && healthyWeightPercent() < health.threshold) return nullptr;
    switch (algorithm) {
    case Algorithm::RoundRobin:
        return roundRobin(next);
    case Algorithm::LeastConnections:
        return leastConnections(next);
    case Algorithm::ConsistentHashing:
        break;
    }
    std::string key = hashKey(hashOn, req);
    if (key.empty() && hashOn.on == "cookie" && newCookie) {
        // A client without the cookie gets one, so that its next requests stick.
        unsigned char raw[16];
        RAND_bytes(raw, sizeof raw);
        key = toHex(raw, sizeof raw);
        *newCookie = hashOn.name + "=" + key + "; Path=" + cookiePath;
    }
    if (key.empty()) key = hashKey(hashFallback, req);
    if (key.empty()) return roundRobin(next); // nothing to hash on: spread evenly
    return onRing(hash64(key), retry);
}

} // namespace portico::proxy
