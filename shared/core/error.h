#pragma once
// The error type carried by Expected in Portico's own code. Codes mirror Kong's database error
// codes (kong/db/errors.lua) so that the Admin API can answer in Kong's shape without mapping.

#include <nlohmann/json.hpp>
#include <string>

namespace portico {

enum class ErrorCode {
    InvalidPrimaryKey = 1,
    SchemaViolation = 2,
    PrimaryKeyViolation = 3,
    ForeignKeyViolation = 4,
    UniqueViolation = 5,
    NotFound = 6,
    InvalidOffset = 7,
    DatabaseError = 8,
    InvalidSize = 9,
    InvalidOptions = 11,
    InvalidDeclarativeConfig = 14,
    // Portico additions, outside Kong's range.
    BadRequest = 100,
    Io = 101,
    Corrupt = 102,
};

struct Error {
    ErrorCode code = ErrorCode::BadRequest;
    std::string message;
    // Field-level detail in Kong's "fields" shape; null when the error is not about fields.
    nlohmann::json fields;

    static Error make(ErrorCode c, std::string msg, nlohmann::json f = nullptr) {
        return Error{c, std::move(msg), std::move(f)};
    }
};

// Kong's "name" for an error code, as in the Admin API error body.
const char* errorName(ErrorCode code);

} // namespace portico
