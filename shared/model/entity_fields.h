#pragma once
// Reading fields of stored entities (JSON as the store returns them) where a missing or null
// field means "none".

#include <nlohmann/json.hpp>
#include <string>

namespace portico::model {

// A string field, or "" when absent, null or not a string.
inline std::string stringField(const nlohmann::json& entity, const char* key) {
    return entity.contains(key) && entity[key].is_string() ? entity[key].get<std::string>()
                                                           : std::string();
}

// The id a foreign-key field ({"id": ...}) points at, or "" when it is null.
inline std::string foreignId(const nlohmann::json& entity, const char* field) {
    return entity.contains(field) && entity[field].is_object() ? entity[field].value("id", "")
                                                               : std::string();
}

} // namespace portico::model
