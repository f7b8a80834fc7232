#pragma once
// Schema migrations of the SQLite store, numbered from 1 (PRAGMA user_version holds the last
// applied). Append only: a released migration never changes.

#include <string_view>
#include <vector>

namespace portico::store {

const std::vector<std::string_view>& migrations();

} // namespace portico::store
