#include "schema/typedefs.h"

#include "schema/validators.h"

namespace portico::schema::typedefs {

Field id() {
    return Field::string("id").autoGen().describe(
        "Unique identifier (UUID), generated when absent.");
}
Field createdAt() {
    return Field::integer("created_at").autoGen().describe("Unix time of creation, in seconds.");
}
Field updatedAt() {
    return Field::integer("updated_at")
        .autoGen()
        .describe("Unix time of the last change, in seconds.");
}
Field tags() {
    return Field::setOf("tags", Field::string("tag").validate(checkTag))
        .describe(
            "Labels for grouping and filtering (?tags=a,b for all of, ?tags=a/b for any of).");
}
Field name() {
    return Field::string("name").uniq().validate(checkName).describe(
        "Unique name; usable instead of the id in URLs.");
}
Field host(std::string fieldName) {
    return Field::string(std::move(fieldName)).validate(checkHost);
}
Field port(std::string fieldName, int def) {
    return Field::integer(std::move(fieldName)).def(def).range(0, 65535);
}
Field timeout(std::string fieldName, int def) {
    return Field::integer(std::move(fieldName)).def(def).range(1, 2147483646);
}
Field protocols(std::string fieldName, std::vector<json> allowed, json def) {
    return Field::setOf(std::move(fieldName), Field::string("protocol").values(std::move(allowed)))
        .def(std::move(def))
        .minLength(1)
        .req();
}
Field httpStatuses(std::string fieldName, json def) {
    return Field::arrayOf(std::move(fieldName), Field::integer("status").range(200, 999))
        .def(std::move(def));
}

void addCommon(std::vector<Field>& fields, bool withUpdatedAt) {
    fields.insert(fields.begin(), id());
    fields.push_back(createdAt());
    if (withUpdatedAt) fields.push_back(updatedAt());
    fields.push_back(tags());
}

} // namespace portico::schema::typedefs
