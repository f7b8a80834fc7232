#include "proxy/config_snapshot.h"

namespace portico::proxy {

Expected<std::shared_ptr<const ConfigSnapshot>, Error>
ConfigSnapshot::build(std::int64_t revision, const std::vector<nlohmann::json>& services,
                      const std::vector<nlohmann::json>& routes) {
    auto router = Router::build(routes);
    if (!router) return unexpected(router.error());
    auto snap = std::make_shared<ConfigSnapshot>();
    snap->revision = revision;
    snap->router = std::move(*router);
    for (const auto& s : services) {
        ServiceInfo info;
        info.id = s.value("id", "");
        info.name = s["name"].is_string() ? s["name"].get<std::string>() : std::string();
        info.protocol = s.value("protocol", "http");
        info.host = s.value("host", "");
        info.port = s.value("port", 80);
        info.path = s["path"].is_string() ? s["path"].get<std::string>() : std::string();
        info.connectTimeoutMs = s.value("connect_timeout", 60000);
        info.writeTimeoutMs = s.value("write_timeout", 60000);
        info.readTimeoutMs = s.value("read_timeout", 60000);
        info.retries = s.value("retries", 5);
        info.enabled = s.value("enabled", true);
        snap->services.emplace(info.id, std::move(info));
    }
    return std::shared_ptr<const ConfigSnapshot>(std::move(snap));
}

} // namespace portico::proxy
