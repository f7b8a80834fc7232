#include "schema/schemas.h"

namespace portico::schema {

const std::vector<const EntitySchema*>& allSchemas() {
    static const std::vector<EntitySchema> owned = {
        makeCertificateSchema(), makeCaCertificateSchema(), makeSniSchema(),
        makeServiceSchema(),     makeRouteSchema(),         makeUpstreamSchema(),
        makeTargetSchema(),      makeConsumerSchema(),      makePluginSchema(),
    };
    static const std::vector<const EntitySchema*> list = [] {
        std::vector<const EntitySchema*> out;
        for (const auto& s : owned)
            out.push_back(&s);
        return out;
    }();
    return list;
}

const EntitySchema* findSchema(std::string_view collection) {
    for (const auto* s : allSchemas())
        if (s->name == collection) return s;
    return nullptr;
}

} // namespace portico::schema
