#pragma once
// The Admin API: Kong-compatible entity endpoints plus Portico's /config, /events and /status.
// Transport-independent: the local socket and TCP listeners hand it parsed requests. Owned by
// the main thread; handle() runs there, as do the store writes it makes.

#include "admin/event_hub.h"
#include "admin/http_message.h"
#include "core/error.h"
#include "core/expected.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::store {
class Store;
struct WriteResult;
} // namespace portico::store

namespace portico::schema {
struct EntitySchema;
}

namespace portico::admin {

struct NodeInfo {
    std::string version;
    std::string role;
    std::string nodeId;
    std::string hostname;
    std::string prefix;
    double startedAt = 0;
    nlohmann::json configuration; // effective settings shown by GET /
};

class AdminApi {
public:
    AdminApi(store::Store& store, EventHub& events, NodeInfo info);

    HttpResponse handle(const HttpRequest& req);

    // Replaces the whole configuration from a declarative document (POST /config and the
    // declarative_config setting). dryRun computes the diff only; skipIfUnchanged writes
    // nothing when the document hashes like the current configuration.
    Expected<nlohmann::json, Error> applyDeclarative(const nlohmann::json& doc,
                                                     const std::string& actor, bool dryRun,
                                                     bool skipIfUnchanged = false);
    std::string configHash();
    nlohmann::json exportConfig();

    // Called on the main thread after every committed write, with the new revision (the proxy
    // rebuilds its snapshot from it).
    void onCommit(std::function<void(std::int64_t revision)> callback) {
        m_onCommit = std::move(callback);
    }
    // Extra sections for GET /status (the proxy's live counters), called on the main thread.
    void onStatus(std::function<nlohmann::json()> callback) { m_onStatus = std::move(callback); }

    // Node-local health of upstream targets, kept by the proxy. Main thread.
    struct HealthHooks {
        // {"balancer": "HEALTHY"|"UNHEALTHY"|"HEALTHCHECKS_OFF", "targets": {target id:
        // {"health": same, "addresses": [{ip, port, health, weight}]}}} for the upstream's
        // serving targets; null when the proxy does not know the upstream.
        std::function<nlohmann::json(const std::string& upstreamId)> report;
        // Sets a target's state by id, or one of its resolved addresses' ("ip:port") when
        // `address` is not empty; false when the proxy does not know it.
        std::function<bool(const std::string& upstreamId, const std::string& targetId,
                           const std::string& address, bool healthy)>
            set;
    };
    void onHealth(HealthHooks hooks) { m_health = std::move(hooks); }
    // GET /status/ready: whether the proxy serves a configuration. Main thread.
    void onReady(std::function<bool()> callback) { m_onReady = std::move(callback); }
    // GET /metrics: the proxy's counters in Prometheus' text format. Main thread.
    void onMetrics(std::function<std::string()> callback) { m_onMetrics = std::move(callback); }
    // POST /router/match: the route the proxy would pick for a described request (the
    // console's "test a request"). Main thread.
    void onMatch(std::function<Expected<nlohmann::json, Error>(const nlohmann::json&)> callback) {
        m_onMatch = std::move(callback);
    }

private:
    using json = nlohmann::json;
    using Segments = std::vector<std::string>;

    HttpResponse nodeInfo();
    HttpResponse status();
    HttpResponse endpoints();
    HttpResponse schemas(const HttpRequest& req, const Segments& seg);
    HttpResponse tags(const HttpRequest& req, const Segments& seg);
    HttpResponse events(const HttpRequest& req);
    HttpResponse config(const HttpRequest& req);
    HttpResponse configHistory(const HttpRequest& req);
    HttpResponse configRollback(const HttpRequest& req);
    HttpResponse upstreamHealth(const HttpRequest& req, const json& upstream);
    HttpResponse setTargetHealth(const json& upstream, const std::string& target,
                                 const std::string& address, bool healthy);

    // Entity endpoints; `parentField`/`parent` are set on nested paths.
    struct Scope {
        const schema::EntitySchema* parentSchema = nullptr;
        json parent;             // the parent entity, resolved
        std::string parentField; // the child's foreign field naming the parent
    };
    HttpResponse collection(const HttpRequest& req, const schema::EntitySchema& s,
                            const Scope& scope);
    HttpResponse item(const HttpRequest& req, const schema::EntitySchema& s, const std::string& key,
                      const Scope& scope);
    Expected<json, Error> findInScope(const schema::EntitySchema& s, const std::string& key,
                                      const Scope& scope);
    Expected<json, Error> writeEntity(const HttpRequest& req, const schema::EntitySchema& s,
                                      json input, const json* existing, bool fromForm,
                                      const Scope& scope);
    json present(const schema::EntitySchema& s, json entity);
    void publish(const store::WriteResult& result);
    double now() const;

    store::Store& m_store;
    EventHub& m_events;
    NodeInfo m_info;
    std::function<void(std::int64_t)> m_onCommit;
    std::function<nlohmann::json()> m_onStatus;
    HealthHooks m_health;
    std::function<bool()> m_onReady;
    std::function<std::string()> m_onMetrics;
    std::function<Expected<nlohmann::json, Error>(const nlohmann::json&)> m_onMatch;
    std::int64_t m_hashRevision = -1;
    std::string m_hash;
};

} // namespace portico::admin
