#include "declarative/declarative.h"

#include "core/hex.h"
#include "model/uuid.h"
#include "schema/schemas.h"

#include <algorithm>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

namespace portico::declarative {

namespace {

struct Child {
    const char* parent;
    const char* key;   // key under the parent in the document, and the child collection
    const char* field; // the child's foreign field naming the parent
};

const Child kChildren[] = {
    {"services", "routes", "service"},    {"services", "plugins", "service"},
    {"routes", "plugins", "route"},       {"consumers", "plugins", "consumer"},
    {"upstreams", "targets", "upstream"}, {"certificates", "snis", "certificate"},
};

bool isChildKey(const std::string& collection, const std::string& key) {
    for (const auto& c : kChildren)
        if (collection == c.parent && key == c.key) return true;
    return false;
}

json scalarFromYaml(const YAML::Node& n) {
    const std::string& s = n.Scalar();
    if (n.Tag() != "?") return s; // quoted: always a string
    if (s == "null" || s == "~" || s.empty()) return nullptr;
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
    char* end = nullptr;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() + s.size()) return i;
    double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size()) return d;
    return s;
}

json fromYaml(const YAML::Node& n) {
    switch (n.Type()) {
    case YAML::NodeType::Null:
        return nullptr;
    case YAML::NodeType::Scalar:
        return scalarFromYaml(n);
    case YAML::NodeType::Sequence: {
        json arr = json::array();
        for (const auto& e : n)
            arr.push_back(fromYaml(e));
        return arr;
    }
    case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : n)
            obj[kv.first.Scalar()] = fromYaml(kv.second);
        return obj;
    }
    default:
        return nullptr;
    }
}

void toYamlNode(const json& v, YAML::Emitter& out) {
    if (v.is_object()) {
        out << YAML::BeginMap;
        for (const auto& [k, e] : v.items()) {
            out << YAML::Key << k << YAML::Value;
            toYamlNode(e, out);
        }
        out << YAML::EndMap;
    } else if (v.is_array()) {
        out << YAML::BeginSeq;
        for (const auto& e : v)
            toYamlNode(e, out);
        out << YAML::EndSeq;
    } else if (v.is_string()) {
        out << YAML::DoubleQuoted << v.get<std::string>();
    } else if (v.is_null()) {
        out << YAML::Null;
    } else {
        out << v.dump();
    }
}

json stripped(json e) {
    e.erase("created_at");
    e.erase("updated_at");
    return e;
}

// A foreign reference written as a plain string is an id when UUID-shaped, else a key.
json normalizeRef(const json& v) {
    if (!v.is_string()) return v;
    const std::string s = v.get<std::string>();
    return model::isUuid(s) ? json{{"id", s}} : json{{"name", s}};
}

struct Walker {
    std::vector<Entry> entries;
    json errors = json::object();

    void walk(const schema::EntitySchema& s, const json& items, const char* parentField,
              const json& parentRef, const std::string& path) {
        if (!items.is_array()) {
            errors[path] = "expected an array";
            return;
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string here = path + "[" + std::to_string(i) + "]";
            json item = items[i];
            if (s.name == "snis" && item.is_string()) item = json{{"name", item}};
            if (!item.is_object()) {
                errors[here] = "expected a record";
                continue;
            }
            json input = json::object();
            for (const auto& [k, v] : item.items())
                if (!isChildKey(s.name, k)) input[k] = v;
            for (const auto* f : s.foreignKeys())
                if (input.contains(f->name)) input[f->name] = normalizeRef(input[f->name]);
            if (parentField) {
                if (input.contains(parentField) && input[parentField] != parentRef)
                    errors[here] =
                        json{{parentField, "does not match the entity it is nested under"}};
                input[parentField] = parentRef;
            }
            if (!input.contains("id") || input["id"].is_null()) {
                const bool keyed = !s.endpointKey.empty() && input.contains(s.endpointKey) &&
                                   input[s.endpointKey].is_string() && s.name != "targets";
                input["id"] = model::derivedUuid(
                    s.name, keyed ? input[s.endpointKey].get<std::string>() : input.dump());
            }
            entries.push_back({&s, input, here});
            for (const auto& c : kChildren) {
                if (s.name != c.parent || !item.contains(c.key)) continue;
                walk(*schema::findSchema(c.key), item[c.key], c.field, json{{"id", input["id"]}},
                     here + "." + c.key);
            }
        }
    }
};

} // namespace

Error invalidConfig(const json& errorsByPath) {
    std::string msg = "declarative config is invalid: ";
    std::vector<std::string> parts;
    for (const auto& [path, err] : errorsByPath.items())
        for (auto& line : schema::flattenErrors(err, path))
            parts.push_back(std::move(line));
    for (std::size_t i = 0; i < parts.size() && i < 10; ++i)
        msg += (i ? "; " : "") + parts[i];
    if (parts.size() > 10) msg += "; and " + std::to_string(parts.size() - 10) + " more";
    return Error::make(ErrorCode::InvalidDeclarativeConfig, msg, errorsByPath);
}

Expected<json, Error> parseDocument(std::string_view text) {
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_discarded()) return doc;
    // yaml-cpp reports errors only by throwing; this is the control path, never a proxied request.
    try {
        YAML::Node root = YAML::Load(std::string(text));
        doc = fromYaml(root);
    } catch (const YAML::Exception& e) {
        return unexpected(Error::make(ErrorCode::InvalidDeclarativeConfig,
                                      "failed parsing declarative configuration: line " +
                                          std::to_string(e.mark.line + 1) + ", column " +
                                          std::to_string(e.mark.column + 1) + ": " + e.msg));
    }
    if (!doc.is_object())
        return unexpected(
            Error::make(ErrorCode::InvalidDeclarativeConfig,
                        "failed parsing declarative configuration: expected an object"));
    return doc;
}

Expected<std::vector<Entry>, Error> flatten(const json& doc) {
    if (!doc.is_object())
        return unexpected(invalidConfig(json{{"@document", "expected an object"}}));
    Walker w;
    if (!doc.contains("_format_version"))
        w.errors["_format_version"] = "required field missing";
    else if (!doc["_format_version"].is_string())
        w.errors["_format_version"] = "expected a string";
    else if (auto v = doc["_format_version"].get<std::string>();
             v != "3.0" && v != "2.1" && v != "1.1")
        w.errors["_format_version"] = "unsupported format version '" + v + "' (expected 3.0)";
    for (const auto& [k, v] : doc.items())
        if (k[0] != '_' && !schema::findSchema(k)) w.errors[k] = "unknown field";
    for (const auto* s : schema::allSchemas())
        if (doc.contains(s->name) && !doc[s->name].is_null())
            w.walk(*s, doc[s->name], nullptr, nullptr, s->name);
    if (!w.errors.empty()) return unexpected(invalidConfig(w.errors));
    // Parents first: the store inserts in this order.
    const auto& order = schema::allSchemas();
    std::stable_sort(w.entries.begin(), w.entries.end(), [&](const Entry& a, const Entry& b) {
        return std::find(order.begin(), order.end(), a.schema) <
               std::find(order.begin(), order.end(), b.schema);
    });
    return std::move(w.entries);
}

json nest(const std::map<std::string, std::vector<json>>& rows) {
    auto clean = [](json e) {
        e = stripped(std::move(e));
        for (auto it = e.begin(); it != e.end();) {
            if (it->is_null())
                it = e.erase(it);
            else
                ++it;
        }
        return e;
    };
    auto rowsOf = [&](const char* c) -> const std::vector<json>& {
        static const std::vector<json> none;
        auto it = rows.find(c);
        return it == rows.end() ? none : it->second;
    };
    auto refId = [](const json& e, const char* f) -> std::string {
        return e.contains(f) && e[f].is_object() ? e[f]["id"].get<std::string>() : std::string();
    };
    json doc = {{"_format_version", "3.0"}};
    // Plugins with exactly one scope nest under it; the rest stay at the top.
    auto scopeOf = [&](const json& p) -> std::string {
        int n = !refId(p, "route").empty() + !refId(p, "service").empty() +
                !refId(p, "consumer").empty();
        if (n != 1) return {};
        if (!refId(p, "route").empty()) return "route";
        return refId(p, "service").empty() ? "consumer" : "service";
    };
    auto childPlugins = [&](const char* field, const std::string& id) {
        json out = json::array();
        for (const auto& p : rowsOf("plugins"))
            if (scopeOf(p) == field && refId(p, field) == id) {
                json c = clean(p);
                c.erase(field);
                out.push_back(c);
            }
        return out;
    };
    auto nestRoute = [&](const json& r, bool underService) {
        json c = clean(r);
        if (underService) c.erase("service");
        if (auto ps = childPlugins("route", r["id"].get<std::string>()); !ps.empty())
            c["plugins"] = ps;
        return c;
    };
    json services = json::array(), topRoutes = json::array();
    for (const auto& s : rowsOf("services")) {
        json c = clean(s);
        json routes = json::array();
        for (const auto& r : rowsOf("routes"))
            if (refId(r, "service") == s["id"]) routes.push_back(nestRoute(r, true));
        if (!routes.empty()) c["routes"] = routes;
        if (auto ps = childPlugins("service", s["id"].get<std::string>()); !ps.empty())
            c["plugins"] = ps;
        services.push_back(c);
    }
    for (const auto& r : rowsOf("routes"))
        if (refId(r, "service").empty()) topRoutes.push_back(nestRoute(r, false));
    json consumers = json::array();
    for (const auto& cons : rowsOf("consumers")) {
        json c = clean(cons);
        if (auto ps = childPlugins("consumer", cons["id"].get<std::string>()); !ps.empty())
            c["plugins"] = ps;
        consumers.push_back(c);
    }
    json upstreams = json::array();
    for (const auto& u : rowsOf("upstreams")) {
        json c = clean(u), targets = json::array();
        for (const auto& t : rowsOf("targets"))
            if (refId(t, "upstream") == u["id"]) {
                json tc = clean(t);
                tc.erase("upstream");
                targets.push_back(tc);
            }
        if (!targets.empty()) c["targets"] = targets;
        upstreams.push_back(c);
    }
    json certificates = json::array();
    for (const auto& cert : rowsOf("certificates")) {
        json c = clean(cert), snis = json::array();
        for (const auto& s : rowsOf("snis"))
            if (refId(s, "certificate") == cert["id"]) {
                json sc = clean(s);
                sc.erase("certificate");
                snis.push_back(sc);
            }
        if (!snis.empty()) c["snis"] = snis;
        certificates.push_back(c);
    }
    json caCerts = json::array();
    for (const auto& ca : rowsOf("ca_certificates")) {
        json c = clean(ca);
        c.erase("cert_digest");
        caCerts.push_back(c);
    }
    json globalPlugins = json::array();
    for (const auto& p : rowsOf("plugins"))
        if (scopeOf(p).empty()) globalPlugins.push_back(clean(p));
    auto put = [&](const char* k, json v) {
        if (!v.empty()) doc[k] = std::move(v);
    };
    put("certificates", certificates);
    put("ca_certificates", caCerts);
    put("services", services);
    put("routes", topRoutes);
    put("upstreams", upstreams);
    put("consumers", consumers);
    put("plugins", globalPlugins);
    return doc;
}

std::string configHash(const std::map<std::string, std::vector<json>>& rows) {
    std::size_t total = 0;
    for (const auto& [k, v] : rows)
        total += v.size();
    if (total == 0) return std::string(32, '0');
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
    for (const auto* s : schema::allSchemas()) {
        auto it = rows.find(s->name);
        if (it == rows.end()) continue;
        std::vector<std::string> canon;
        for (const auto& e : it->second)
            canon.push_back(stripped(e).dump());
        std::sort(canon.begin(), canon.end());
        EVP_DigestUpdate(ctx, s->name.data(), s->name.size());
        for (const auto& c : canon) {
            EVP_DigestUpdate(ctx, c.data(), c.size());
            EVP_DigestUpdate(ctx, "\n", 1);
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    return toHex(md, len);
}

std::string toYaml(const json& doc) {
    YAML::Emitter out;
    toYamlNode(doc, out);
    return std::string(out.c_str()) + "\n";
}

} // namespace portico::declarative
