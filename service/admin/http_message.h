#pragma once
// Admin API requests and responses as plain values, so that handlers compile without Beast.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace portico::admin {

class EventSubscription;

struct HttpRequest {
    std::string method;
    std::string target; // raw request target, e.g. /services?size=2
    std::string path;   // decoded path without the query
    std::vector<std::pair<std::string, std::string>> query; // decoded, in order
    std::map<std::string, std::string> headers;             // names in lower case
    std::string body;
    std::string actor; // who is asking: "local:uid=1000" or "token:ci"

    const std::string* header(const std::string& lowerName) const {
        auto it = headers.find(lowerName);
        return it == headers.end() ? nullptr : &it->second;
    }
    const std::string* queryValue(const std::string& name) const {
        for (const auto& [k, v] : query)
            if (k == name) return &v;
        return nullptr;
    }
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Set for /events: the connection stays open and streams this subscription.
    std::shared_ptr<EventSubscription> events;
};

std::string percentDecode(std::string_view s, bool plusIsSpace);
// Splits a request target into a decoded path and query pairs.
void splitTarget(const std::string& target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query);

} // namespace portico::admin
