// porticod: the gateway service (standalone role: Admin API and store; the proxy and the
// cluster roles join with their issues).
#include "admin/admin_api.h"
#include "admin/admin_server.h"
#include "admin/event_hub.h"
#include "admin/tokens.h"
#include "app/log.h"
#include "app/settings.h"
#include "declarative/declarative.h"
#include "model/uuid.h"
#include "proxy/config_snapshot.h"
#include "proxy/health_checker.h"
#include "proxy/proxy_server.h"
#include "proxy/route_probe.h"
#include "schema/schemas.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

extern char** environ;

namespace {

using namespace portico;
namespace fs = std::filesystem;

double nowSeconds() {
    using namespace std::chrono;
    return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

int fail(const std::string& message) {
    log::write(log::Level::Crit, "main", message);
    return 1;
}

std::string readFile(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The node id survives restarts, as Kong's does, so that a node keeps its identity.
std::string nodeId(const std::string& prefix) {
    const std::string path = prefix + "/node_id";
    bool ok = false;
    std::string id = readFile(path, ok);
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back())))
        id.pop_back();
    if (ok && model::isUuid(id)) return id;
    id = model::newUuid();
    std::ofstream(path) << id << "\n";
    return id;
}

std::string hostname() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string proxyListen(const app::Settings& s) {
    std::string out;
    for (const auto& a : s.proxyListen)
        out += (out.empty() ? "" : ", ") + a.text();
    return out.empty() ? "off" : out;
}

std::string headersText(const app::Settings& s) {
    if (!s.latencyHeaders && !s.requestIdHeader) return "off";
    if (s.latencyHeaders && s.requestIdHeader) return "latency_tokens, request_id";
    return s.latencyHeaders ? "latency_tokens" : "request_id";
}

int adminToken(const app::CommandLine& cli, store::Store& store) {
    const std::string sub = cli.args.empty() ? "" : cli.args[0];
    if (sub == "create" && cli.args.size() == 2) {
        const std::string token = admin::newToken();
        if (auto r = store.addToken(cli.args[1], admin::hashToken(token)); !r)
            return fail(r.error().message);
        std::cout << token << "\n";
        std::cerr << "Token '" << cli.args[1]
                  << "' created. It is shown only now; store it safely.\n";
        return 0;
    }
    if (sub == "list" && cli.args.size() == 1) {
        auto list = store.tokens();
        if (!list) return fail(list.error().message);
        for (const auto& t : *list)
            std::cout << t["name"].get<std::string>() << "\t" << t["created_at"] << "\n";
        return 0;
    }
    if (sub == "revoke" && cli.args.size() == 2) {
        auto r = store.removeToken(cli.args[1]);
        if (!r) return fail(r.error().message);
        if (!*r) return fail("no token named '" + cli.args[1] + "'");
        std::cerr << "Token '" << cli.args[1] << "' revoked.\n";
        return 0;
    }
    std::cerr << app::usage();
    return 2;
}

// GET /metrics in Prometheus' text format: the proxy's counters, the revision served and the
// health of each upstream target.
std::string metricsText(const proxy::ProxyTotals& t, const proxy::ConfigSnapshot* snap) {
    std::string out;
    auto metric = [&](const char* name, const char* type, const char* help) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    metric("portico_http_requests_total", "counter",
           "Requests the proxy answered, by status class.");
    for (int c = 1; c <= 5; ++c)
        out += "portico_http_requests_total{class=\"" + std::to_string(c) + "xx\"} " +
               std::to_string(t.status[c]) + "\n";
    metric("portico_connections_active", "gauge", "Client connections open now.");
    out += "portico_connections_active " + std::to_string(t.connectionsActive) + "\n";
    metric("portico_connections_accepted_total", "counter", "Client connections accepted.");
    out += "portico_connections_accepted_total " + std::to_string(t.connectionsAccepted) + "\n";
    metric("portico_tls_handshake_failures_total", "counter", "TLS handshakes that failed.");
    out += "portico_tls_handshake_failures_total " + std::to_string(t.tlsHandshakeFailures) + "\n";
    if (!snap) return out;
    metric("portico_config_revision", "gauge", "Configuration revision the proxy serves.");
    out += "portico_config_revision " + std::to_string(snap->revision) + "\n";
    metric("portico_upstream_target_health", "gauge", "1 when the target is healthy, else 0.");
    for (const auto& [name, up] : snap->upstreams)
        for (const auto& target : up.targets)
            out += "portico_upstream_target_health{upstream=\"" + name + "\",target=\"" +
                   target.address + "\"} " + (target.health->healthy() ? "1" : "0") + "\n";
    return out;
}

// The Admin API's view of target health: what the current snapshot's targets hold.
admin::AdminApi::HealthHooks upstreamHealthHooks(proxy::SnapshotHolder& snapshots) {
    auto word = [](bool checked, bool healthy) {
        return !checked && healthy ? "HEALTHCHECKS_OFF" : healthy ? "HEALTHY" : "UNHEALTHY";
    };
    admin::AdminApi::HealthHooks hooks;
    hooks.report = [&snapshots, word](const std::string& upstreamId) -> nlohmann::json {
        auto snap = snapshots.get();
        const proxy::UpstreamInfo* up = snap ? snap->upstreamById(upstreamId) : nullptr;
        if (!up) return nullptr;
        const bool checked = up->health.activeEnabled() || up->health.passiveEnabled();
        nlohmann::json targets = nlohmann::json::object();
        bool anyHealthy = false;
        for (const auto& t : up->targets) {
            const char* health = word(checked, t.health->healthy());
            // Kong's per-address detail: the resolved addresses of a host-name target, each
            // with its own health.
            nlohmann::json addresses = nlohmann::json::array();
            auto resolved = t.health->resolved.load();
            if (resolved && !resolved->empty())
                for (const auto& a : *resolved)
                    addresses.push_back({{"ip", a.ip},
                                         {"port", t.port},
                                         {"health", word(checked, a.health->healthy())},
                                         {"weight", t.weight}});
            else
                addresses.push_back(
                    {{"ip", t.host}, {"port", t.port}, {"health", health}, {"weight", t.weight}});
            targets[t.id] = {{"health", health}, {"addresses", addresses}};
            anyHealthy = anyHealthy || t.health->healthy();
        }
        const bool balancerUp = anyHealthy && (up->health.threshold <= 0 ||
                                               up->healthyWeightPercent() >= up->health.threshold);
        return {{"balancer", word(checked, balancerUp)}, {"targets", targets}};
    };
    hooks.set = [&snapshots](const std::string& upstreamId, const std::string& targetId,
                             const std::string& address, bool healthy) {
        auto snap = snapshots.get();
        const proxy::UpstreamInfo* up = snap ? snap->upstreamById(upstreamId) : nullptr;
        if (!up) return false;
        for (const auto& t : up->targets) {
            if (t.id != targetId) continue;
            if (address.empty()) {
                t.health->set(healthy);
                return true;
            }
            // One address ("ip:port", "[v6]:port" or the bare ip) of a host-name target.
            auto resolved = t.health->resolved.load();
            const std::string port = ":" + std::to_string(t.port);
            for (const auto& a : resolved ? *resolved : std::vector<proxy::ResolvedAddress>{}) {
                if (address != a.ip && address != a.ip + port && address != "[" + a.ip + "]" + port)
                    continue;
                a.health->set(healthy);
                t.health->refreshFromAddresses();
                return true;
            }
            return false;
        }
        return false;
    };
    return hooks;
}

} // namespace

int main(int argc, char** argv) {
    auto cli = app::parseCommandLine(argc, argv);
    if (!cli) {
        std::cerr << "porticod: " << cli.error() << "\n\n" << app::usage();
        return 2;
    }
    if (cli->help) {
        std::cout << app::usage();
        return 0;
    }
    if (cli->version) {
        std::cout << "porticod " << PORTICO_VERSION << "\n";
        return 0;
    }
    if (!cli->command.empty() && cli->command != "admin-token") {
        std::cerr << "porticod: unknown command '" << cli->command << "'\n\n" << app::usage();
        return 2;
    }
    auto settings = app::loadSettings(*cli, environ);
    if (!settings) return fail("invalid settings: " + settings.error());
    log::setLevel(settings->logLevel);
    if (settings->role != "standalone")
        return fail("role '" + settings->role +
                    "' is not available in this build yet: hybrid mode (control_plane, "
                    "data_plane) arrives with cluster sync; use role = standalone");

    std::error_code fsErr;
    fs::create_directories(settings->prefix, fsErr);
    if (fsErr) return fail("cannot create prefix " + settings->prefix + ": " + fsErr.message());
    fs::permissions(settings->prefix, fs::perms::others_all, fs::perm_options::remove, fsErr);

    auto store = store::Store::open(settings->storePath());
    if (!store) return fail("cannot open the configuration store: " + store.error().message);
    if (cli->command == "admin-token") return adminToken(*cli, **store);

    admin::NodeInfo info;
    info.version = PORTICO_VERSION;
    info.role = settings->role;
    info.nodeId = nodeId(settings->prefix);
    info.hostname = hostname();
    info.prefix = fs::absolute(settings->prefix).string();
    info.startedAt = nowSeconds();
    info.configuration = {
        {"prefix", info.prefix},
        {"role", settings->role},
        {"admin_listen", settings->adminListen ? settings->adminListen->text() : "off"},
        {"admin_socket", settings->adminSocket.empty() ? "off" : settings->adminSocket},
        {"worker_threads", settings->workerThreads},
        {"log_level", log::levelName(settings->logLevel)},
        {"proxy_listen", proxyListen(*settings)},
        {"status_listen", settings->statusListen ? settings->statusListen->text() : "off"},
        {"headers", headersText(*settings)},
        {"declarative_config", settings->declarativeConfig},
    };
    // Event ids from this start's time (µs): a Last-Event-ID from before a restart is not one of
    // them, and the client is told to reload rather than silently missing what changed.
    admin::EventHub events(1024, std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
    admin::AdminApi api(**store, events, info);

    if (!settings->declarativeConfig.empty() && (*store)->revision() == 0) {
        bool ok = false;
        std::string text = readFile(settings->declarativeConfig, ok);
        if (!ok) return fail("declarative_config: cannot read " + settings->declarativeConfig);
        auto doc = declarative::parseDocument(text);
        if (!doc)
            return fail("declarative_config " + settings->declarativeConfig + ": " +
                        doc.error().message);
        auto applied = api.applyDeclarative(*doc, "declarative_config", false);
        if (!applied)
            return fail("declarative_config " + settings->declarativeConfig + ": " +
                        applied.error().message);
        log::notice("main", "loaded " + settings->declarativeConfig + " into the empty store");
    }

    // The proxy serves from snapshots built on this thread after every committed revision.
    proxy::SnapshotHolder snapshots;
    proxy::HealthRegistry health;
    proxy::HealthChecker checker(proxy::DnsSettings{settings->dnsResolver, settings->dnsHostsFile});
    auto rebuild = [&](std::int64_t revision) {
        proxy::ConfigEntities entities;
        for (auto [name, list] :
             {std::pair{"services", &entities.services}, std::pair{"routes", &entities.routes},
              std::pair{"upstreams", &entities.upstreams}, std::pair{"targets", &entities.targets},
              std::pair{"certificates", &entities.certificates}, std::pair{"snis", &entities.snis},
              std::pair{"plugins", &entities.plugins},
              std::pair{"ca_certificates", &entities.caCertificates}}) {
            auto rows = (*store)->all(*schema::findSchema(name));
            if (!rows) {
                log::error("proxy", std::string("cannot read the ") + name + " for revision " +
                                        std::to_string(revision) + ": " + rows.error().message);
                return;
            }
            *list = std::move(*rows);
        }
        auto snap = proxy::ConfigSnapshot::build(
            revision, entities, &health,
            proxy::ChainOptions{settings->latencyHeaders, settings->requestIdHeader});
        if (!snap) {
            log::error("proxy", "revision " + std::to_string(revision) +
                                    " does not compile: " + snap.error().message);
            return;
        }
        for (const auto& w : (*snap)->chains.warnings)
            log::warn("proxy", w);
        snapshots.set(*snap);
        checker.update(*snap);
    };
    checker.start();
    rebuild((*store)->revision());
    api.onCommit(rebuild);
    api.onHealth(upstreamHealthHooks(snapshots));
    api.onMatch([&snapshots](const nlohmann::json& query) -> Expected<nlohmann::json, Error> {
        const auto snap = snapshots.get();
        if (!snap)
            return unexpected(
                Error::make(ErrorCode::BadRequest, "no configuration is being served yet"));
        return proxy::probeRoute(*snap, query);
    });

    boost::asio::io_context ioc(1);
    admin::AdminServer server(ioc, api, events, **store, *settings);
    if (auto err = server.start(); !err.empty()) return fail(err);
    proxy::ProxyServer proxyServer(*settings, snapshots);
    if (auto err = proxyServer.start(); !err.empty()) return fail(err);
    // Once a second: the workers' windows merged into the `metrics` event (live only: not kept
    // for Last-Event-ID replay) and the last second kept for /status.
    nlohmann::json lastSecond = nullptr;
    boost::asio::steady_timer metricsTimer(ioc);
    std::function<void()> metricsTick = [&] {
        metricsTimer.expires_after(std::chrono::seconds(1));
        metricsTimer.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            const proxy::ProxyTotals t = proxyServer.totals();
            const proxy::MetricsWindow window = proxyServer.takeMetrics();
            nlohmann::json m = window.summary();
            m["time"] = nowSeconds();
            m["connections"] = {{"active", t.connectionsActive},
                                {"accepted", t.connectionsAccepted}};
            events.publishLive("metrics", m);
            // A sample of the last second's requests, for live-traffic views.
            if (!window.samples.empty())
                events.publishLive("requests", {{"data", window.samplesJson()}});
            lastSecond = std::move(m);
            metricsTick();
        });
    };
    metricsTick();
    api.onReady([&snapshots] { return snapshots.get() != nullptr; });
    api.onMetrics([&proxyServer, &snapshots] {
        return metricsText(proxyServer.totals(), snapshots.get().get());
    });
    api.onStatus([&proxyServer, &lastSecond] {
        const proxy::ProxyTotals t = proxyServer.totals();
        return nlohmann::json{{"proxy",
                               {{"requests_total", t.requests},
                                {"responses",
                                 {{"1xx", t.status[1]},
                                  {"2xx", t.status[2]},
                                  {"3xx", t.status[3]},
                                  {"4xx", t.status[4]},
                                  {"5xx", t.status[5]}}},
                                {"connections_accepted", t.connectionsAccepted},
                                {"connections_active", t.connectionsActive},
                                {"tls_handshake_failures", t.tlsHandshakeFailures},
                                {"last_second", lastSecond}}}};
    });

    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    boost::asio::steady_timer drain(ioc);
    std::function<void()> waitDrained;
    std::chrono::steady_clock::time_point drainUntil; // set when a stop signal arrives
    waitDrained = [&] {
        if (server.activeSessions() == 0 || std::chrono::steady_clock::now() > drainUntil) {
            ioc.stop();
            return;
        }
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait([&](const boost::system::error_code&) { waitDrained(); });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        log::notice("main", std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                ", finishing in-flight requests");
        server.stop();
        proxyServer.stop();
        checker.stop();
        metricsTimer.cancel();
        drainUntil = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        waitDrained();
    });
    log::notice("main", "porticod " PORTICO_VERSION " started (role " + settings->role +
                            ", prefix " + info.prefix + ", revision " +
                            std::to_string((*store)->revision()) + ")");
    ioc.run();
    log::notice("main", "porticod stopped");
    return 0;
}
