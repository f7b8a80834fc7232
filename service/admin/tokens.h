#pragma once
// Admin API bearer tokens: random secrets shown once, stored only as SHA-256 hashes.

#include <string>
#include <string_view>

namespace portico::admin {

std::string newToken();
std::string hashToken(std::string_view token);

} // namespace portico::admin
