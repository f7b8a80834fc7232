// Consumers and plugin instances (Kong's consumers.lua and plugins.lua).
#include "plugins/plugin_names.h"
#include "schema/schemas.h"
#include "schema/typedefs.h"
#include "schema/validators.h"

namespace portico::schema {

EntitySchema makeConsumerSchema() {
    EntitySchema s;
    s.name = "consumers";
    s.foreignName = "consumer";
    s.endpointKey = "username";
    s.fields = {
        Field::string("username")
            .uniq()
            .describe("Unique user name; usable instead of the id in URLs."),
        Field::string("custom_id").uniq().describe("Unique id from an external user store."),
    };
    typedefs::addCommon(s.fields);
    s.entityCheck = [](const json& e, json& errors) {
        if (e["username"].is_null() && e["custom_id"].is_null())
            errors["@entity"] = json::array(
                {"at least one of these fields must be non-empty: 'custom_id', 'username'"});
    };
    return s;
}

EntitySchema makePluginSchema() {
    EntitySchema s;
    s.name = "plugins";
    s.foreignName = "plugin";
    s.endpointKey = "instance_name";
    s.fields = {
        Field::string("name")
            .req()
            .validate([](const json& v) -> std::string {
                const auto& n = v.get_ref<const std::string&>();
                if (plugins::findPlugin(n)) return {};
                return "plugin '" + n +
                       "' not enabled; add it to the 'plugins' configuration property";
            })
            .describe("Plugin type."),
        Field::string("instance_name")
            .uniq()
            .validate(checkName)
            .describe("Unique label of this instance."),
        Field::foreign("route", "routes", OnDelete::Cascade).describe("Apply only on this route."),
        Field::foreign("service", "services", OnDelete::Cascade)
            .describe("Apply only on this service."),
        Field::foreign("consumer", "consumers", OnDelete::Cascade)
            .describe("Apply only for this consumer."),
        Field::record("config", {})
            .openRecord()
            .def(json::object())
            .req()
            .describe("Plugin settings."),
        typedefs::protocols(
            "protocols",
            {"grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp", "ws", "wss"},
            json::array({"grpc", "grpcs", "http", "https"})),
        Field::boolean("enabled").def(true).req(),
    };
    typedefs::addCommon(s.fields);
    s.uniqueTogether = {{"name", "route", "service", "consumer"}};
    s.entityCheck = [](const json& e, json& errors) {
        const plugins::PluginInfo* info = plugins::findPlugin(e["name"].get<std::string>());
        if (info && info->noConsumer && !e["consumer"].is_null())
            errors["consumer"] = "value must be null";
    };
    return s;
}

} // namespace portico::schema
