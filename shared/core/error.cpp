#include "core/error.h"

namespace portico {

const char* errorName(ErrorCode code) {
    switch (code) {
    case ErrorCode::InvalidPrimaryKey:
        return "invalid primary key";
    case ErrorCode::SchemaViolation:
        return "schema violation";
    case ErrorCode::PrimaryKeyViolation:
        return "primary key violation";
    case ErrorCode::ForeignKeyViolation:
        return "foreign key violation";
    case ErrorCode::UniqueViolation:
        return "unique constraint violation";
    case ErrorCode::NotFound:
        return "not found";
    case ErrorCode::InvalidOffset:
        return "invalid offset";
    case ErrorCode::DatabaseError:
        return "database error";
    case ErrorCode::InvalidSize:
        return "invalid size";
    case ErrorCode::InvalidOptions:
        return "invalid options";
    case ErrorCode::InvalidDeclarativeConfig:
        return "invalid declarative configuration";
    case ErrorCode::BadRequest:
        return "bad request";
    case ErrorCode::Io:
        return "i/o error";
    case ErrorCode::Corrupt:
        return "corrupt store";
    }
    return "error";
}

} // namespace portico
