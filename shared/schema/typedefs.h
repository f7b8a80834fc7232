#pragma once
// Field definitions that many entities share (Kong's typedefs).

#include "schema/field.h"

namespace portico::schema::typedefs {

Field id();
Field createdAt();
Field updatedAt();
Field tags();
Field name();
Field host(std::string fieldName);
Field port(std::string fieldName, int def);
Field timeout(std::string fieldName, int def);
Field protocols(std::string fieldName, std::vector<json> allowed, json def);
Field httpStatuses(std::string fieldName, json def);

// The common id/created_at/updated_at/tags quartet, in Kong's field order.
void addCommon(std::vector<Field>& fields, bool withUpdatedAt = true);

} // namespace portico::schema::typedefs
