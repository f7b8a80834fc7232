#pragma once
// The entity schemas and their registry. Schemas are built once, on first use, and are
// immutable afterwards: any thread may read them.

#include "schema/entity_schema.h"

#include <string_view>
#include <vector>

namespace portico::schema {

EntitySchema makeServiceSchema();
EntitySchema makeRouteSchema();
EntitySchema makeUpstreamSchema();
EntitySchema makeTargetSchema();
EntitySchema makeConsumerSchema();
EntitySchema makePluginSchema();
EntitySchema makeCertificateSchema();
EntitySchema makeCaCertificateSchema();
EntitySchema makeSniSchema();

// Every schema, ordered so that an entity comes after the entities it references (the order
// in which a declarative config is inserted; deletion goes in reverse).
const std::vector<const EntitySchema*>& allSchemas();
const EntitySchema* findSchema(std::string_view collection);

} // namespace portico::schema
