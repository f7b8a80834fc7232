#pragma once
// Per-second traffic metrics: latency histograms and status counts, overall and by route.
//
// Each worker records into its own MetricsWindow without locks; once a second the worker
// hands the window over (flush(), on its own thread) and the main thread takes and merges the
// windows of all workers (take()), so the request path never waits for the reader.

#include <array>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace portico::proxy {

// Log-linear histogram of microsecond values: 16 buckets per power of two (at most ~4.4%
// relative error), exact below 16 us, up to 2^31 us (about 36 minutes; above counts as that).
class LatencyHistogram {
public:
    static constexpr int kSubBits = 4;
    static constexpr int kSub = 1 << kSubBits;
    static constexpr int kMaxExponent = 31;
    static constexpr int kBuckets = kSub + (kMaxExponent - kSubBits + 1) * kSub;

    void add(std::uint64_t micros);
    void merge(const LatencyHistogram& other);
    std::uint64_t count() const { return m_count; }
    // The value at quantile q (0..1): the upper edge of the bucket holding it; 0 when empty.
    std::uint64_t quantile(double q) const;

    static int bucketOf(std::uint64_t micros);
    static std::uint64_t upperEdge(int bucket);

private:
    std::array<std::uint32_t, kBuckets> m_buckets{};
    std::uint64_t m_count = 0;
};

struct MetricsSeries {
    std::uint64_t requests = 0;
    std::uint64_t status[6] = {}; // by class, [1] 1xx ... [5] 5xx
    LatencyHistogram total;       // first byte read to last byte written
    void merge(const MetricsSeries& o);
};

// One proxied request as the live-traffic view shows it.
struct RequestSample {
    double time = 0; // seconds since the epoch, at the end of the request
    std::string method, host, path, peer, routeId, serviceId, requestId;
    int status = 0;
    double latencyMs = 0;
    double upstreamMs = -1; // -1: no upstream was reached
};

struct MetricsWindow {
    // Routes seen in one window beyond this share one series (key "other").
    static constexpr std::size_t kMaxRoutes = 1000;
    // Requests kept per window and worker for the live view: a uniform sample (reservoir) of
    // the window's requests, so a busy second costs no more than a quiet one.
    static constexpr std::size_t kMaxSamples = 50;

    MetricsSeries all;
    LatencyHistogram upstream; // upstream: request sent to response head
    LatencyHistogram gateway;  // gateway: request head read to request sent upstream
    struct Route {
        std::string serviceId;
        MetricsSeries series;
    };
    // Looked up by string_view: a request already counted in this window allocates nothing.
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, Route, KeyHash, std::equal_to<>>
        byRoute; // by route id; "" = no route matched

    // upstreamMicros/gatewayMicros < 0: the request never reached an upstream.
    void record(std::string_view routeId, std::string_view serviceId, int status,
                std::int64_t totalMicros, std::int64_t upstreamMicros, std::int64_t gatewayMicros);
    // Offers a request to the sample; `make` builds it only when it is kept.
    template <class Make> void sample(Make make) {
        ++m_offered;
        if (samples.size() < kMaxSamples) {
            samples.push_back(make());
        } else if (const std::size_t slot = nextRandom() % m_offered; slot < kMaxSamples) {
            samples[slot] = make();
        }
    }
    std::vector<RequestSample> samples;

    void merge(const MetricsWindow& o);
    bool empty() const { return all.requests == 0; }
    // The `requests` event body: the sampled requests, oldest first.
    nlohmann::json samplesJson() const;
    // The `metrics` event body: counts, p50/p95/p99 in milliseconds, the busiest routes and
    // services (at most `top` each).
    nlohmann::json summary(std::size_t top = 20) const;

private:
    static std::size_t nextRandom();
    std::size_t m_offered = 0;
};

// One worker's metrics: `current` belongs to the worker thread; `flush()` (worker thread)
// moves it under the lock to where `take()` (main thread) finds it.
class WorkerMetrics {
public:
    MetricsWindow current;
    void flush();
    MetricsWindow take();

private:
    std::mutex m_mutex;
    MetricsWindow m_ready;
};

} // namespace portico::proxy
