// Router benchmark (not a test): match cost with 10 routes against 10,000 routes of a realistic
// mix (exact hosts, wildcard hosts, host-less prefixes, header/method routes, some regexes).
// Prints ns per match and the ratio; the target is 10,000 within 2x of 10.
#include "proxy/router.h"
#include "schema/schemas.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
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

double nsPerMatch(int routes) {
    std::vector<json> list;
    for (int i = 0; i < routes; ++i)
        list.push_back(routeFor(i));
    const auto buildStart = std::chrono::steady_clock::now();
    auto router = proxy::Router::build(list);
    const double buildMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - buildStart)
            .count();
    if (!router) {
        std::fprintf(stderr, "build failed: %s\n", router.error().message.c_str());
        return -1;
    }
    std::mt19937 rng(42);
    auto probes = probesFor(routes, rng);
    const std::vector<std::pair<std::string, std::string>> headers = {{"x-version", "2"},
                                                                      {"user-agent", "bench"}};
    std::size_t matched = 0;
    const int rounds = 300;
    // Warm-up, then the median of five timed runs.
    std::vector<double> runs;
    for (int run = 0; run < 6; ++run) {
        auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < rounds; ++r)
            for (const auto& p : probes) {
                proxy::MatchRequest req{"http", "GET", p.host, 80, p.path, "", &headers};
                matched += (*router)->match(req).route != nullptr;
            }
        auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                      .count();
        if (run > 0)
            runs.push_back(ns / (static_cast<double>(rounds) * static_cast<double>(probes.size())));
    }
    std::sort(runs.begin(), runs.end());
    std::printf("%6d routes: %8.1f ns/match (median of 5), %zu matches, built in %.1f ms\n", routes,
                runs[2], matched, buildMs);
    return runs[2];
}

} // namespace

int main(int argc, char** argv) {
    // "router_bench N" measures N routes alone (for a profiler).
    if (argc > 1) return nsPerMatch(std::atoi(argv[1])) > 0 ? 0 : 1;
    const double small = nsPerMatch(10);
    const double large = nsPerMatch(10000);
    std::printf("ratio 10000/10 routes: %.2fx (target <= 2x)\n", large / small);
    return 0;
}
