#pragma once
// Live proxy counters, one block per worker (its own cache line): the worker increments with
// relaxed atomics, the main thread sums them for /status. No lock on the request path.

#include <atomic>
#include <cstdint>

namespace portico::proxy {

struct alignas(64) ProxyStats {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> status[6]{}; // by class: [1] 1xx ... [5] 5xx
    std::atomic<std::uint64_t> connectionsAccepted{0};
    std::atomic<std::int64_t> connectionsActive{0};
    std::atomic<std::uint64_t> tlsHandshakeFailures{0};

    void countStatus(int code) {
        const int cls = code / 100;
        if (cls >= 1 && cls <= 5) status[cls].fetch_add(1, std::memory_order_relaxed);
    }
};

struct ProxyTotals {
    std::uint64_t requests = 0;
    std::uint64_t status[6] = {};
    std::uint64_t connectionsAccepted = 0;
    std::int64_t connectionsActive = 0;
    std::uint64_t tlsHandshakeFailures = 0;
};

} // namespace portico::proxy
