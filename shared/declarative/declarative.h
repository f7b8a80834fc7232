#pragma once
// The declarative configuration format (kong.yml, _format_version "3.0"), JSON or YAML:
// parsing, flattening nested entities into (collection, entity) entries, nesting stored entities
// for export, and the configuration hash. Stateless; any thread may call.

#include "core/error.h"
#include "core/expected.h"
#include "schema/entity_schema.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace portico::declarative {

using json = nlohmann::json;

struct Entry {
    const schema::EntitySchema* schema;
    json input;       // the entity as written, with parent references and an id filled in
    std::string path; // where it stands in the document, e.g. services[0].routes[1]
};

// Parses JSON, or YAML when the text is not JSON. Errors carry the line or byte.
Expected<json, Error> parseDocument(std::string_view text);

// Flattens a document into entries in dependency order. Entities without an id get one derived
// from their collection and key, so that loading the same file twice yields the same ids.
Expected<std::vector<Entry>, Error> flatten(const json& doc);

// Nests stored entities (collection -> rows) into a document like kong.yml.
json nest(const std::map<std::string, std::vector<json>>& rows);

// MD5 (32 hex digits) over the canonical form of the entities, timestamps excluded; the empty
// configuration hashes to 32 zeros as in Kong.
std::string configHash(const std::map<std::string, std::vector<json>>& rows);

std::string toYaml(const json& doc);

// Error for an invalid document, listing every problem by its path.
Error invalidConfig(const json& errorsByPath);

} // namespace portico::declarative
