#include "schema/entity_schema.h"

#include "model/uuid.h"

#include <charconv>
#include <cmath>
#include <set>

namespace portico::schema {

const char* typeName(FieldType t) {
    switch (t) {
    case FieldType::String:
        return "string";
    case FieldType::Integer:
        return "integer";
    case FieldType::Number:
        return "number";
    case FieldType::Boolean:
        return "boolean";
    case FieldType::Array:
        return "array";
    case FieldType::Set:
        return "set";
    case FieldType::Map:
        return "map";
    case FieldType::Record:
        return "record";
    case FieldType::Foreign:
        return "foreign";
    case FieldType::Any:
        return "any";
    }
    return "any";
}

namespace {

std::string expectedType(FieldType t) {
    switch (t) {
    case FieldType::Integer:
        return "expected an integer";
    case FieldType::Array:
        return "expected an array";
    default:
        return std::string("expected a ") + typeName(t);
    }
}

std::string formatNumber(double d) {
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    std::string s = std::to_string(d);
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    return s;
}

std::string valueText(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

// Keys of an open record (a plugin config before its schema exists) have no declared type:
// numbers and booleans written in a form are taken as such.
void inferScalar(json& v) {
    if (v.is_object()) {
        for (auto& [k, e] : v.items())
            inferScalar(e);
        return;
    }
    if (v.is_array()) {
        for (auto& e : v)
            inferScalar(e);
        return;
    }
    if (!v.is_string()) return;
    const std::string s = v.get<std::string>();
    if (s == "true" || s == "false") {
        v = s == "true";
        return;
    }
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) {
        v = n;
        return;
    }
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) && end == s.c_str() + s.size())
        v = d;
}

// Form bodies only carry strings; convert them the way Kong infers argument types.
void coerce(const Field& f, json& v) {
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        switch (f.type) {
        case FieldType::Integer: {
            long long n = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) v = n;
            return;
        }
        case FieldType::Number: {
            char* end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (!s.empty() && end == s.c_str() + s.size()) v = d;
            return;
        }
        case FieldType::Boolean:
            if (s == "true")
                v = true;
            else if (s == "false")
                v = false;
            return;
        case FieldType::Array:
        case FieldType::Set:
            v = json::array({v});
            break;
        default:
            return;
        }
    }
    if ((f.type == FieldType::Array || f.type == FieldType::Set) && v.is_object()) {
        // paths[1]=/a&paths[2]=/b decodes to an object keyed by index.
        json arr = json::array();
        for (auto& [k, e] : v.items())
            arr.push_back(e);
        v = std::move(arr);
    }
    if (v.is_array() && f.elements)
        for (auto& e : v)
            coerce(*f.elements, e);
    if (v.is_object() && f.type == FieldType::Map && f.elements)
        for (auto& [k, e] : v.items())
            coerce(*f.elements, e);
    if (v.is_object() && f.type == FieldType::Record)
        for (auto& [k, e] : v.items()) {
            if (const Field* c = f.child(k))
                coerce(*c, e);
            else if (f.open)
                inferScalar(e);
        }
}

void fillRecordDefaults(const std::vector<Field>& fields, json& obj) {
    for (const auto& c : fields) {
        if (!obj.contains(c.name)) obj[c.name] = c.hasDefault ? c.defaultValue : json(nullptr);
        if (c.type == FieldType::Record && obj[c.name].is_object())
            fillRecordDefaults(c.fields, obj[c.name]);
        else if (c.type == FieldType::Record && obj[c.name].is_null() && c.hasDefault &&
                 c.defaultValue.is_object())
            fillRecordDefaults(c.fields, obj[c.name]);
    }
}

json validateRecord(const std::vector<Field>& fields, bool open, json& obj);

// Returns null when the value is valid, else the error (a string, or an object/array of
// errors for containers), in Kong's "fields" shape.
json validateValue(const Field& f, json& v) {
    if (v.is_null()) return f.required ? json("required field missing") : json(nullptr);
    switch (f.type) {
    case FieldType::String: {
        if (!v.is_string()) return expectedType(f.type);
        std::size_t minLen = f.lenMin.value_or(1);
        if (v.get_ref<const std::string&>().size() < minLen)
            return "length must be at least " + std::to_string(minLen);
        break;
    }
    case FieldType::Integer:
        if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())
            v = static_cast<long long>(v.get<double>());
        if (!v.is_number_integer()) return expectedType(f.type);
        break;
    case FieldType::Number:
        if (!v.is_number()) return expectedType(f.type);
        break;
    case FieldType::Boolean:
        if (!v.is_boolean()) return expectedType(f.type);
        break;
    case FieldType::Array:
    case FieldType::Set: {
        if (v.is_object() && v.empty()) v = json::array(); // {} is how some encoders write []
        if (!v.is_array()) return expectedType(f.type);
        if (f.lenMin && v.size() < *f.lenMin)
            return "length must be at least " + std::to_string(*f.lenMin);
        if (f.type == FieldType::Set) {
            json unique = json::array();
            std::set<std::string> seen;
            for (auto& e : v)
                if (seen.insert(e.dump()).second) unique.push_back(e);
            v = std::move(unique);
        }
        json errs = json::array();
        bool any = false;
        for (auto& e : v) {
            json err = e.is_null() ? json("required field missing") : validateValue(*f.elements, e);
            any = any || !err.is_null();
            errs.push_back(std::move(err));
        }
        if (any) return errs;
        break;
    }
    case FieldType::Map: {
        if (v.is_array() && v.empty()) v = json::object();
        if (!v.is_object()) return expectedType(f.type);
        json errs = json::object();
        for (auto& [k, e] : v.items()) {
            json err = validateValue(*f.elements, e);
            if (!err.is_null()) errs[k] = std::move(err);
        }
        if (!errs.empty()) return errs;
        break;
    }
    case FieldType::Record: {
        if (v.is_array() && v.empty()) v = json::object();
        if (!v.is_object()) return expectedType(f.type);
        fillRecordDefaults(f.fields, v);
        json errs = validateRecord(f.fields, f.open, v);
        if (!errs.empty()) return errs;
        break;
    }
    case FieldType::Foreign: {
        if (!v.is_object()) return "expected a record";
        if (v.contains("id")) {
            if (!v["id"].is_string() || !model::isUuid(v["id"].get<std::string>()))
                return json{{"id", "expected a valid UUID"}};
            if (v.size() > 1) return "expected a record with only an 'id' or a key";
        } else if (v.size() != 1 || !v.begin()->is_string()) {
            return json{{"id", "required field missing"}};
        }
        break;
    }
    case FieldType::Any:
        break;
    }
    if (!f.oneOf.empty()) {
        bool found = false;
        for (const auto& o : f.oneOf)
            found = found || o == v;
        if (!found) {
            std::string msg = "expected one of: ";
            for (std::size_t i = 0; i < f.oneOf.size(); ++i)
                msg += (i ? ", " : "") + valueText(f.oneOf[i]);
            return msg;
        }
    }
    if (f.between && v.is_number()) {
        double d = v.get<double>();
        if (d < f.between->first || d > f.between->second)
            return "value should be between " + formatNumber(f.between->first) + " and " +
                   formatNumber(f.between->second);
    }
    if (f.check) {
        std::string err = f.check(v);
        if (!err.empty()) return err;
    }
    return nullptr;
}

json validateRecord(const std::vector<Field>& fields, bool open, json& obj) {
    json errs = json::object();
    for (auto& [k, v] : obj.items()) {
        bool known = false;
        for (const auto& f : fields)
            known = known || f.name == k;
        if (!known && !open) errs[k] = "unknown field";
    }
    for (const auto& f : fields) {
        if (!obj.contains(f.name)) continue;
        json err = validateValue(f, obj[f.name]);
        if (!err.is_null()) errs[f.name] = std::move(err);
    }
    return errs;
}

void flatten(const json& errs, const std::string& prefix, std::vector<std::string>& out) {
    if (errs.is_string()) {
        out.push_back(prefix.empty() ? errs.get<std::string>()
                                     : prefix + ": " + errs.get<std::string>());
        return;
    }
    if (errs.is_array()) {
        for (std::size_t i = 0; i < errs.size(); ++i) {
            if (errs[i].is_null()) continue;
            // Entity-level checks list messages under the entity's own path, not a field's.
            const std::string entityMark = "@entity";
            const bool entityLevel = prefix.size() >= entityMark.size() &&
                                     prefix.compare(prefix.size() - entityMark.size(),
                                                    entityMark.size(), entityMark) == 0;
            const std::string owner =
                entityLevel ? prefix.substr(0, prefix.size() - entityMark.size()) : std::string();
            flatten(errs[i],
                    entityLevel ? (owner.empty() ? "" : owner.substr(0, owner.size() - 1))
                                : prefix + "." + std::to_string(i + 1),
                    out);
        }
        return;
    }
    if (errs.is_object())
        for (const auto& [k, v] : errs.items())
            flatten(v, prefix.empty() ? k : prefix + "." + k, out);
}

} // namespace

const Field* EntitySchema::field(std::string_view n) const {
    for (const auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

std::vector<const Field*> EntitySchema::foreignKeys() const {
    std::vector<const Field*> out;
    for (const auto& f : fields)
        if (f.type == FieldType::Foreign) out.push_back(&f);
    return out;
}

void mergeInto(json& target, const json& patch, const std::vector<Field>& fields) {
    for (const auto& [k, v] : patch.items()) {
        const Field* f = nullptr;
        for (const auto& c : fields)
            if (c.name == k) f = &c;
        if (f && f->type == FieldType::Record && v.is_object() && target.contains(k) &&
            target[k].is_object())
            mergeInto(target[k], v, f->fields);
        else
            target[k] = v;
    }
}

std::vector<std::string> flattenErrors(const json& fieldErrors, const std::string& prefix) {
    std::vector<std::string> parts;
    flatten(fieldErrors, prefix, parts);
    return parts;
}

Error schemaViolation(const json& fieldErrors) {
    std::vector<std::string> parts = flattenErrors(fieldErrors);
    std::string msg;
    if (parts.size() == 1) {
        msg = "schema violation (" + parts[0] + ")";
    } else {
        msg = std::to_string(parts.size()) + " schema violations (";
        for (std::size_t i = 0; i < parts.size(); ++i)
            msg += (i ? "; " : "") + parts[i];
        msg += ")";
    }
    return Error::make(ErrorCode::SchemaViolation, std::move(msg), fieldErrors);
}

Expected<json, Error> EntitySchema::validate(const json& rawInput, WriteMode mode,
                                             const json* existing,
                                             const ValidationOptions& opts) const {
    if (!rawInput.is_object())
        return unexpected(schemaViolation(json{{"@entity", json::array({"expected a record"})}}));
    json errors = json::object();
    json input = rawInput;
    if (opts.coerceStrings)
        for (auto& [k, v] : input.items())
            if (const Field* f = field(k)) coerce(*f, v);
    if (shorthands) shorthands(input, errors);
    // A broken shorthand (an unparsable url) would only add follow-on errors for its parts.
    if (!errors.empty()) return unexpected(schemaViolation(errors));

    json entity;
    if (mode == WriteMode::Update && existing) {
        entity = *existing;
        mergeInto(entity, input, fields);
    } else {
        entity = input;
    }
    for (const auto& f : fields)
        if (f.computed) entity.erase(f.name);
    fillRecordDefaults(fields, entity);

    const double created =
        existing && existing->contains("created_at") && !(*existing)["created_at"].is_null()
            ? (*existing)["created_at"].get<double>()
            : opts.now;
    auto stamp = [&](double t) -> json {
        if (millisecondTimestamps) return std::round(t * 1000.0) / 1000.0;
        return static_cast<long long>(t);
    };
    if (field("id") && entity["id"].is_null()) entity["id"] = model::newUuid();
    if (field("created_at") && (entity["created_at"].is_null() || existing))
        entity["created_at"] = stamp(created);
    if (field("updated_at")) entity["updated_at"] = stamp(opts.now);
    if (field("id") &&
        (!entity["id"].is_string() || !model::isUuid(entity["id"].get<std::string>())))
        errors["id"] = "expected a valid UUID";

    json fieldErrors = validateRecord(fields, false, entity);
    for (auto& [k, v] : fieldErrors.items())
        if (!errors.contains(k)) errors[k] = v;
    if (errors.empty() && entityCheck) entityCheck(entity, errors);
    if (!errors.empty()) return unexpected(schemaViolation(errors));
    for (const auto& f : fields)
        if (f.computed) entity[f.name] = nullptr;
    if (compute) compute(entity);
    return entity;
}

namespace {
json describeField(const Field& f) {
    json d = {{"type", typeName(f.type)}};
    if (f.required) d["required"] = true;
    if (f.hasDefault) d["default"] = f.defaultValue;
    if (!f.oneOf.empty()) d["one_of"] = f.oneOf;
    if (f.between) d["between"] = {f.between->first, f.between->second};
    if (f.lenMin) d["len_min"] = *f.lenMin;
    if (f.elements) d["elements"] = describeField(*f.elements);
    if (f.type == FieldType::Record) {
        json children = json::array();
        for (const auto& c : f.fields)
            children.push_back({{c.name, describeField(c)}});
        d["fields"] = std::move(children);
        if (f.open) d["open"] = true;
    }
    if (f.type == FieldType::Foreign) {
        d["reference"] = f.reference;
        d["on_delete"] = f.onDelete == OnDelete::Cascade ? "cascade" : "restrict";
    }
    if (f.unique) d["unique"] = true;
    if (f.autoGenerated) d["auto"] = true;
    if (f.computed) d["computed"] = true;
    if (!f.description.empty()) d["description"] = f.description;
    return d;
}
} // namespace

json EntitySchema::describe() const {
    json out = json::object();
    json fs = json::array();
    for (const auto& f : fields)
        fs.push_back({{f.name, describeField(f)}});
    out["fields"] = std::move(fs);
    if (!endpointKey.empty()) out["endpoint_key"] = endpointKey;
    return out;
}

} // namespace portico::schema
