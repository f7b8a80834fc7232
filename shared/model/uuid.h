#pragma once
// Entity ids: random (v4) UUIDs from OpenSSL's CSPRNG, and name-derived (v5-style) UUIDs for
// declarative entities that carry no id, so that re-importing the same file keeps the same ids.

#include <string>
#include <string_view>

namespace portico::model {

std::string newUuid();
std::string derivedUuid(std::string_view ns, std::string_view name);
bool isUuid(std::string_view s);

} // namespace portico::model
