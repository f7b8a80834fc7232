#include "admin/admin_api.h"

#include "admin/body_decoder.h"
#include "admin/responses.h"
#include "plugins/plugin_names.h"
#include "schema/schemas.h"
#include "store/store.h"

#include <charconv>

namespace portico::admin {

using json = nlohmann::json;
using schema::EntitySchema;

namespace {

struct Nesting {
    const char* parent;
    const char* child;
    const char* field; // the child's foreign field
};

const Nesting kNested[] = {
    {"services", "routes", "service"},    {"services", "plugins", "service"},
    {"routes", "plugins", "route"},       {"consumers", "plugins", "consumer"},
    {"upstreams", "targets", "upstream"}, {"certificates", "snis", "certificate"},
};

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start < path.size()) {
        auto slash = path.find('/', start);
        out.push_back(
            path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    while (!out.empty() && out.back().empty())
        out.pop_back();
    return out;
}

} // namespace

AdminApi::AdminApi(store::Store& store, EventHub& events, NodeInfo info)
    : m_store(store), m_events(events), m_info(std::move(info)) {}

HttpResponse AdminApi::handle(const HttpRequest& req) {
    const Segments seg = segments(req.path);
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (seg.empty()) return get ? nodeInfo() : methodNotAllowed();
    const std::string& head = seg[0];
    if (head == "status" && seg.size() == 1) return get ? status() : methodNotAllowed();
    if (head == "status" && seg.size() == 2 && seg[1] == "ready") {
        if (!get) return methodNotAllowed();
        if (m_onReady && !m_onReady())
            return messageResponse(503, "no configuration is being served yet");
        return messageResponse(200, "ready");
    }
    if (head == "metrics" && seg.size() == 1) {
        if (!get) return methodNotAllowed();
        HttpResponse r;
        r.status = 200;
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.body = m_onMetrics ? m_onMetrics() : std::string();
        return r;
    }
    if (head == "endpoints" && seg.size() == 1) return get ? endpoints() : methodNotAllowed();
    if (head == "router" && seg.size() == 2 && seg[1] == "match") {
        if (req.method != "POST") return methodNotAllowed();
        auto body = decodeBody(req);
        if (!body) return errorResponse(body.error());
        if (!m_onMatch) return messageResponse(503, "this node runs no proxy");
        auto answer = m_onMatch(body->value);
        if (!answer) return errorResponse(answer.error());
        return jsonResponse(200, *answer);
    }
    if (head == "schemas") return schemas(req, seg);
    if (head == "tags") return tags(req, seg);
    if (head == "events" && seg.size() == 1) return get ? events(req) : methodNotAllowed();
    if (head == "config") {
        if (seg.size() == 1) return config(req);
        if (seg.size() == 2 && seg[1] == "history")
            return get ? configHistory(req) : methodNotAllowed();
        if (seg.size() == 2 && seg[1] == "rollback")
            return req.method == "POST" ? configRollback(req) : methodNotAllowed();
        return notFound();
    }
    if (head == "plugins" && seg.size() == 2 && seg[1] == "enabled") {
        if (!get) return methodNotAllowed();
        json names = json::array();
        for (const auto& p : plugins::knownPlugins())
            names.push_back(std::string(p.name));
        return jsonResponse(200, json{{"enabled_plugins", names}});
    }

    const EntitySchema* s = schema::findSchema(head);
    if (!s) return notFound();
    if (seg.size() == 1) return collection(req, *s, {});
    if (seg.size() == 2) return item(req, *s, seg[1], {});

    auto parent = m_store.get(*s, seg[1]);
    if (!parent) return errorResponse(parent.error());
    if (head == "routes" && seg[2] == "service" && seg.size() == 3) {
        // The service a route points at, addressed through the route.
        const EntitySchema& services = *schema::findSchema("services");
        if ((*parent)["service"].is_null()) return notFound();
        const std::string serviceId = (*parent)["service"]["id"].get<std::string>();
        if (req.method == "GET" || req.method == "PATCH" || req.method == "PUT")
            return item(req, services, serviceId, {});
        return methodNotAllowed();
    }
    if (head == "upstreams" && seg.size() == 3 && seg[2] == "health")
        return get ? upstreamHealth(req, *parent) : methodNotAllowed();
    if (head == "upstreams" && (seg.size() == 5 || seg.size() == 6) && seg[2] == "targets" &&
        (seg.back() == "healthy" || seg.back() == "unhealthy")) {
        if (req.method != "PUT" && req.method != "POST") return methodNotAllowed();
        return setTargetHealth(*parent, seg[3], seg.size() == 6 ? seg[4] : std::string(),
                               seg.back() == "healthy");
    }
    for (const auto& n : kNested) {
        if (head != n.parent || seg[2] != n.child) continue;
        const Scope scope{s, *parent, n.field};
        const EntitySchema& child = *schema::findSchema(n.child);
        if (seg.size() == 3) return collection(req, child, scope);
        if (seg.size() == 4) return item(req, child, seg[3], scope);
    }
    return notFound();
}

HttpResponse AdminApi::nodeInfo() {
    json plugins = json::array();
    for (const auto& p : plugins::knownPlugins())
        plugins.push_back(std::string(p.name));
    return jsonResponse(200, json{
                                 {"tagline", "Welcome to portico"},
                                 {"version", m_info.version},
                                 {"node_id", m_info.nodeId},
                                 {"hostname", m_info.hostname},
                                 {"role", m_info.role},
                                 {"prefix", m_info.prefix},
                                 {"configuration", m_info.configuration},
                                 {"plugins", {{"available_on_server", plugins}}},
                             });
}

HttpResponse AdminApi::status() {
    json counts = json::object();
    for (const auto* s : schema::allSchemas()) {
        auto n = m_store.count(*s);
        if (!n) return errorResponse(n.error());
        counts[s->name] = *n;
    }
    json out = {
        {"version", m_info.version},
        {"role", m_info.role},
        {"node_id", m_info.nodeId},
        {"revision", m_store.revision()},
        {"configuration_hash", configHash()},
        {"uptime_seconds", static_cast<std::int64_t>(now() - m_info.startedAt)},
        {"entities", counts},
        {"database", {{"reachable", true}}},
        {"events", {{"subscribers", m_events.subscribers()}}},
    };
    if (m_onStatus) {
        const json extra = m_onStatus();
        for (const auto& [k, v] : extra.items())
            out[k] = v;
    }
    return jsonResponse(200, out);
}

HttpResponse AdminApi::endpoints() {
    json list = json::array({"/", "/status", "/status/ready", "/metrics", "/endpoints", "/config",
                             "/config/history", "/config/rollback", "/events", "/router/match",
                             "/tags", "/tags/{tag}", "/plugins/enabled", "/schemas/{entity}",
                             "/schemas/{entity}/validate"});
    for (const auto* s : schema::allSchemas()) {
        list.push_back("/" + s->name);
        list.push_back("/" + s->name + "/{" + s->name + "}");
    }
    for (const auto& n : kNested) {
        list.push_back(std::string("/") + n.parent + "/{" + n.parent + "}/" + n.child);
        list.push_back(std::string("/") + n.parent + "/{" + n.parent + "}/" + n.child + "/{" +
                       n.child + "}");
    }
    list.push_back("/routes/{routes}/service");
    list.push_back("/upstreams/{upstreams}/health");
    list.push_back("/upstreams/{upstreams}/targets/{targets}/healthy");
    list.push_back("/upstreams/{upstreams}/targets/{targets}/unhealthy");
    list.push_back("/upstreams/{upstreams}/targets/{targets}/{address}/healthy");
    list.push_back("/upstreams/{upstreams}/targets/{targets}/{address}/unhealthy");
    return jsonResponse(200, json{{"data", list}});
}

HttpResponse AdminApi::schemas(const HttpRequest& req, const Segments& seg) {
    if (seg.size() < 2 || seg.size() > 3) return notFound();
    const EntitySchema* s = schema::findSchema(seg[1]);
    if (!s) return notFound();
    if (seg.size() == 2) {
        if (req.method != "GET") return methodNotAllowed();
        return jsonResponse(200, s->describe());
    }
    if (seg[2] != "validate") return notFound();
    if (req.method != "POST") return methodNotAllowed();
    auto body = decodeBody(req);
    if (!body) return errorResponse(body.error());
    auto valid =
        s->validate(body->value, schema::WriteMode::Insert, nullptr, {body->fromForm, now()});
    if (!valid) return errorResponse(valid.error());
    return jsonResponse(200, json{{"message", "schema validation successful"}});
}

HttpResponse AdminApi::tags(const HttpRequest& req, const Segments& seg) {
    if (req.method != "GET") return methodNotAllowed();
    if (seg.size() > 2) return notFound();
    json data = json::array();
    for (const auto* s : schema::allSchemas()) {
        auto all = m_store.all(*s);
        if (!all) return errorResponse(all.error());
        for (const auto& e : *all) {
            if (!e.contains("tags") || !e["tags"].is_array()) continue;
            for (const auto& t : e["tags"])
                if (seg.size() == 1 || t == seg[1])
                    data.push_back({{"tag", t}, {"entity_name", s->name}, {"entity_id", e["id"]}});
        }
    }
    return jsonResponse(200, json{{"data", data}, {"next", nullptr}});
}

HttpResponse AdminApi::events(const HttpRequest& req) {
    std::int64_t last = -1;
    const std::string* header = req.header("last-event-id");
    if (!header) header = req.queryValue("last_event_id");
    if (header) {
        auto [p, ec] = std::from_chars(header->data(), header->data() + header->size(), last);
        if (ec != std::errc() || p != header->data() + header->size() || last < 0)
            return messageResponse(400, "Last-Event-ID must be a non-negative integer");
    }
    HttpResponse r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    r.events = m_events.subscribe(last);
    return r;
}

} // namespace portico::admin
