#include "store/store.h"

#include "model/uuid.h"
#include "schema/schemas.h"
#include "store/migrations.h"
#include "store/sqlite.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <functional>
#include <unordered_map>
#include <utility>

namespace portico::store {

using schema::Field;
using schema::FieldType;

namespace {

double nowSeconds() {
    using namespace std::chrono;
    return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

// Kong prints keys of constraint errors as Lua tables: {name="x"} or {id="..."}.
std::string luaText(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
    if (v.is_object()) {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, e] : v.items()) {
            out += (first ? "" : ",") + k + "=" + luaText(e);
            first = false;
        }
        return out + "}";
    }
    return v.dump();
}

Error notFound() {
    return Error::make(ErrorCode::NotFound, "Not found");
}

// Rows are parsed without exceptions: a damaged row is reported, never thrown past the caller.
Expected<json, Error> parseRow(const std::string& text) {
    json v = json::parse(text, nullptr, false);
    if (v.is_discarded())
        return unexpected(Error::make(ErrorCode::Corrupt, "a stored entity is not valid JSON"));
    return v;
}

// Fields whose values reference other entities: foreign fields, and sets of ids that name
// their collection (a service's ca_certificates).
struct RefField {
    const Field* field;
    std::string target;
};

std::vector<RefField> refFields(const EntitySchema& s) {
    std::vector<RefField> out;
    for (const auto& f : s.fields) {
        if (f.type == FieldType::Foreign)
            out.push_back({&f, f.reference});
        else if (f.name == "ca_certificates")
            out.push_back({&f, "ca_certificates"});
    }
    return out;
}

} // namespace

class Store::Impl {
public:
    explicit Impl(Database d) : db(std::move(d)) {}

    Database db;
    std::int64_t revision = 0;
    std::vector<Change> pending;
    std::unordered_map<std::string, Statement> cache;

    // A cached statement on loan: reset when the loan ends, so that no half-read SELECT keeps
    // a read transaction open (which would hide other processes' commits, such as
    // `porticod admin-token create`, and stop WAL checkpoints).
    class Lease {
    public:
        explicit Lease(Statement* s) : m_s(s) {}
        Lease(Lease&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (m_s) m_s->reset();
        }
        Statement* operator->() const { return m_s; }
        Statement& operator*() const { return *m_s; }

    private:
        Statement* m_s;
    };

    Expected<Lease, Error> stmt(const std::string& sql) {
        auto it = cache.find(sql);
        if (it == cache.end()) {
            auto prepared = db.prepare(sql);
            if (!prepared) return unexpected(prepared.error());
            it = cache.emplace(sql, std::move(*prepared)).first;
        }
        it->second.reset();
        return Lease(&it->second);
    }

    struct Row {
        std::int64_t seq;
        json body;
    };

    Expected<std::optional<Row>, Error> load(const std::string& type, const std::string& id) {
        auto st = stmt("SELECT seq, body FROM entities WHERE type=? AND id=?");
        if (!st) return unexpected(st.error());
        (*st)->bind(1, type).bind(2, id);
        auto r = (*st)->step();
        if (!r) return unexpected(r.error());
        if (!*r) return std::optional<Row>();
        auto body = parseRow((*st)->text(1));
        if (!body) return unexpected(body.error());
        return std::optional<Row>(Row{(*st)->integer(0), std::move(*body)});
    }

    // Resolves an endpoint key to an id; empty string when no such entity.
    Expected<std::string, Error> lookupKey(const EntitySchema& s, const std::string& key) {
        if (s.endpointKey.empty()) return std::string();
        auto st = stmt("SELECT id FROM unique_keys WHERE type=? AND field=? AND value=?");
        if (!st) return unexpected(st.error());
        (*st)->bind(1, s.name).bind(2, s.endpointKey).bind(3, key);
        auto r = (*st)->step();
        if (!r) return unexpected(r.error());
        return *r ? (*st)->text(0) : std::string();
    }

    Expected<Ok, Error> resolveForeign(const EntitySchema& s, json& entity) {
        for (const auto& rf : refFields(s)) {
            json& v = entity[rf.field->name];
            if (v.is_null()) continue;
            const EntitySchema* target = schema::findSchema(rf.target);
            auto exists = [&](const std::string& id) -> Expected<bool, Error> {
                auto row = load(rf.target, id);
                if (!row) return unexpected(row.error());
                return row->has_value();
            };
            auto violation = [&](const json& key) {
                return Error::make(ErrorCode::ForeignKeyViolation,
                                   "the foreign key '" + luaText(key) +
                                       "' does not reference an existing '" + rf.target +
                                       "' entity.",
                                   json{{rf.field->name, key}});
            };
            if (rf.field->type == FieldType::Foreign) {
                std::string id;
                if (v.contains("id")) {
                    id = v["id"].get<std::string>();
                } else {
                    auto r = lookupKey(*target, v.begin()->get<std::string>());
                    if (!r) return unexpected(r.error());
                    id = *r;
                }
                auto ok = id.empty() ? Expected<bool, Error>(false) : exists(id);
                if (!ok) return unexpected(ok.error());
                if (!*ok) return unexpected(violation(v));
                v = json{{"id", id}};
            } else {
                for (const auto& e : v) {
                    auto ok = exists(e.get<std::string>());
                    if (!ok) return unexpected(ok.error());
                    if (!*ok) return unexpected(violation(json{{"id", e}}));
                }
            }
        }
        return Ok{};
    }

    Expected<Ok, Error> claimUnique(const EntitySchema& s, const std::string& id,
                                    const std::string& field, const std::string& value,
                                    const json& keyForMessage) {
        auto ins =
            stmt("INSERT OR IGNORE INTO unique_keys(type, field, value, id) VALUES(?,?,?,?)");
        if (!ins) return unexpected(ins.error());
        (*ins)->bind(1, s.name).bind(2, field).bind(3, value).bind(4, id);
        if (auto r = (*ins)->run(); !r) return unexpected(r.error());
        if (db.changes() == 1) return Ok{};
        return unexpected(Error::make(
            ErrorCode::UniqueViolation,
            "UNIQUE violation detected on '" + luaText(keyForMessage) + "'", keyForMessage));
    }

    Expected<Ok, Error> clearIndexes(const std::string& type, const std::string& id) {
        for (const char* sql :
             {"DELETE FROM unique_keys WHERE type=? AND id=?",
              "DELETE FROM refs WHERE type=? AND id=?", "DELETE FROM tags WHERE type=? AND id=?"}) {
            auto st = stmt(sql);
            if (!st) return unexpected(st.error());
            (*st)->bind(1, type).bind(2, id);
            if (auto r = (*st)->run(); !r) return unexpected(r.error());
        }
        return Ok{};
    }

    // Writes the entity and its index rows. With checkRefs, foreign keys are resolved and
    // verified first (a rollback restores a state that was consistent, so it skips this).
    Expected<Ok, Error> put(const EntitySchema& s, json& entity, bool checkRefs) {
        const std::string id = entity["id"].get<std::string>();
        if (checkRefs)
            if (auto r = resolveForeign(s, entity); !r) return unexpected(r.error());
        auto before = load(s.name, id);
        if (!before) return unexpected(before.error());
        if (auto r = clearIndexes(s.name, id); !r) return unexpected(r.error());

        for (const auto& f : s.fields) {
            if (!f.unique || entity[f.name].is_null()) continue;
            const json& v = entity[f.name];
            if (auto r = claimUnique(s, id, f.name, v.is_string() ? v.get<std::string>() : v.dump(),
                                     json{{f.name, v}});
                !r)
                return r;
        }
        for (const auto& group : s.uniqueTogether) {
            json key = json::object();
            std::string fieldName;
            for (const auto& f : group) {
                key[f] = entity[f];
                fieldName += (fieldName.empty() ? "" : ",") + f;
            }
            if (auto r = claimUnique(s, id, fieldName, key.dump(), key); !r) return r;
        }
        for (const auto& rf : refFields(s)) {
            const json& v = entity[rf.field->name];
            if (v.is_null()) continue;
            std::vector<std::string> ids;
            if (v.is_object())
                ids.push_back(v["id"].get<std::string>());
            else
                for (const auto& e : v)
                    ids.push_back(e.get<std::string>());
            for (const auto& refId : ids) {
                auto st = stmt("INSERT OR IGNORE INTO refs(type, id, field, ref_type, ref_id) "
                               "VALUES(?,?,?,?,?)");
                if (!st) return unexpected(st.error());
                (*st)
                    ->bind(1, s.name)
                    .bind(2, id)
                    .bind(3, rf.field->name)
                    .bind(4, rf.target)
                    .bind(5, refId);
                if (auto r = (*st)->run(); !r) return unexpected(r.error());
            }
        }
        if (entity.contains("tags") && entity["tags"].is_array()) {
            for (const auto& t : entity["tags"]) {
                auto st = stmt("INSERT OR IGNORE INTO tags(type, id, tag) VALUES(?,?,?)");
                if (!st) return unexpected(st.error());
                (*st)->bind(1, s.name).bind(2, id).bind(3, t.get<std::string>());
                if (auto r = (*st)->run(); !r) return unexpected(r.error());
            }
        }
        const std::string body = entity.dump();
        auto st = stmt(before->has_value() ? "UPDATE entities SET body=? WHERE type=? AND id=?"
                                           : "INSERT INTO entities(body, type, id) VALUES(?,?,?)");
        if (!st) return unexpected(st.error());
        (*st)->bind(1, body).bind(2, s.name).bind(3, id);
        if (auto r = (*st)->run(); !r) return unexpected(r.error());
        pending.push_back({s.name, id, before->has_value() ? "update" : "create",
                           before->has_value() ? (*before)->body : json(nullptr), entity});
        return Ok{};
    }

    // Deletes with Kong's rules. With followRefs false (rollback), dependants are not visited.
    Expected<Ok, Error> del(const EntitySchema& s, const std::string& id, bool followRefs) {
        auto before = load(s.name, id);
        if (!before) return unexpected(before.error());
        if (!before->has_value()) return unexpected(notFound());
        if (followRefs) {
            struct Dependant {
                std::string type, id, field;
            };
            std::vector<Dependant> deps;
            auto st = stmt("SELECT type, id, field FROM refs WHERE ref_type=? AND ref_id=?");
            if (!st) return unexpected(st.error());
            (*st)->bind(1, s.name).bind(2, id);
            for (;;) {
                auto r = (*st)->step();
                if (!r) return unexpected(r.error());
                if (!*r) break;
                deps.push_back({(*st)->text(0), (*st)->text(1), (*st)->text(2)});
            }
            for (const auto& d : deps) {
                const EntitySchema* ds = schema::findSchema(d.type);
                const Field* f = ds ? ds->field(d.field) : nullptr;
                if (!f || f->type != FieldType::Foreign || f->onDelete != schema::OnDelete::Cascade)
                    return unexpected(Error::make(ErrorCode::ForeignKeyViolation,
                                                  "an existing '" + d.type +
                                                      "' entity references this '" + s.name +
                                                      "' entity",
                                                  json{{"@referenced_by", d.type}}));
                auto still = load(d.type, d.id);
                if (!still) return unexpected(still.error());
                if (still->has_value())
                    if (auto r = del(*ds, d.id, true); !r) return r;
            }
        }
        if (auto r = clearIndexes(s.name, id); !r) return unexpected(r.error());
        auto st = stmt("DELETE FROM entities WHERE type=? AND id=?");
        if (!st) return unexpected(st.error());
        (*st)->bind(1, s.name).bind(2, id);
        if (auto r = (*st)->run(); !r) return unexpected(r.error());
        pending.push_back({s.name, id, "delete", (*before)->body, nullptr});
        return Ok{};
    }

    // Reduces the changes of one transaction to one per entity, dropping those that ended where
    // they started, so history shows the net effect of a rollback or a full replace.
    void collapsePending() {
        std::unordered_map<std::string, std::size_t> firstIndex;
        std::vector<Change> net;
        for (auto& c : pending) {
            auto key = c.entity + "/" + c.id;
            auto it = firstIndex.find(key);
            if (it == firstIndex.end()) {
                firstIndex.emplace(key, net.size());
                net.push_back(std::move(c));
                continue;
            }
            Change& first = net[it->second];
            first.after = std::move(c.after);
        }
        pending.clear();
        for (auto& c : net) {
            if (c.before == c.after) continue;
            c.op = c.before.is_null() ? "create" : c.after.is_null() ? "delete" : "update";
            pending.push_back(std::move(c));
        }
    }

    Expected<WriteResult, Error> transact(const std::string& actor,
                                          const std::function<Expected<Ok, Error>()>& body) {
        if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return unexpected(r.error());
        pending.clear();
        auto fail = [&](Error e) -> Expected<WriteResult, Error> {
            (void)db.exec("ROLLBACK");
            pending.clear();
            return unexpected(std::move(e));
        };
        if (auto r = body(); !r) return fail(r.error());
        WriteResult result{revision, {}};
        if (!pending.empty()) {
            result.revision = revision + 1;
            auto up = stmt("UPDATE meta SET value=? WHERE key='revision'");
            if (!up) return fail(up.error());
            (*up)->bind(1, std::to_string(result.revision));
            if (auto r = (*up)->run(); !r) return fail(r.error());
            const double now = nowSeconds();
            for (const auto& c : pending) {
                auto h = stmt("INSERT INTO history(revision, time, actor, entity, entity_id, op, "
                              "before, after) "
                              "VALUES(?,?,?,?,?,?,?,?)");
                if (!h) return fail(h.error());
                (*h)->bind(1, result.revision)
                    .bind(3, actor)
                    .bind(4, c.entity)
                    .bind(5, c.id)
                    .bind(6, c.op);
                (*h)->bind(2, std::to_string(now));
                if (c.before.is_null())
                    (*h)->bindNull(7);
                else
                    (*h)->bind(7, c.before.dump());
                if (c.after.is_null())
                    (*h)->bindNull(8);
                else
                    (*h)->bind(8, c.after.dump());
                if (auto r = (*h)->run(); !r) return fail(r.error());
            }
        }
        if (auto r = db.exec("COMMIT"); !r) return fail(r.error());
        revision = result.revision;
        result.changes = std::move(pending);
        pending.clear();
        return result;
    }
};

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::~Store() = default;

Expected<std::unique_ptr<Store>, Error> Store::open(const std::string& path) {
    auto db = Database::open(path);
    if (!db) return unexpected(db.error());
    auto impl = std::make_unique<Impl>(std::move(*db));
    Database& d = impl->db;
    {
        // The first statement reads the header: a file that is not a database fails here.
        auto check = d.prepare("PRAGMA quick_check");
        auto row = check ? check->step() : Expected<bool, Error>(unexpected(check.error()));
        if (!row)
            return unexpected(Error::make(
                ErrorCode::Corrupt, "store " + path + " is not readable: " + row.error().message));
        if (*row && check->text(0) != "ok")
            return unexpected(
                Error::make(ErrorCode::Corrupt,
                            "store " + path + " failed its integrity check: " + check->text(0)));
    }
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=OFF"})
        if (auto r = d.exec(pragma); !r) return unexpected(r.error());

    std::size_t current = 0;
    {
        auto ver = d.prepare("PRAGMA user_version");
        if (!ver) return unexpected(ver.error());
        if (auto r = ver->step(); !r) return unexpected(r.error());
        current = static_cast<std::size_t>(ver->integer(0));
    }
    const auto& all = migrations();
    if (current > all.size())
        return unexpected(Error::make(
            ErrorCode::DatabaseError,
            "store " + path + " has schema version " + std::to_string(current) +
                ", newer than this porticod supports (" + std::to_string(all.size()) + ")"));
    for (std::size_t i = current; i < all.size(); ++i) {
        if (auto r = d.exec("BEGIN IMMEDIATE"); !r) return unexpected(r.error());
        auto r = d.exec(all[i]);
        if (r) r = d.exec("PRAGMA user_version=" + std::to_string(i + 1));
        if (!r) {
            (void)d.exec("ROLLBACK");
            return unexpected(
                Error::make(ErrorCode::DatabaseError, "migration " + std::to_string(i + 1) +
                                                          " failed: " + r.error().message));
        }
        if (auto c = d.exec("COMMIT"); !c) return unexpected(c.error());
    }
    {
        auto rev = d.prepare("SELECT value FROM meta WHERE key='revision'");
        if (!rev) return unexpected(rev.error());
        auto has = rev->step();
        if (!has || !*has)
            return unexpected(
                Error::make(ErrorCode::Corrupt, "store " + path + " has no revision"));
        const std::string text = rev->text(0);
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), impl->revision);
        if (ec != std::errc() || p != text.data() + text.size())
            return unexpected(
                Error::make(ErrorCode::Corrupt, "store " + path + " has a damaged revision"));
    }
    std::unique_ptr<Store> store(new Store(std::move(impl)));
    store->m_revision = store->m_impl->revision;
    return store;
}

Expected<json, Error> Store::get(const EntitySchema& s, const std::string& idOrKey) {
    std::string id = idOrKey;
    if (!model::isUuid(idOrKey)) {
        auto r = m_impl->lookupKey(s, idOrKey);
        if (!r) return unexpected(r.error());
        if (r->empty()) return unexpected(notFound());
        id = *r;
    }
    auto row = m_impl->load(s.name, id);
    if (!row) return unexpected(row.error());
    if (!row->has_value()) return unexpected(notFound());
    return (*row)->body;
}

Expected<Page, Error> Store::list(const EntitySchema& s, const ListQuery& q) {
    std::string sql = "SELECT e.seq, e.body FROM entities e";
    if (!q.foreignField.empty())
        sql += " JOIN refs r ON r.type=e.type AND r.id=e.id AND r.field=?3 AND r.ref_id=?4";
    sql += " WHERE e.type=?1 AND e.seq>?2";
    if (!q.tags.empty()) {
        sql += " AND (SELECT COUNT(*) FROM tags t WHERE t.type=e.type AND t.id=e.id AND t.tag IN (";
        for (std::size_t i = 0; i < q.tags.size(); ++i)
            sql += (i ? ",?" : "?") + std::to_string(10 + i);
        sql += ")) " + std::string(q.tagsAny ? ">= 1" : ">= " + std::to_string(q.tags.size()));
    }
    sql += " ORDER BY e.seq LIMIT ?5";
    auto st = m_impl->stmt(sql);
    if (!st) return unexpected(st.error());
    Statement& stm = **st;
    stm.bind(1, s.name).bind(2, q.after).bind(5, static_cast<std::int64_t>(q.size + 1));
    if (!q.foreignField.empty()) stm.bind(3, q.foreignField).bind(4, q.foreignId);
    for (std::size_t i = 0; i < q.tags.size(); ++i)
        stm.bind(static_cast<int>(10 + i), q.tags[i]);
    Page page;
    std::int64_t lastSeq = 0;
    for (;;) {
        auto r = stm.step();
        if (!r) return unexpected(r.error());
        if (!*r) break;
        if (page.data.size() == q.size) {
            page.next = lastSeq;
            break;
        }
        lastSeq = stm.integer(0);
        auto body = parseRow(stm.text(1));
        if (!body) return unexpected(body.error());
        page.data.push_back(std::move(*body));
    }
    return page;
}

Expected<std::vector<json>, Error> Store::all(const EntitySchema& s) {
    auto st = m_impl->stmt("SELECT body FROM entities WHERE type=? ORDER BY seq");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, s.name);
    std::vector<json> out;
    for (;;) {
        auto r = (*st)->step();
        if (!r) return unexpected(r.error());
        if (!*r) break;
        auto body = parseRow((*st)->text(0));
        if (!body) return unexpected(body.error());
        out.push_back(std::move(*body));
    }
    return out;
}

Expected<std::size_t, Error> Store::count(const EntitySchema& s) {
    auto st = m_impl->stmt("SELECT COUNT(*) FROM entities WHERE type=?");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, s.name);
    if (auto r = (*st)->step(); !r) return unexpected(r.error());
    return static_cast<std::size_t>((*st)->integer(0));
}

Expected<WriteResult, Error> Store::insert(const EntitySchema& s, json entity,
                                           const std::string& actor) {
    auto r = m_impl->transact(actor, [&]() -> Expected<Ok, Error> {
        auto existing = m_impl->load(s.name, entity["id"].get<std::string>());
        if (!existing) return unexpected(existing.error());
        if (existing->has_value())
            return unexpected(Error::make(ErrorCode::PrimaryKeyViolation,
                                          "primary key violation on key '{id=\"" +
                                              entity["id"].get<std::string>() + "\"}'",
                                          json{{"id", entity["id"]}}));
        return m_impl->put(s, entity, true);
    });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<WriteResult, Error> Store::upsert(const EntitySchema& s, json entity,
                                           const std::string& actor) {
    auto r = m_impl->transact(actor, [&]() { return m_impl->put(s, entity, true); });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<WriteResult, Error> Store::remove(const EntitySchema& s, const std::string& id,
                                           const std::string& actor) {
    auto r = m_impl->transact(actor, [&]() { return m_impl->del(s, id, true); });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<WriteResult, Error> Store::batch(const std::vector<BatchOp>& ops,
                                          const std::string& actor) {
    auto r = m_impl->transact(actor, [&]() -> Expected<Ok, Error> {
        for (const auto& op : ops) {
            if (op.remove) {
                auto still = m_impl->load(op.schema->name, op.id);
                if (!still) return unexpected(still.error());
                if (!still->has_value()) continue; // already gone with a cascade
                if (auto d = m_impl->del(*op.schema, op.id, true); !d) return d;
            } else {
                json e = op.entity;
                if (auto p = m_impl->put(*op.schema, e, true); !p) return p;
            }
        }
        return Ok{};
    });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<WriteResult, Error>
Store::replaceAll(const std::vector<std::pair<const EntitySchema*, json>>& entities,
                  const std::string& actor) {
    auto r = m_impl->transact(actor, [&]() -> Expected<Ok, Error> {
        const auto& order = schema::allSchemas();
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
            auto rows = all(**it);
            if (!rows) return unexpected(rows.error());
            for (const auto& row : *rows)
                if (auto d = m_impl->del(**it, row["id"].get<std::string>(), false); !d) return d;
        }
        for (const auto& [s, e] : entities) {
            json entity = e;
            if (auto p = m_impl->put(*s, entity, true); !p) return p;
        }
        m_impl->collapsePending();
        return Ok{};
    });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<std::vector<HistoryEntry>, Error> Store::history(std::int64_t beforeRevision,
                                                          std::size_t size) {
    auto st = m_impl->stmt(
        "SELECT revision, time, actor, entity, entity_id, op FROM history WHERE revision IN "
        "(SELECT DISTINCT revision FROM history WHERE revision < ? ORDER BY revision DESC LIMIT ?) "
        "ORDER BY revision DESC, seq");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, beforeRevision).bind(2, static_cast<std::int64_t>(size));
    std::vector<HistoryEntry> out;
    for (;;) {
        auto r = (*st)->step();
        if (!r) return unexpected(r.error());
        if (!*r) break;
        const std::int64_t rev = (*st)->integer(0);
        if (out.empty() || out.back().revision != rev)
            out.push_back({rev, std::strtod((*st)->text(1).c_str(), nullptr), (*st)->text(2), {}});
        out.back().changes.push_back(
            {(*st)->text(3), (*st)->text(4), (*st)->text(5), nullptr, nullptr});
    }
    return out;
}

Expected<WriteResult, Error> Store::rollback(std::int64_t revision, const std::string& actor) {
    if (revision < 0 || revision > m_impl->revision)
        return unexpected(Error::make(ErrorCode::BadRequest,
                                      "no such revision: " + std::to_string(revision),
                                      json{{"revision", "no such revision"}}));
    auto r = m_impl->transact(actor, [&]() -> Expected<Ok, Error> {
        struct Step {
            std::string entity, id, op, before;
        };
        std::vector<Step> steps;
        auto st = m_impl->stmt("SELECT entity, entity_id, op, before FROM history WHERE revision > "
                               "? ORDER BY seq DESC");
        if (!st) return unexpected(st.error());
        (*st)->bind(1, revision);
        for (;;) {
            auto row = (*st)->step();
            if (!row) return unexpected(row.error());
            if (!*row) break;
            steps.push_back({(*st)->text(0), (*st)->text(1), (*st)->text(2), (*st)->text(3)});
        }
        // Undo each change, newest first: every intermediate state is one the store once had.
        for (const auto& s : steps) {
            const EntitySchema* sch = schema::findSchema(s.entity);
            if (!sch)
                return unexpected(
                    Error::make(ErrorCode::Corrupt, "history names unknown entity " + s.entity));
            if (s.op == "create") {
                if (auto d = m_impl->del(*sch, s.id, false); !d) return d;
            } else {
                auto parsed = parseRow(s.before);
                if (!parsed) return unexpected(parsed.error());
                json before = std::move(*parsed);
                if (auto p = m_impl->put(*sch, before, false); !p) return p;
            }
        }
        m_impl->collapsePending();
        return Ok{};
    });
    if (r) m_revision = m_impl->revision;
    return r;
}

Expected<Ok, Error> Store::addToken(const std::string& name, const std::string& hash) {
    auto st = m_impl->stmt("INSERT INTO admin_tokens(name, hash, created_at) VALUES(?,?,?)");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, name).bind(2, hash).bind(3, static_cast<std::int64_t>(nowSeconds()));
    if (auto r = (*st)->run(); !r)
        return unexpected(
            Error::make(ErrorCode::UniqueViolation, "a token named '" + name + "' exists already"));
    return Ok{};
}

Expected<bool, Error> Store::removeToken(const std::string& name) {
    auto st = m_impl->stmt("DELETE FROM admin_tokens WHERE name=?");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, name);
    if (auto r = (*st)->run(); !r) return unexpected(r.error());
    return m_impl->db.changes() == 1;
}

Expected<std::vector<json>, Error> Store::tokens() {
    auto st = m_impl->stmt("SELECT name, created_at FROM admin_tokens ORDER BY name");
    if (!st) return unexpected(st.error());
    std::vector<json> out;
    for (;;) {
        auto r = (*st)->step();
        if (!r) return unexpected(r.error());
        if (!*r) break;
        out.push_back({{"name", (*st)->text(0)}, {"created_at", (*st)->integer(1)}});
    }
    return out;
}

Expected<std::string, Error> Store::tokenName(const std::string& hash) {
    auto st = m_impl->stmt("SELECT name FROM admin_tokens WHERE hash=?");
    if (!st) return unexpected(st.error());
    (*st)->bind(1, hash);
    auto r = (*st)->step();
    if (!r) return unexpected(r.error());
    return *r ? (*st)->text(0) : std::string();
}

} // namespace portico::store
