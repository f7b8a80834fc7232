#include "proxy/proxy_metrics.h"

#include <algorithm>
#include <bit>
#include <vector>

namespace portico::proxy {

int LatencyHistogram::bucketOf(std::uint64_t v) {
    if (v < static_cast<std::uint64_t>(kSub)) return static_cast<int>(v);
    const int exponent = std::min(63 - std::countl_zero(v), kMaxExponent);
    if (exponent == kMaxExponent && v >= (std::uint64_t{1} << (kMaxExponent + 1)))
        return kBuckets - 1;
    // The kSubBits bits below the leading one pick the bucket inside the octave.
    const int sub = static_cast<int>((v >> (exponent - kSubBits)) & (kSub - 1));
    return kSub + (exponent - kSubBits) * kSub + sub;
}

std::uint64_t LatencyHistogram::upperEdge(int bucket) {
    if (bucket < kSub) return static_cast<std::uint64_t>(bucket);
    const int exponent = (bucket - kSub) / kSub + kSubBits;
    const int sub = (bucket - kSub) % kSub;
    const std::uint64_t width = std::uint64_t{1} << (exponent - kSubBits);
    return (std::uint64_t{1} << exponent) + (static_cast<std::uint64_t>(sub) + 1) * width - 1;
}

void LatencyHistogram::add(std::uint64_t micros) {
    ++m_buckets[static_cast<std::size_t>(bucketOf(micros))];
    ++m_count;
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
    if (!o.m_count) return;
    for (std::size_t i = 0; i < m_buckets.size(); ++i)
        m_buckets[i] += o.m_buckets[i];
    m_count += o.m_count;
}

std::uint64_t LatencyHistogram::quantile(double q) const {
    if (!m_count) return 0;
    // The rank of the value sought, 1-based: the smallest value with at least q of the
    // samples at or below it.
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(q * static_cast<double>(m_count) + 0.999999));
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += m_buckets[static_cast<std::size_t>(i)];
        if (seen >= rank) return upperEdge(i);
    }
    return upperEdge(kBuckets - 1);
}

void MetricsSeries::merge(const MetricsSeries& o) {
    requests += o.requests;
    for (int i = 0; i < 6; ++i)
        status[i] += o.status[i];
    total.merge(o.total);
}

void MetricsWindow::record(std::string_view routeId, std::string_view serviceId, int status,
                           std::int64_t totalMicros, std::int64_t upstreamMicros,
                           std::int64_t gatewayMicros) {
    const int cls = status / 100;
    auto count = [&](MetricsSeries& s) {
        ++s.requests;
        if (cls >= 1 && cls <= 5) ++s.status[cls];
        s.total.add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, totalMicros)));
    };
    count(all);
    if (upstreamMicros >= 0) upstream.add(static_cast<std::uint64_t>(upstreamMicros));
    if (gatewayMicros >= 0) gateway.add(static_cast<std::uint64_t>(gatewayMicros));
    auto it = byRoute.find(routeId);
    if (it == byRoute.end()) {
        const bool full = byRoute.size() >= kMaxRoutes;
        it = byRoute.try_emplace(full ? std::string("other") : std::string(routeId)).first;
        if (!full) it->second.serviceId = std::string(serviceId);
    }
    count(it->second.series);
}

std::size_t MetricsWindow::nextRandom() {
    thread_local std::uint64_t state =
        0x9e3779b97f4a7c15ull ^ reinterpret_cast<std::uintptr_t>(&state); // per thread
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state);
}

nlohmann::json MetricsWindow::samplesJson() const {
    std::vector<const RequestSample*> ordered;
    for (const auto& s : samples)
        ordered.push_back(&s);
    std::sort(ordered.begin(), ordered.end(), [](auto a, auto b) { return a->time < b->time; });
    nlohmann::json out = nlohmann::json::array();
    for (const auto* s : ordered) {
        auto id = [](const std::string& v) {
            return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
        };
        out.push_back({{"time", s->time},
                       {"method", s->method},
                       {"host", s->host},
                       {"path", s->path},
                       {"client_ip", s->peer},
                       {"status", s->status},
                       {"latency_ms", s->latencyMs},
                       {"upstream_latency_ms", s->upstreamMs < 0 ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(s->upstreamMs)},
                       {"route", id(s->routeId)},
                       {"service", id(s->serviceId)},
                       {"request_id", id(s->requestId)}});
    }
    return out;
}

void MetricsWindow::merge(const MetricsWindow& o) {
    // Each worker's sample is uniform over its own requests; the merged one keeps them all
    // (at most kMaxSamples per worker).
    samples.insert(samples.end(), o.samples.begin(), o.samples.end());
    if (samples.size() > 20 * kMaxSamples) // a reader that fell behind gets the latest
        samples.erase(samples.begin(),
                      samples.end() - static_cast<std::ptrdiff_t>(20 * kMaxSamples));
    m_offered += o.m_offered;
    all.merge(o.all);
    upstream.merge(o.upstream);
    gateway.merge(o.gateway);
    for (const auto& [id, r] : o.byRoute) {
        auto& mine = byRoute[id];
        if (mine.serviceId.empty()) mine.serviceId = r.serviceId;
        mine.series.merge(r.series);
    }
}

namespace {
double ms(std::uint64_t micros) {
    return static_cast<double>(micros) / 1000.0;
}

nlohmann::json quantiles(const LatencyHistogram& h) {
    return {{"p50", ms(h.quantile(0.50))},
            {"p95", ms(h.quantile(0.95))},
            {"p99", ms(h.quantile(0.99))}};
}

nlohmann::json statusJson(const MetricsSeries& s) {
    return {{"1xx", s.status[1]},
            {"2xx", s.status[2]},
            {"3xx", s.status[3]},
            {"4xx", s.status[4]},
            {"5xx", s.status[5]}};
}

nlohmann::json seriesJson(const std::string& id, const MetricsSeries& s) {
    nlohmann::json j = {
        {"requests", s.requests}, {"status", statusJson(s)}, {"latency_ms", quantiles(s.total)}};
    j["id"] = id.empty() ? nlohmann::json(nullptr) : nlohmann::json(id);
    return j;
}

// The `top` busiest entries, most requests first, ties by id.
nlohmann::json busiest(const std::unordered_map<std::string, MetricsSeries>& m, std::size_t top) {
    std::vector<const std::pair<const std::string, MetricsSeries>*> list;
    for (const auto& e : m)
        list.push_back(&e);
    std::sort(list.begin(), list.end(), [](auto a, auto b) {
        if (a->second.requests != b->second.requests)
            return a->second.requests > b->second.requests;
        return a->first < b->first;
    });
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < list.size() && i < top; ++i)
        out.push_back(seriesJson(list[i]->first, list[i]->second));
    return out;
}
} // namespace

nlohmann::json MetricsWindow::summary(std::size_t top) const {
    std::unordered_map<std::string, MetricsSeries> routes, services;
    for (const auto& [id, r] : byRoute) {
        routes[id].merge(r.series);
        services[r.serviceId].merge(r.series);
    }
    return {{"requests", all.requests},
            {"status", statusJson(all)},
            {"latency_ms",
             {{"total", quantiles(all.total)},
              {"upstream", quantiles(upstream)},
              {"gateway", quantiles(gateway)}}},
            {"routes", busiest(routes, top)},
            {"services", busiest(services, top)}};
}

void WorkerMetrics::flush() {
    if (current.empty()) return;
    std::lock_guard lock(m_mutex);
    if (m_ready.empty())
        m_ready = std::move(current);
    else
        m_ready.merge(current); // the main thread missed a second: nothing is lost
    current = MetricsWindow();
}

MetricsWindow WorkerMetrics::take() {
    std::lock_guard lock(m_mutex);
    MetricsWindow out = std::move(m_ready);
    m_ready = MetricsWindow();
    return out;
}

} // namespace portico::proxy
