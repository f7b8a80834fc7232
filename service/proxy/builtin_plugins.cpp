#include "proxy/builtin_plugins.h"

#include "core/hex.h"
#include "core/text.h"
#include "model/entity_fields.h"
#include "plugins/plugin_names.h"

#include <map>
#include <openssl/rand.h>
#include <random>

namespace portico::proxy {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Request ids need to be unique, not secret: a per-thread generator seeded once from the
// CSPRNG avoids a locked RAND_bytes call per request.
void newRequestId(RequestId& id) {
    thread_local std::mt19937_64 gen = [] {
        std::uint64_t seed = 0;
        RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
        return std::mt19937_64(seed);
    }();
    std::uint64_t words[2] = {gen(), gen()};
    static_assert(2 * sizeof words == RequestId::kMaxSize);
    toHex(reinterpret_cast<const unsigned char*>(words), sizeof words, id.buffer());
    id.resize(RequestId::kMaxSize);
}

long long millis(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// The `headers` setting: a request id to the upstream and back, and the latency headers.
// Runs before every other plugin (its id is there for them to log).
class ResponseHeaders final : public Plugin {
public:
    explicit ResponseHeaders(ChainOptions o) : m_options(o) {}
    std::string_view name() const override { return "portico-headers"; }
    int priority() const override { return 1000000; }
    unsigned phases() const override { return Rewrite | HeaderFilter; }

    PhaseResult rewrite(RequestContext& r) const override {
        if (m_options.requestIdHeader) {
            newRequestId(r.requestId);
            r.request->set("X-Portico-Request-Id", r.requestId.view());
        }
        return {};
    }

    void headerFilter(RequestContext& r) const override {
        if (m_options.latencyHeaders && r.upstreamHeaders != Clock::time_point{}) {
            r.response->set("X-Portico-Upstream-Latency",
                            NumberText(millis(r.upstreamHeaders - r.upstreamStarted)));
            r.response->set("X-Portico-Proxy-Latency",
                            NumberText(millis(r.upstreamStarted - r.started)));
        }
        if (!r.requestId.empty()) r.response->set("X-Portico-Request-Id", r.requestId.view());
    }

private:
    ChainOptions m_options;
};

// A configured plugin this build has no implementation for.
class Unavailable final : public Plugin {
public:
    Unavailable(std::string name, std::string id, int priority)
        : m_name(std::move(name)), m_id(std::move(id)), m_priority(priority) {}
    std::string_view name() const override { return m_name; }
    std::string_view instanceId() const override { return m_id; }
    int priority() const override { return m_priority; }
    unsigned phases() const override { return Access; }
    PhaseResult access(RequestContext&) const override {
        return PhaseResult::answer(500, R"({"message":"An unexpected error occurred"})");
    }

private:
    std::string m_name;
    std::string m_id;
    int m_priority;
};

} // namespace

CompiledChains buildChains(const std::vector<json>& routes, const std::vector<json>& plugins,
                           const ChainOptions& options) {
    CompiledChains out;
    std::vector<std::shared_ptr<const Plugin>> builtins;
    if (options.latencyHeaders || options.requestIdHeader)
        builtins.push_back(std::make_shared<ResponseHeaders>(options));

    // Instances by scope; each enabled, consumer-free instance compiled once.
    struct Instance {
        std::string route, service;
        std::shared_ptr<const Plugin> plugin;
    };
    std::map<std::string, std::vector<Instance>> byName;
    for (const auto& p : plugins) {
        if (!p.value("enabled", true) || !model::foreignId(p, "consumer").empty()) continue;
        const std::string name = p.value("name", "");
        const auto* info = plugins::findPlugin(name);
        auto plugin =
            std::make_shared<Unavailable>(name, p.value("id", ""), info ? info->priority : 0);
        out.warnings.push_back("plugin '" + name + "' (" + p.value("id", "") +
                               ") is configured but not available in this build; the requests "
                               "it applies to are refused with 500");
        byName[name].push_back(
            {model::foreignId(p, "route"), model::foreignId(p, "service"), std::move(plugin)});
    }
    // 0 = global, 1 = service, 2 = route, 3 = route+service.
    auto specificity = [](const Instance& i, const std::string& route, const std::string& svc) {
        if (!i.route.empty() && i.route != route) return -1;
        if (!i.service.empty() && i.service != svc) return -1;
        return (i.route.empty() ? 0 : 2) + (i.service.empty() ? 0 : 1);
    };
    auto chainFor = [&](const std::string& route, const std::string& svc) {
        std::vector<std::shared_ptr<const Plugin>> list = builtins;
        for (const auto& [name, instances] : byName) {
            const Instance* best = nullptr;
            int bestScore = -1;
            for (const auto& i : instances) {
                const int score = specificity(i, route, svc);
                if (score > bestScore) {
                    bestScore = score;
                    best = &i;
                }
            }
            if (best) list.push_back(best->plugin);
        }
        return PluginChain(std::move(list));
    };
    out.global = chainFor({}, {});
    for (const auto& r : routes) {
        const std::string id = r.value("id", "");
        out.byRoute.emplace(id, chainFor(id, model::foreignId(r, "service")));
    }
    return out;
}

} // namespace portico::proxy
