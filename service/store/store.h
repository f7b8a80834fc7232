#pragma once
// The configuration store: entities in SQLite (WAL, synchronous=FULL), one transaction per
// write, a global revision bumped by every write, and a history row per changed entity.
// Owned by the main thread; no method may be called from another thread.

#include "core/error.h"
#include "core/expected.h"
#include "schema/entity_schema.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portico::store {

using json = nlohmann::json;
using schema::EntitySchema;

struct Change {
    std::string entity; // collection name
    std::string id;
    std::string op; // create, update, delete
    json before;
    json after;
};

struct WriteResult {
    std::int64_t revision = 0;
    std::vector<Change> changes;
};

struct ListQuery {
    std::size_t size = 100;
    std::int64_t after = 0; // sequence number of the last row of the previous page
    std::vector<std::string> tags;
    bool tagsAny = false;
    // Nested listing (/services/{s}/routes): only rows whose foreign field references this id.
    std::string foreignField;
    std::string foreignId;
};

struct Page {
    std::vector<json> data;
    std::int64_t next = 0; // 0 when this is the last page
};

struct HistoryEntry {
    std::int64_t revision;
    double time;
    std::string actor;
    std::vector<Change> changes;
};

class Store {
public:
    // Opens or creates the store at path. A file that is not a readable Portico store is an
    // error, never replaced.
    static Expected<std::unique_ptr<Store>, Error> open(const std::string& path);
    ~Store();

    std::int64_t revision() const { return m_revision; }

    // Lookup by id, or by the schema's endpoint key when the key is not UUID-shaped.
    Expected<json, Error> get(const EntitySchema& s, const std::string& idOrKey);
    Expected<Page, Error> list(const EntitySchema& s, const ListQuery& q);
    Expected<std::vector<json>, Error> all(const EntitySchema& s);
    Expected<std::size_t, Error> count(const EntitySchema& s);

    // `entity` is a validated entity. Foreign keys may name the referenced entity by its
    // endpoint key; they are stored as {"id": ...}.
    Expected<WriteResult, Error> insert(const EntitySchema& s, json entity,
                                        const std::string& actor);
    // Inserts or replaces the entity with entity["id"].
    Expected<WriteResult, Error> upsert(const EntitySchema& s, json entity,
                                        const std::string& actor);
    // Deletes with Kong's foreign key rules: restrict refuses, cascade deletes dependants.
    Expected<WriteResult, Error> remove(const EntitySchema& s, const std::string& id,
                                        const std::string& actor);
    // A batch of upserts and deletes in one transaction and one revision.
    struct BatchOp {
        const EntitySchema* schema;
        json entity;    // for upsert
        std::string id; // for delete
        bool remove = false;
    };
    Expected<WriteResult, Error> batch(const std::vector<BatchOp>& ops, const std::string& actor);

    // Replaces every entity with `entities` (parents before children) in one revision. History
    // records only what differs.
    Expected<WriteResult, Error>
    replaceAll(const std::vector<std::pair<const EntitySchema*, json>>& entities,
               const std::string& actor);

    Expected<std::vector<HistoryEntry>, Error> history(std::int64_t beforeRevision,
                                                       std::size_t size);
    // Restores the configuration as it was at `revision`, as a new revision.
    Expected<WriteResult, Error> rollback(std::int64_t revision, const std::string& actor);

    // Admin tokens (stored as SHA-256 hashes).
    Expected<Ok, Error> addToken(const std::string& name, const std::string& hash);
    Expected<bool, Error> removeToken(const std::string& name);
    Expected<std::vector<json>, Error> tokens();
    // The name of the token with this hash; empty when there is none.
    Expected<std::string, Error> tokenName(const std::string& hash);

private:
    class Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
    std::int64_t m_revision = 0;
};

} // namespace portico::store
