// Router benchmark (not a test): match cost with 10 routes against 10,000 routes of a realistic
// mix (exact hosts, wildcard hosts, host-less prefixes, header/method routes, some regexes).
// Both sizes are sent the same kinds of request in the same proportions, so that the ratio
// shows what the number of routes costs and not which kinds of route a small config happens
// to lack. Prints ns per match, per kind and overall, and the ratio; the target is
// 10,000 within 2x of 10.
#include "proxy/router.h"
#include "schema/schemas.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

using nlohmann::json;
using namespace portico;

namespace {

enum Kind { kHost, kPrefix, kWildcard, kHeader, kRegex, kMiss, kKinds };
constexpr const char* kKindNames[kKinds] = {"exact host", "prefix", "wildcard",
                                            "header",     "regex",  "no match"};

// Route i's kind; of every 20 routes 8 have an exact host, 6 only a prefix, 4 a wildcard host,
// 1 a method and a header, 1 a regex.
Kind kindOf(int i) {
    const int k = i % 20;
    return k < 8 ? kHost : k < 14 ? kPrefix : k < 18 ? kWildcard : k < 19 ? kHeader : kRegex;
}

json routeFor(int i) {
    json r;
    switch (kindOf(i)) {
    case kHost:
        r = {{"hosts", {"svc" + std::to_string(i) + ".example.com"}},
             {"paths", {"/api/" + std::to_string(i % 50)}}};
        break;
    case kPrefix:
        r = {{"paths",
              {"/team" + std::to_string(i % 97) + "/service" + std::to_string(i) + "/v" +
               std::to_string(i % 3)}}};
        break;
    case kWildcard:
        r = {{"hosts", {"*.tenant" + std::to_string(i) + ".example.net"}}, {"paths", {"/"}}};
        break;
    case kHeader:
        r = {{"paths", {"/h" + std::to_string(i)}},
             {"methods", {"GET", "POST"}},
             {"headers", {{"x-version", {"2"}}}}};
        break;
    default:
        r = {{"paths", {"~/orders/" + std::to_string(i) + "/(?P<id>\\d+)$"}}};
    }
    auto v = schema::findSchema("routes")->validate(r, schema::WriteMode::Insert, nullptr,
                                                    {false, 1000.0 + i});
    return *v;
}

struct Probe {
    std::string host, path;
    Kind kind;
};

Probe probeFor(int i) {
    switch (kindOf(i)) {
    case kHost:
        return {"svc" + std::to_string(i) + ".example.com",
                "/api/" + std::to_string(i % 50) + "/items/7", kHost};
    case kPrefix:
        return {"www.example.org",
                "/team" + std::to_string(i % 97) + "/service" + std::to_string(i) + "/v" +
                    std::to_string(i % 3) + "/x",
                kPrefix};
    case kWildcard:
        return {"a.tenant" + std::to_string(i) + ".example.net", "/dashboard", kWildcard};
    case kHeader:
        return {"www.example.org", "/h" + std::to_string(i), kHeader};
    default:
        return {"www.example.org", "/orders/" + std::to_string(i) + "/12345", kRegex};
    }
}

// 1,100 requests: the kinds in the proportions of the routes (drawn as for a random route of
// the 20-route cycle), each aimed at a random configured route of that kind, and every 11th a
// request no route matches.
std::vector<Probe> probesFor(const std::vector<int>& routes, std::mt19937& rng) {
    std::array<std::vector<int>, kKinds> byKind;
    for (int i : routes)
        byKind[kindOf(i)].push_back(i);
    std::vector<Probe> out;
    std::uniform_int_distribution<int> cycle(0, 19);
    for (int k = 0; k < 1000; ++k) {
        const auto& pool = byKind[kindOf(cycle(rng))];
        if (pool.empty()) { // a kind the config lacks: draw again
            --k;
            continue;
        }
        out.push_back(
            probeFor(pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)]));
        if (k % 10 == 0) out.push_back({"unknown.test", "/no/such/route", kMiss});
    }
    return out;
}

// One router and its probe requests; timed() runs the probes (those of one kind, or all)
// `rounds` times and returns the mean time per match.
struct Bench {
    std::size_t routes = 0;
    std::shared_ptr<const proxy::Router> router;
    std::vector<Probe> probes;
    double buildMs = 0;
    std::size_t matched = 0; // read by nobody: keeps the matches from being optimized out

    explicit Bench(const std::vector<int>& indices) : routes(indices.size()) {
        std::vector<json> list;
        for (int i : indices)
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
        probes = probesFor(indices, rng);
        // A bench whose requests missed their routes would time the wrong path.
        const std::vector<proxy::FieldView> headers = {{"X-Version", "2"}};
        for (const auto& p : probes) {
            proxy::MatchRequest req{"http", "GET", p.host, 80, p.path, "", headers};
            if ((router->match(req).route != nullptr) != (p.kind != kMiss)) {
                std::fprintf(stderr, "%s%s: unexpected match result\n", p.host.c_str(),
                             p.path.c_str());
                std::exit(1);
            }
        }
    }

    double timed(int kind = kKinds, int rounds = 300) {
        const std::vector<proxy::FieldView> headers = {{"X-Version", "2"}, {"User-Agent", "bench"}};
        std::vector<const Probe*> sent;
        for (const auto& p : probes)
            if (kind == kKinds || p.kind == kind) sent.push_back(&p);
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < rounds; ++r)
            for (const Probe* p : sent) {
                proxy::MatchRequest req{"http", "GET", p->host, 80, p->path, "", headers};
                matched += router->match(req).route != nullptr;
            }
        const auto ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count();
        return ns / (static_cast<double>(rounds) * static_cast<double>(sent.size()));
    }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::vector<int> firstRoutes(int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i)
        out.push_back(i);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    // "router_bench N" measures N routes alone (for a profiler).
    if (argc > 1) {
        Bench only(firstRoutes(std::atoi(argv[1])));
        for (int run = 0; run < 5; ++run)
            std::printf("%6zu routes: %8.1f ns/match\n", only.routes, only.timed());
        return 0;
    }
    // Ten routes with every kind in about the large config's proportions: 4 exact hosts,
    // 2 prefixes, 2 wildcards, 1 header route, 1 regex.
    Bench small({0, 1, 2, 3, 8, 9, 14, 15, 18, 19}), large(firstRoutes(10000));
    // The first ten routes have only exact hosts and prefixes, the cheapest kinds to match, and
    // are asked for nothing else: what this bench compared before, kept for reference.
    Bench firstTen(firstRoutes(10));
    // The sizes are timed alternately, so that both see the same stretch of the machine's
    // speed, which on a shared VM drifts within seconds; the ratio is taken within each round.
    auto alternate = [](Bench& a, Bench& b, const char* label) {
        a.timed(), b.timed(); // warm-up
        std::vector<double> aNs, bNs, ratios;
        for (int round = 0; round < 9; ++round) {
            aNs.push_back(a.timed());
            bNs.push_back(b.timed());
            ratios.push_back(bNs.back() / aNs.back());
        }
        std::printf("%s: %.1f ns/match against %.1f (medians of 9): %.2fx per round (median, "
                    "%.2f-%.2f)\n",
                    label, median(bNs), median(aNs), median(ratios),
                    *std::min_element(ratios.begin(), ratios.end()),
                    *std::max_element(ratios.begin(), ratios.end()));
    };
    std::printf("built in %.1f ms (10,000 routes), %.2f ms (10 routes)\n", large.buildMs,
                small.buildMs);
    alternate(small, large, "10,000 routes / 10 routes, same request mix (target <= 2x)");
    alternate(firstTen, large, "10,000 routes / first 10 routes (exact hosts, prefixes only)");
    std::printf("per kind of request, alone:    10 routes  10,000 routes\n");
    // Each kind alone (its few requests stay in cache, unlike in the mixed run above).
    for (int kind = 0; kind < kKinds; ++kind) {
        std::vector<double> s, l;
        for (int round = 0; round < 5; ++round) {
            s.push_back(small.timed(kind));
            l.push_back(large.timed(kind));
        }
        std::printf("  %-10s %7.1f ns  %7.1f ns  %.2fx\n", kKindNames[kind], median(s), median(l),
                    median(l) / median(s));
    }
    return 0;
}
