// Router benchmark (not a test): match cost with 10 routes against 10,000 routes of a realistic
// mix (exact hosts, wildcard hosts, host-less prefixes, header/method routes, some regexes).
// Prints ns per match and the ratio; the target is 10,000 within 2x of 10.
#include "proxy/router.h"
#include "schema/schemas.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

using nlohmann::json;
using namespace portico;

namespace {

json routeFor(int i) {
    const int kind = i % 20;
    json r;
    if (kind < 8) {
        r = {{"hosts", {"svc" + std::to_string(i) + ".example.com"}},
             {"paths", {"/api/" + std::to_string(i % 50)}}};
    } else if (kind < 14) {
        r = {{"paths",
              {"/team" + std::to_string(i % 97) + "/service" + std::to_string(i) + "/v" +
               std::to_string(i % 3)}}};
    } else if (kind < 18) {
        r = {{"hosts", {"*.tenant" + std::to_string(i) + ".example.net"}}, {"paths", {"/"}}};
    } else if (kind < 19) {
        r = {{"paths", {"/h" + std::to_string(i)}},
             {"methods", {"GET", "POST"}},
             {"headers", {{"x-version", {"2"}}}}};
    } else {
        r = {{"paths", {"~/orders/" + std::to_string(i) + "/(?P<id>\\d+)$"}}};
    }
    auto v = schema::findSchema("routes")->validate(r, schema::WriteMode::Insert, nullptr,
                                                    {false, 1000.0 + i});
    return *v;
}

struct Probe {
    std::string host, path;
};

std::vector<Probe> probesFor(int n, std::mt19937& rng) {
    std::vector<Probe> out;
    std::uniform_int_distribution<int> pick(0, n - 1);
    for (int k = 0; k < 1000; ++k) {
        const int i = pick(rng);
        const int kind = i % 20;
        if (kind < 8)
            out.push_back({"svc" + std::to_string(i) + ".example.com",
                           "/api/" + std::to_string(i % 50) + "/items/7"});
        else if (kind < 14)
            out.push_back({"www.example.org", "/team" + std::to_string(i % 97) + "/service" +
                                                  std::to_string(i) + "/v" + std::to_string(i % 3) +
                                                  "/x"});
        else if (kind < 18)
            out.push_back({"a.tenant" + std::to_string(i) + ".example.net", "/dashboard"});
        else if (kind < 19)
            out.push_back({"www.example.org", "/h" + std::to_string(i)});
        else
            out.push_back({"www.example.org", "/orders/" + std::to_string(i) + "/12345"});
        if (k % 10 == 0) out.push_back({"unknown.test", "/no/such/route"});
    }
    return out;
}

// One router and its probe requests; timed() runs the probes `rounds` times and returns the
// mean time per match.
struct Bench {
    int routes = 0;
    std::shared_ptr<const proxy::Router> router;
    std::vector<Probe> probes;
    double buildMs = 0;
    std::size_t matched = 0;

    explicit Bench(int n) : routes(n) {
        std::vector<json> list;
        for (int i = 0; i < n; ++i)
            list.push_back(routeFor(i));
        const auto buildStart = std::chrono::steady_clock::now();
        auto built = proxy::Router::build(list);
        buildMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - buildStart)
                .count();
        if (!built) {
            std::fprintf(stderr, "build failed: %s\n", built.error().message.c_str());
            std::exit(1);
        }
        router = std::move(*built);
        std::mt19937 rng(42);
        probes = probesFor(n, rng);
    }

    double timed(int rounds = 300) {
        const std::vector<proxy::FieldView> headers = {{"X-Version", "2"}, {"User-Agent", "bench"}};
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < rounds; ++r)
            for (const auto& p : probes) {
                proxy::MatchRequest req{"http", "GET", p.host, 80, p.path, "", headers};
                matched += router->match(req).route != nullptr;
            }
        const auto ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count();
        return ns / (static_cast<double>(rounds) * static_cast<double>(probes.size()));
    }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    // "router_bench N" measures N routes alone (for a profiler).
    if (argc > 1) {
        Bench only(std::atoi(argv[1]));
        for (int run = 0; run < 5; ++run)
            std::printf("%6d routes: %8.1f ns/match\n", only.routes, only.timed());
        return 0;
    }
    // The two sizes are timed alternately, so that both see the same stretch of the machine's
    // speed, which on a shared VM drifts within seconds; the ratio is taken within each round.
    Bench small(10), large(10000);
    small.timed(), large.timed(); // warm-up
    std::vector<double> smallNs, largeNs, ratios;
    for (int round = 0; round < 9; ++round) {
        smallNs.push_back(small.timed());
        largeNs.push_back(large.timed());
        ratios.push_back(largeNs.back() / smallNs.back());
    }
    for (const Bench* b : {&small, &large})
        std::printf("%6d routes: %8.1f ns/match (median of 9), %zu matches, built in %.1f ms\n",
                    b->routes, median(b == &small ? smallNs : largeNs), b->matched, b->buildMs);
    std::printf("ratio 10000/10 routes: %.2fx per round (median of 9, %.2f-%.2f) (target <= 2x)\n",
                median(ratios), *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()));
    return 0;
}
