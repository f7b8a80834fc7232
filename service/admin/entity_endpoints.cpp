// Kong's generic entity endpoints: collections, items, nested paths, PUT upsert, PATCH merge.
#include "admin/admin_api.h"
#include "admin/body_decoder.h"
#include "admin/responses.h"
#include "app/log.h"
#include "model/uuid.h"
#include "schema/schemas.h"
#include "schema/validators.h"
#include "store/store.h"

#include <charconv>
#include <openssl/evp.h>

namespace portico::admin {

using json = nlohmann::json;
using schema::EntitySchema;

namespace {

std::string encodeOffset(std::int64_t seq) {
    std::string raw = std::to_string(seq);
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(raw.data()),
                            static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Expected<std::int64_t, Error> decodeOffset(const std::string& text) {
    auto bad = [&](const char* why) {
        return unexpected(
            Error::make(ErrorCode::InvalidOffset, "'" + text + "' is not a valid offset: " + why));
    };
    if (text.empty() || text.size() % 4 != 0 || text.size() > 64) return bad("bad base64 encoding");
    std::string raw(text.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return bad("bad base64 encoding");
    raw.resize(static_cast<std::size_t>(n));
    while (!raw.empty() && raw.back() == '\0')
        raw.pop_back();
    std::int64_t seq = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), seq);
    if (raw.empty() || ec != std::errc() || p != raw.data() + raw.size() || seq <= 0)
        return bad("unknown offset");
    return seq;
}

Expected<std::size_t, Error> pageSize(const HttpRequest& req) {
    const std::string* v = req.queryValue("size");
    if (!v) return std::size_t(100);
    int n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || p != v->data() + v->size() || n < 1 || n > 1000)
        return unexpected(Error::make(ErrorCode::InvalidSize,
                                      "size must be an integer between 1 and 1000",
                                      json{{"size", "must be an integer between 1 and 1000"}}));
    return static_cast<std::size_t>(n);
}

// ?tags=a,b (all of) or ?tags=a/b (any of); Kong takes at most 5 and no mixing.
Expected<Ok, Error> parseTags(const std::string& text, store::ListQuery& q) {
    const bool hasAnd = text.find(',') != std::string::npos,
               hasOr = text.find('/') != std::string::npos;
    auto invalid = [](const char* why) {
        return unexpected(Error::make(ErrorCode::InvalidOptions,
                                      std::string("invalid option (tags: ") + why + ")",
                                      json{{"tags", why}}));
    };
    if (hasAnd && hasOr) return invalid("invalid filter syntax");
    const char sep = hasOr ? '/' : ',';
    std::size_t start = 0;
    for (;;) {
        auto end = text.find(sep, start);
        std::string tag =
            text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (tag.empty()) return invalid("invalid filter syntax");
        q.tags.push_back(tag);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (q.tags.size() > 5) return invalid("cannot query more than 5 tags");
    q.tagsAny = hasOr;
    return Ok{};
}

std::string normalizedTarget(const std::string& key) {
    json probe = {{"target", key}};
    json errors;
    schema::findSchema("targets")->shorthands(probe, errors);
    return probe["target"].get<std::string>();
}

} // namespace

double AdminApi::now() const {
    using namespace std::chrono;
    return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

void AdminApi::publish(const store::WriteResult& result) {
    if (m_onCommit && !result.changes.empty()) m_onCommit(result.revision);
    for (const auto& c : result.changes) {
        m_events.publish(
            "change",
            json{{"revision", result.revision}, {"entity", c.entity}, {"id", c.id}, {"op", c.op}});
    }
}

json AdminApi::present(const EntitySchema& s, json entity) {
    if (s.name == "certificates") {
        // The snis shorthand is shown as the names of the SNIs that point at the certificate.
        store::ListQuery q;
        q.size = 1000;
        q.foreignField = "certificate";
        q.foreignId = entity["id"].get<std::string>();
        json names = json::array();
        if (auto page = m_store.list(*schema::findSchema("snis"), q))
            for (const auto& sni : page->data)
                names.push_back(sni["name"]);
        entity["snis"] = std::move(names);
    }
    return entity;
}

Expected<json, Error> AdminApi::findInScope(const EntitySchema& s, const std::string& key,
                                            const Scope& scope) {
    const std::string parentId =
        scope.parentSchema ? scope.parent["id"].get<std::string>() : std::string();
    if (s.name == "targets" && !model::isUuid(key)) {
        // Targets are unique per upstream only, so their key is looked up within it.
        if (!scope.parentSchema) return unexpected(Error::make(ErrorCode::NotFound, "Not found"));
        store::ListQuery q;
        q.size = 100000;
        q.foreignField = "upstream";
        q.foreignId = parentId;
        auto page = m_store.list(s, q);
        if (!page) return unexpected(page.error());
        const std::string wanted = normalizedTarget(key);
        for (auto& t : page->data)
            if (t["target"] == wanted) return t;
        return unexpected(Error::make(ErrorCode::NotFound, "Not found"));
    }
    auto found = m_store.get(s, key);
    if (!found) return found;
    if (scope.parentSchema) {
        const json& ref = (*found)[scope.parentField];
        if (!ref.is_object() || ref["id"] != parentId)
            return unexpected(Error::make(ErrorCode::NotFound, "Not found"));
    }
    return found;
}

Expected<json, Error> AdminApi::writeEntity(const HttpRequest& req, const EntitySchema& s,
                                            json input, const json* existing, bool fromForm,
                                            const Scope& scope) {
    if (scope.parentSchema) input[scope.parentField] = json{{"id", scope.parent["id"]}};
    schema::WriteMode mode = schema::WriteMode::Insert;
    if (req.method == "PATCH")
        mode = schema::WriteMode::Update;
    else if (req.method == "PUT")
        mode = schema::WriteMode::Upsert;
    if (mode == schema::WriteMode::Update && existing && s.name == "certificates" &&
        !input.contains("snis"))
        input["snis"] = present(s, *existing)["snis"];
    json base = existing ? *existing : json();
    const bool isCertificate = s.name == "certificates";
    if (existing && isCertificate) base.erase("snis"); // a shorthand, never stored
    auto valid = s.validate(input, mode, existing ? &base : nullptr, {fromForm, now()});
    if (!valid) return unexpected(valid.error());
    json entity = std::move(*valid);

    Expected<store::WriteResult, Error> result = unexpected(Error{});
    if (s.name == "certificates") {
        json snis = entity["snis"];
        entity.erase("snis");
        const EntitySchema& sniSchema = *schema::findSchema("snis");
        std::vector<store::Store::BatchOp> ops{{&s, entity, {}, false}};
        std::vector<std::string> keep;
        if (snis.is_array()) {
            for (const auto& name : snis) {
                json sniInput = {{"name", name}, {"certificate", {{"id", entity["id"]}}}};
                auto current = m_store.get(sniSchema, name.get<std::string>());
                if (current && (*current)["certificate"]["id"] != entity["id"])
                    return unexpected(Error::make(ErrorCode::UniqueViolation,
                                                  "UNIQUE violation detected on '{name=\"" +
                                                      name.get<std::string>() + "\"}'",
                                                  json{{"snis", name}}));
                if (current) sniInput["id"] = (*current)["id"];
                auto sni = sniSchema.validate(sniInput, schema::WriteMode::Upsert,
                                              current ? &*current : nullptr, {false, now()});
                if (!sni)
                    return unexpected(Error::make(ErrorCode::SchemaViolation, sni.error().message,
                                                  json{{"snis", sni.error().fields}}));
                ops.push_back({&sniSchema, *sni, {}, false});
                keep.push_back(name.get<std::string>());
            }
            const json previous = existing ? present(s, *existing)["snis"] : json::array();
            for (const auto& old : previous)
                if (std::find(keep.begin(), keep.end(), old.get<std::string>()) == keep.end())
                    if (auto row = m_store.get(sniSchema, old.get<std::string>()))
                        ops.push_back({&sniSchema, {}, (*row)["id"].get<std::string>(), true});
        }
        result = m_store.batch(ops, req.actor);
    } else if (mode == schema::WriteMode::Insert) {
        result = m_store.insert(s, entity, req.actor);
    } else {
        result = m_store.upsert(s, entity, req.actor);
    }
    if (!result) return unexpected(result.error());
    for (const auto& c : result->changes) {
        log::info("admin", req.actor + " " + c.op + " " + c.entity + " " + c.id + " (revision " +
                               std::to_string(result->revision) + ")");
        if (c.entity == s.name && c.id == entity["id"]) entity = c.after;
    }
    publish(*result);
    return present(s, std::move(entity));
}

HttpResponse AdminApi::collection(const HttpRequest& req, const EntitySchema& s,
                                  const Scope& scope) {
    if (req.method == "GET") {
        store::ListQuery q;
        auto size = pageSize(req);
        if (!size) return errorResponse(size.error());
        q.size = *size;
        if (const auto* off = req.queryValue("offset")) {
            auto seq = decodeOffset(*off);
            if (!seq) return errorResponse(seq.error());
            q.after = *seq;
        }
        const std::string* tags = req.queryValue("tags");
        if (tags && !scope.parentSchema)
            if (auto r = parseTags(*tags, q); !r) return errorResponse(r.error());
        if (scope.parentSchema) {
            q.foreignField = scope.parentField;
            q.foreignId = scope.parent["id"].get<std::string>();
        }
        auto page = m_store.list(s, q);
        if (!page) return errorResponse(page.error());
        json data = json::array();
        for (auto& e : page->data)
            data.push_back(present(s, std::move(e)));
        json body = {{"data", std::move(data)}, {"next", nullptr}};
        if (page->next) {
            const std::string off = encodeOffset(page->next);
            body["offset"] = off;
            std::string next = req.path + "?offset=" + off;
            if (req.queryValue("size")) next += "&size=" + std::to_string(q.size);
            if (tags && !scope.parentSchema) next += "&tags=" + *tags;
            body["next"] = next;
        }
        return jsonResponse(200, body);
    }
    if (req.method == "POST") {
        auto body = decodeBody(req);
        if (!body) return errorResponse(body.error());
        auto written = writeEntity(req, s, body->value, nullptr, body->fromForm, scope);
        if (!written) return errorResponse(written.error());
        return jsonResponse(201, *written);
    }
    return methodNotAllowed();
}

HttpResponse AdminApi::item(const HttpRequest& req, const EntitySchema& s, const std::string& key,
                            const Scope& scope) {
    auto found = findInScope(s, key, scope);
    if (!found && found.error().code != ErrorCode::NotFound) return errorResponse(found.error());
    if (req.method == "GET") {
        if (!found) return notFound();
        return jsonResponse(200, present(s, *found));
    }
    if (req.method == "DELETE") {
        if (!found) return emptyResponse(204);
        auto r = m_store.remove(s, (*found)["id"].get<std::string>(), req.actor);
        if (!r) return errorResponse(r.error());
        for (const auto& c : r->changes)
            log::info("admin", req.actor + " delete " + c.entity + " " + c.id + " (revision " +
                                   std::to_string(r->revision) + ")");
        publish(*r);
        return emptyResponse(204);
    }
    if (req.method != "PATCH" && req.method != "PUT") return methodNotAllowed();
    auto body = decodeBody(req);
    if (!body) return errorResponse(body.error());
    json input = body->value;
    if (!input.is_object())
        return errorResponse(
            schema::schemaViolation(json{{"@entity", json::array({"expected a record"})}}));
    if (req.method == "PATCH") {
        if (!found) return notFound();
        auto written = writeEntity(req, s, input, &*found, body->fromForm, scope);
        if (!written) return errorResponse(written.error());
        return jsonResponse(200, *written);
    }
    // PUT: a UUID-shaped key is the id; anything else is the endpoint key (e.g. the name).
    if (model::isUuid(key)) {
        if (input.contains("id") && input["id"] != key)
            return messageResponse(400, "the id in the body does not match the id in the URL");
        input["id"] = key;
    } else {
        if (s.endpointKey.empty()) return notFound();
        const std::string k = s.name == "targets" ? normalizedTarget(key) : key;
        if (input.contains(s.endpointKey) && input[s.endpointKey] != k &&
            input[s.endpointKey] != key)
            return messageResponse(400, "the " + s.endpointKey +
                                            " in the body does not match the " + s.endpointKey +
                                            " in the URL");
        input[s.endpointKey] = k;
        input["id"] = found ? (*found)["id"] : json(model::newUuid());
    }
    auto written = writeEntity(req, s, input, found ? &*found : nullptr, body->fromForm, scope);
    if (!written) return errorResponse(written.error());
    return jsonResponse(200, *written);
}

} // namespace portico::admin
