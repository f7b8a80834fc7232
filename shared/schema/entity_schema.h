#pragma once
// An entity schema (services, routes, ...) and the validation that turns an Admin API or
// declarative input into a complete stored entity. Thread-safe: schemas are immutable after
// start-up and validation keeps no state.

#include "core/error.h"
#include "core/expected.h"
#include "schema/field.h"

#include <functional>
#include <string>
#include <vector>

namespace portico::schema {

enum class WriteMode { Insert, Upsert, Update };

struct ValidationOptions {
    // Form bodies carry strings only; they are converted to the field's type as Kong does.
    bool coerceStrings = false;
    // Current time in seconds since the epoch; injected so tests and imports are deterministic.
    double now = 0;
};

struct EntitySchema {
    std::string name;        // collection, e.g. "services"
    std::string foreignName; // name of a field referencing it, e.g. "service"
    std::string endpointKey; // field that addresses an entity instead of its id; may be empty
    std::vector<Field> fields;
    // Composite uniqueness, e.g. one plugin per (name, route, service, consumer).
    std::vector<std::vector<std::string>> uniqueTogether;
    bool millisecondTimestamps = false;
    // Rewrites write-only shorthands (a service's url) into real fields before validation.
    std::function<void(json& input, json& fieldErrors)> shorthands;
    // Checks across fields, run once every field is valid. Adds to fieldErrors (or "@entity").
    std::function<void(const json& entity, json& fieldErrors)> entityCheck;
    // Fills computed fields (a CA certificate's digest) of a valid entity.
    std::function<void(json& entity)> compute;

    const Field* field(std::string_view n) const;
    std::vector<const Field*> foreignKeys() const;

    // Validates input for the given mode. For Update, `existing` is the stored entity and input
    // is merged into it first. Returns the complete entity with defaults, id and timestamps.
    Expected<json, Error> validate(const json& input, WriteMode mode, const json* existing,
                                   const ValidationOptions& opts) const;

    // The schema as JSON for GET /schemas/{entity}: the console draws its forms from this.
    json describe() const;
};

// "field.sub: message" lines for a Kong "fields" object, each under prefix when given.
std::vector<std::string> flattenErrors(const json& fieldErrors, const std::string& prefix = {});

// Builds Kong's schema violation error from a "fields" object.
Error schemaViolation(const json& fieldErrors);

// Deep merge for PATCH: records merge recursively, everything else is replaced.
void mergeInto(json& target, const json& patch, const std::vector<Field>& fields);

} // namespace portico::schema
