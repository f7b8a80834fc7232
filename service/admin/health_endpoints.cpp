// GET /upstreams/{u}/health and PUT|POST /upstreams/{u}/targets/{t}[/{address}]/healthy|
// unhealthy: the node-local health the proxy keeps, in Kong's shapes.
#include "admin/admin_api.h"
#include "admin/responses.h"
#include "app/log.h"
#include "schema/schemas.h"
#include "store/store.h"

namespace portico::admin {

using nlohmann::json;

HttpResponse AdminApi::upstreamHealth(const HttpRequest& req, const json& upstream) {
    const std::string upstreamId = upstream["id"].get<std::string>();
    const json report = m_health.report ? m_health.report(upstreamId) : json();
    const json& states = report.is_object() ? report["targets"] : json();
    if (const std::string* v = req.queryValue("balancer_health"); v && *v == "1") {
        // The balancer as a whole; not yet served (no proxy snapshot): off.
        const std::string health = report.is_object() ? report["balancer"].get<std::string>()
                                                      : std::string("HEALTHCHECKS_OFF");
        return jsonResponse(200, json{{"data", {{"id", upstreamId}, {"health", health}}},
                                      {"node_id", m_info.nodeId}});
    }
    store::ListQuery q;
    q.size = 100000;
    q.foreignField = "upstream";
    q.foreignId = upstreamId;
    auto targets = m_store.list(*schema::findSchema("targets"), q);
    if (!targets) return errorResponse(targets.error());
    json data = json::array();
    for (auto& t : targets->data) {
        const std::string id = t["id"].get<std::string>();
        // A target with weight 0 is not served, so it has no health of its own.
        std::string health = "HEALTHCHECKS_OFF";
        json addresses = json::array();
        if (states.is_object() && states.contains(id)) {
            health = states[id]["health"].get<std::string>();
            addresses = states[id]["addresses"];
        }
        t["health"] = health;
        t["data"] = {{"addresses", addresses}};
        data.push_back(std::move(t));
    }
    return jsonResponse(200, json{{"data", data}, {"next", nullptr}, {"node_id", m_info.nodeId}});
}

HttpResponse AdminApi::setTargetHealth(const json& upstream, const std::string& key,
                                       const std::string& address, bool healthy) {
    const schema::EntitySchema& targets = *schema::findSchema("targets");
    const Scope scope{schema::findSchema("upstreams"), upstream, "upstream"};
    auto target = findInScope(targets, key, scope);
    if (!target) return errorResponse(target.error());
    const std::string targetId = (*target)["id"].get<std::string>();
    const std::string name = (*target)["target"].get<std::string>();
    if (!m_health.set ||
        !m_health.set(upstream["id"].get<std::string>(), targetId, address, healthy)) {
        if (!address.empty())
            return messageResponse(404, "address " + address + " is not one target " + name +
                                            " resolved to");
        return messageResponse(400,
                               "target " + name + " is not served (weight 0, or the proxy is off)");
    }
    log::info("admin", "target " + name + (address.empty() ? "" : " address " + address) +
                           " of upstream " + upstream["name"].get<std::string>() + " set " +
                           (healthy ? "healthy" : "unhealthy") + " by hand");
    return emptyResponse(204);
}

} // namespace portico::admin
