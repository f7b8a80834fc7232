#pragma once
// Small ASCII text helpers shared by the Admin API, the settings and the proxy (HTTP names and
// tokens are ASCII and case-insensitive).

#include <string>
#include <string_view>

namespace portico {

std::string toLower(std::string_view s);
// `out` becomes the lower-case copy of `s`, reusing its storage.
void assignLower(std::string& out, std::string_view s);
// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
// lowerA must already be lower case.
bool equalsIgnoreCase(std::string_view lowerA, std::string_view b);

} // namespace portico
