// /config (declarative export and replace), /config/history and /config/rollback.
#include "admin/admin_api.h"
#include "admin/body_decoder.h"
#include "admin/responses.h"
#include "app/log.h"
#include "declarative/declarative.h"
#include "model/uuid.h"
#include "schema/schemas.h"
#include "store/store.h"

#include <charconv>
#include <map>
#include <set>

namespace portico::admin {

using json = nlohmann::json;
using schema::EntitySchema;

namespace {

using Rows = std::map<std::string, std::vector<json>>;

json withoutTimestamps(json e) {
    e.erase("created_at");
    e.erase("updated_at");
    return e;
}

bool flag(const HttpRequest& req, const char* name) {
    const std::string* v = req.queryValue(name);
    return v && (*v == "1" || *v == "true" || v->empty());
}

json describeEntity(const json& e) {
    json d = {{"id", e["id"]}};
    for (const char* k : {"name", "username", "target"})
        if (e.contains(k) && !e[k].is_null()) d[k] = e[k];
    return d;
}

} // namespace

std::string AdminApi::configHash() {
    if (m_hashRevision != m_store.revision()) {
        Rows rows;
        for (const auto* s : schema::allSchemas())
            if (auto all = m_store.all(*s)) rows[s->name] = std::move(*all);
        m_hash = declarative::configHash(rows);
        m_hashRevision = m_store.revision();
    }
    return m_hash;
}

json AdminApi::exportConfig() {
    Rows rows;
    for (const auto* s : schema::allSchemas())
        if (auto all = m_store.all(*s)) rows[s->name] = std::move(*all);
    return declarative::nest(rows);
}

Expected<json, Error> AdminApi::applyDeclarative(const json& doc, const std::string& actor,
                                                 bool dryRun, bool skipIfUnchanged) {
    auto entries = declarative::flatten(doc);
    if (!entries) return unexpected(entries.error());

    std::map<std::string, json> current; // collection/id -> stored entity
    Rows currentRows;
    for (const auto* s : schema::allSchemas()) {
        auto all = m_store.all(*s);
        if (!all) return unexpected(all.error());
        for (const auto& e : *all)
            current[s->name + "/" + e["id"].get<std::string>()] = e;
        currentRows[s->name] = std::move(*all);
    }

    // References and uniqueness are checked against the document itself: it replaces everything.
    std::map<std::string, std::string> idByKey; // collection/key -> id
    std::set<std::string> ids;                  // collection/id
    std::map<std::string, std::string> uniqueOwner;
    json errors = json::object();
    for (const auto& en : *entries) {
        const std::string id = en.input["id"].is_string() ? en.input["id"].get<std::string>() : "";
        if (!ids.insert(en.schema->name + "/" + id).second)
            errors[en.path] = json{{"id", "uniqueness violation: another " +
                                              en.schema->foreignName + " has id " + id}};
        for (const auto& f : en.schema->fields) {
            if (!f.unique || !en.input.contains(f.name) || en.input[f.name].is_null()) continue;
            const std::string k = en.schema->name + "/" + f.name + "/" + en.input[f.name].dump();
            auto [it, fresh] = uniqueOwner.emplace(k, en.path);
            if (!fresh)
                errors[en.path] =
                    json{{f.name, "uniqueness violation: also used by " + it->second}};
        }
        if (!en.schema->endpointKey.empty() && en.input.contains(en.schema->endpointKey) &&
            en.input[en.schema->endpointKey].is_string())
            idByKey[en.schema->name + "/" + en.input[en.schema->endpointKey].get<std::string>()] =
                id;
    }
    std::vector<std::pair<const EntitySchema*, json>> desired;
    Rows desiredRows;
    const double t = now();
    for (auto en : *entries) {
        json fieldErrors = json::object();
        for (const auto* f : en.schema->foreignKeys()) {
            json& ref = en.input[f->name];
            if (!ref.is_object()) continue;
            if (ref.contains("id")) {
                if (ref["id"].is_string() &&
                    !ids.count(f->reference + "/" + ref["id"].get<std::string>()))
                    fieldErrors[f->name] =
                        "references a " + f->reference + " id that is not in this configuration";
            } else if (!ref.empty() && ref.begin()->is_string()) {
                auto it = idByKey.find(f->reference + "/" + ref.begin()->get<std::string>());
                if (it == idByKey.end())
                    fieldErrors[f->name] = "no " + f->reference + " named '" +
                                           ref.begin()->get<std::string>() +
                                           "' in this configuration";
                else
                    ref = json{{"id", it->second}};
            }
        }
        const std::string key = en.schema->name + "/" + en.input["id"].get<std::string>();
        auto existing = current.find(key);
        auto valid = en.schema->validate(en.input, schema::WriteMode::Upsert,
                                         existing == current.end() ? nullptr : &existing->second,
                                         {false, t});
        if (!valid)
            for (const auto& [k, v] : valid.error().fields.items())
                fieldErrors[k] = v;
        if (!fieldErrors.empty()) {
            errors[en.path] = fieldErrors;
            continue;
        }
        json entity = std::move(*valid);
        if (en.schema->name == "certificates")
            entity.erase("snis"); // SNIs are entries of their own
        if (existing != current.end() &&
            withoutTimestamps(entity) == withoutTimestamps(existing->second))
            entity = existing->second;
        desiredRows[en.schema->name].push_back(entity);
        desired.emplace_back(en.schema, std::move(entity));
    }
    if (!errors.empty()) return unexpected(declarative::invalidConfig(errors));

    json diff = {
        {"created", json::object()}, {"updated", json::object()}, {"deleted", json::object()}};
    for (const auto* s : schema::allSchemas()) {
        std::set<std::string> kept;
        for (const auto& e : desiredRows[s->name]) {
            const std::string id = e["id"].get<std::string>();
            kept.insert(id);
            auto it = current.find(s->name + "/" + id);
            if (it == current.end())
                diff["created"][s->name].push_back(describeEntity(e));
            else if (it->second != e)
                diff["updated"][s->name].push_back(describeEntity(e));
        }
        for (const auto& e : currentRows[s->name])
            if (!kept.count(e["id"].get<std::string>()))
                diff["deleted"][s->name].push_back(describeEntity(e));
    }
    diff["configuration_hash"] = declarative::configHash(desiredRows);
    diff["unchanged"] = diff["configuration_hash"] == configHash();
    if (dryRun || (skipIfUnchanged && diff["unchanged"] == true)) return diff;
    auto result = m_store.replaceAll(desired, actor);
    if (!result) return unexpected(result.error());
    log::info("admin",
              actor + " replaced the configuration: " + std::to_string(result->changes.size()) +
                  " changes (revision " + std::to_string(result->revision) + ")");
    publish(*result);
    diff["revision"] = result->revision;
    return diff;
}

HttpResponse AdminApi::config(const HttpRequest& req) {
    if (req.method == "GET" || req.method == "HEAD") {
        json doc = exportConfig();
        const std::string* format = req.queryValue("format");
        if (format && (*format == "yaml" || *format == "yml")) {
            HttpResponse r;
            r.headers.emplace_back("Content-Type", "application/x-yaml");
            r.body = declarative::toYaml(doc);
            return r;
        }
        if (format && *format != "json") return messageResponse(400, "format must be json or yaml");
        return jsonResponse(200, doc);
    }
    if (req.method != "POST") return methodNotAllowed();
    std::string text = req.body;
    std::string type = req.header("content-type") ? *req.header("content-type") : "";
    if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
        json form = decodeForm(req.body);
        if (!form.contains("config") || !form["config"].is_string())
            return messageResponse(400,
                                   "expected a declarative configuration in the 'config' field");
        text = form["config"].get<std::string>();
    } else if (!type.empty() && type.rfind("application/json", 0) != 0 &&
               type.find("yaml") == std::string::npos && type.rfind("text/plain", 0) != 0) {
        return messageResponse(415, "unsupported media type: " + type);
    }
    auto doc = declarative::parseDocument(text);
    if (!doc) return errorResponse(doc.error());
    const bool dryRun = flag(req, "dry_run");
    // With check_hash, an unchanged configuration is found by the same pass that would apply it.
    const bool checkHash = flag(req, "check_hash");
    auto result = applyDeclarative(*doc, req.actor, dryRun, checkHash);
    if (!result) return errorResponse(result.error());
    if (checkHash && (*result)["unchanged"] == true) return emptyResponse(304);
    return jsonResponse(dryRun ? 200 : 201, *result);
}

HttpResponse AdminApi::configHistory(const HttpRequest& req) {
    std::int64_t before = m_store.revision() + 1;
    std::size_t size = 20;
    if (const auto* b = req.queryValue("before")) {
        auto [p, ec] = std::from_chars(b->data(), b->data() + b->size(), before);
        if (ec != std::errc() || p != b->data() + b->size())
            return messageResponse(400, "before must be a revision number");
    }
    if (const auto* s = req.queryValue("size")) {
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), size);
        if (ec != std::errc() || p != s->data() + s->size() || size < 1 || size > 1000)
            return messageResponse(400, "size must be an integer between 1 and 1000");
    }
    auto entries = m_store.history(before, size);
    if (!entries) return errorResponse(entries.error());
    json data = json::array();
    for (const auto& h : *entries) {
        json changes = json::array();
        for (const auto& c : h.changes)
            changes.push_back({{"entity", c.entity}, {"id", c.id}, {"op", c.op}});
        data.push_back(
            {{"revision", h.revision}, {"time", h.time}, {"actor", h.actor}, {"changes", changes}});
    }
    json body = {{"data", data}, {"next", nullptr}, {"revision", m_store.revision()}};
    if (entries->size() == size && !entries->empty() && entries->back().revision > 1)
        body["next"] = "/config/history?before=" + std::to_string(entries->back().revision) +
                       "&size=" + std::to_string(size);
    return jsonResponse(200, body);
}

HttpResponse AdminApi::configRollback(const HttpRequest& req) {
    auto body = decodeBody(req);
    if (!body) return errorResponse(body.error());
    json rev = body->value.is_object() && body->value.contains("revision") ? body->value["revision"]
                                                                           : json();
    std::int64_t target = -1;
    if (rev.is_number_integer())
        target = rev.get<std::int64_t>();
    else if (rev.is_string()) {
        const std::string s = rev.get<std::string>();
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), target);
        if (ec != std::errc() || p != s.data() + s.size()) target = -1;
    }
    if (target < 0)
        return jsonResponse(
            400, json{{"message", "schema violation (revision: expected a revision number)"},
                      {"fields", {{"revision", "expected a revision number"}}}});
    auto r = m_store.rollback(target, req.actor);
    if (!r) return errorResponse(r.error());
    log::info("admin", req.actor + " rolled back to revision " + std::to_string(target) + ": " +
                           std::to_string(r->changes.size()) + " changes (revision " +
                           std::to_string(r->revision) + ")");
    publish(*r);
    return jsonResponse(
        201, json{{"revision", r->revision}, {"restored", target}, {"changes", r->changes.size()}});
}

} // namespace portico::admin
