#pragma once
// Field checks shared by the entity schemas. Each returns an empty string for a valid value,
// else the error text the Admin API shows for that field.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace portico::schema {

using json = nlohmann::json;

std::string checkName(const json& v);
std::string checkTag(const json& v);
std::string checkHost(const json& v);
std::string checkRouteHost(const json& v);
std::string checkSniName(const json& v);
std::string checkRoutePath(const json& v);
// A route regex (PCRE, as Kong users write them) in RE2's syntax: named groups written
// (?<name>...) become (?P<name>...); lookbehinds ((?<= and (?<!) are left for RE2 to refuse.
std::string re2Pattern(std::string_view pcre);
std::string checkServicePath(const json& v);
std::string checkMethod(const json& v);
std::string checkHeaderName(const json& v);
std::string checkUuidValue(const json& v);
std::string checkTarget(const json& v);
std::string checkIpOrCidr(const json& v);

bool isIpAddress(std::string_view s);
bool isHostname(std::string_view s);

// Splits "host:port" / "[v6]:port" / "host". Port is -1 when absent, -2 when malformed.
struct HostPort {
    std::string host;
    int port = -1;
};
HostPort splitHostPort(std::string_view s);

} // namespace portico::schema
