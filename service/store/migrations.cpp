#include "store/migrations.h"

namespace portico::store {

const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> list = {
        // 1: entities as JSON documents, with side tables that give SQLite the uniqueness,
        // reference and tag lookups the Admin API needs.
        R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('revision', '0');
CREATE TABLE entities(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  UNIQUE(type, id));
CREATE TABLE unique_keys(
  type TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
  PRIMARY KEY(type, field, value)) WITHOUT ROWID;
CREATE INDEX unique_keys_by_id ON unique_keys(type, id);
-- Columns in primary-key order: SQLite 3.40's quick_check reports false NULLs on WITHOUT ROWID
-- tables whose columns are declared in another order.
CREATE TABLE refs(
  ref_type TEXT NOT NULL, ref_id TEXT NOT NULL,
  type TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL,
  PRIMARY KEY(ref_type, ref_id, type, id, field)) WITHOUT ROWID;
CREATE INDEX refs_by_source ON refs(type, id);
CREATE INDEX refs_by_field ON refs(type, field, ref_id);
CREATE TABLE tags(
  type TEXT NOT NULL, id TEXT NOT NULL, tag TEXT NOT NULL,
  PRIMARY KEY(type, id, tag)) WITHOUT ROWID;
CREATE TABLE history(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  revision INTEGER NOT NULL, time REAL NOT NULL, actor TEXT NOT NULL,
  entity TEXT NOT NULL, entity_id TEXT NOT NULL, op TEXT NOT NULL,
  before TEXT, after TEXT);
CREATE INDEX history_by_revision ON history(revision);
CREATE TABLE admin_tokens(
  name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
)sql",
    };
    return list;
}

} // namespace portico::store
