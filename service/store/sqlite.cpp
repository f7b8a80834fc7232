#include "store/sqlite.h"

#include <sqlite3.h>

namespace portico::store {

namespace {
Error dbError(sqlite3* db, std::string_view what) {
    int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
    ErrorCode ec = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? ErrorCode::Corrupt
                                                                     : ErrorCode::DatabaseError;
    return Error::make(ec, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
} // namespace

Statement::~Statement() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Expected<bool, Error> Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return unexpected(dbError(m_db, "statement failed"));
}

Expected<Ok, Error> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return unexpected(r.error());
        if (!*r) return Ok{};
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string Statement::text(int column) const {
    const unsigned char* t = sqlite3_column_text(m_stmt, column);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
             : std::string();
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

Expected<Database, Error> Database::open(const std::string& path) {
    sqlite3* db = nullptr;
    // A file that is not a database is reported by the first statement, never overwritten.
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        Error e = dbError(db, "cannot open store " + path);
        sqlite3_close(db);
        return unexpected(std::move(e));
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 0);
    return Database(db);
}

Database::~Database() {
    if (m_db) sqlite3_close_v2(m_db);
}

Expected<Statement, Error> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK)
        return unexpected(dbError(m_db, "prepare failed"));
    return Statement(m_db, stmt);
}

Expected<Ok, Error> Database::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        Error e = dbError(m_db, "statement failed");
        sqlite3_free(err);
        return unexpected(std::move(e));
    }
    return Ok{};
}

std::string Database::lastError() const {
    return sqlite3_errmsg(m_db);
}
int Database::changes() const {
    return sqlite3_changes(m_db);
}

} // namespace portico::store
