#pragma once
// Thin RAII wrappers over the SQLite C API. Not thread-safe: a Database belongs to the thread
// that opened it (the main thread in porticod).

#include "core/error.h"
#include "core/expected.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace portico::store {

class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    Statement(Statement&& o) noexcept : m_db(o.m_db), m_stmt(o.m_stmt) { o.m_stmt = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bindNull(int index);

    // Returns true while a row is available; false when done. Errors become DatabaseError.
    Expected<bool, Error> step();
    Expected<Ok, Error> run(); // steps to completion
    void reset();

    std::string text(int column) const;
    std::int64_t integer(int column) const;
    bool isNull(int column) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt;
};

class Database {
public:
    static Expected<Database, Error> open(const std::string& path);
    Database(Database&& o) noexcept : m_db(o.m_db) { o.m_db = nullptr; }
    Database(const Database&) = delete;
    ~Database();

    Expected<Statement, Error> prepare(std::string_view sql);
    Expected<Ok, Error> exec(std::string_view sql);
    std::string lastError() const;
    int changes() const;

private:
    explicit Database(sqlite3* db) : m_db(db) {}
    sqlite3* m_db;
};

} // namespace portico::store
