// Per-route plugin chains compiled from plugins entities: which instance applies (most
// specific scope), the order (Kong's priorities), the built-in headers as the `headers`
// setting asks, and a plugin this build cannot run failing closed.
#include "proxy/builtin_plugins.h"

#include <QtTest>

using nlohmann::json;
using namespace portico::proxy;

namespace {

json ref(const char* id) {
    return id ? json{{"id", id}} : json(nullptr);
}

json plugin(const char* id, const char* name, const char* route, const char* service,
            const char* consumer = nullptr, bool enabled = true) {
    return {{"id", id},
            {"name", name},
            {"route", ref(route)},
            {"service", ref(service)},
            {"consumer", ref(consumer)},
            {"enabled", enabled}};
}

// The entity ids of a chain's plugins, in execution order (built-ins have none).
QStringList ids(const PluginChain& chain) {
    QStringList out;
    for (const auto& p : chain.plugins())
        if (!p->instanceId().empty())
            out << QString::fromUtf8(p->instanceId().data(),
                                     static_cast<qsizetype>(p->instanceId().size()));
    return out;
}

class FakeHeaders final : public HeaderAccess {
public:
    std::map<std::string, std::string, std::less<>> fields;
    std::string_view get(std::string_view n) const override {
        auto it = fields.find(n);
        return it == fields.end() ? std::string_view() : std::string_view(it->second);
    }
    void set(std::string_view n, std::string_view v) override { fields[std::string(n)] = v; }
    void erase(std::string_view n) override { fields.erase(std::string(n)); }
};

} // namespace

class TestPluginChain : public QObject {
    Q_OBJECT
private slots:
    void scopeAndOrder_data();
    void scopeAndOrder();
    void unavailablePluginFailsClosed();
    void builtinHeaders_data();
    void builtinHeaders();
};

void TestPluginChain::scopeAndOrder_data() {
    QTest::addColumn<QString>("route");
    QTest::addColumn<QStringList>("expected"); // plugin ids, in execution order

    // r1 belongs to s1, r2 to s2; r3 has no plugin of its own.
    // cors (2000) runs before rate-limiting (910) before file-log (9).
    QTest::newRow("route+service beats route, service and global")
        << "r1" << QStringList{"cors-rs", "rl-global", "log-route"};
    QTest::newRow("service scope when the route has none")
        << "r2" << QStringList{"cors-s2", "rl-global"};
    QTest::newRow("global instances only") << "r3" << QStringList{"cors-global", "rl-global"};
    QTest::newRow("no route matched: global instances")
        << "" << QStringList{"cors-global", "rl-global"};
}

void TestPluginChain::scopeAndOrder() {
    QFETCH(QString, route);
    QFETCH(QStringList, expected);
    const std::vector<json> routes = {{{"id", "r1"}, {"service", ref("s1")}},
                                      {{"id", "r2"}, {"service", ref("s2")}},
                                      {{"id", "r3"}, {"service", ref("s3")}}};
    const std::vector<json> plugins = {
        plugin("cors-global", "cors", nullptr, nullptr),
        plugin("cors-s1", "cors", nullptr, "s1"),
        plugin("cors-s2", "cors", nullptr, "s2"),
        plugin("cors-r1", "cors", "r1", nullptr),
        plugin("cors-rs", "cors", "r1", "s1"),
        plugin("rl-global", "rate-limiting", nullptr, nullptr),
        plugin("log-route", "file-log", "r1", nullptr),
        plugin("ka-consumer", "key-auth", nullptr, nullptr, "c1"), // needs a consumer
        plugin("off", "acl", "r3", nullptr, nullptr, false),       // disabled
    };
    const CompiledChains chains = buildChains(routes, plugins, {false, false});
    const PluginChain& chain =
        route.isEmpty() ? chains.global : chains.byRoute.at(route.toStdString());
    QCOMPARE(ids(chain), expected);
}

void TestPluginChain::unavailablePluginFailsClosed() {
    const CompiledChains chains =
        buildChains({{{"id", "r1"}, {"service", ref("s1")}}},
                    {plugin("ka", "key-auth", "r1", nullptr)}, {true, true});
    const PluginChain& chain = chains.byRoute.at("r1");
    QVERIFY(chain.has(Plugin::Access));
    RequestContext rc;
    FakeHeaders headers;
    rc.request = &headers;
    QVERIFY(!chain.rewrite(rc).respond);
    const PhaseResult r = chain.access(rc);
    QVERIFY(r.respond);
    QCOMPARE(r.status, 500);
    QCOMPARE(chains.warnings.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(chains.warnings[0]).contains("key-auth"));
}

void TestPluginChain::builtinHeaders_data() {
    QTest::addColumn<bool>("latency");
    QTest::addColumn<bool>("requestId");
    QTest::newRow("both") << true << true;
    QTest::newRow("latency only") << true << false;
    QTest::newRow("request id only") << false << true;
    QTest::newRow("off") << false << false;
}

void TestPluginChain::builtinHeaders() {
    QFETCH(bool, latency);
    QFETCH(bool, requestId);
    const CompiledChains chains =
        buildChains({{{"id", "r1"}, {"service", ref("s1")}}}, {}, {latency, requestId});
    const PluginChain& chain = chains.byRoute.at("r1");
    QCOMPARE(chain.empty(), !latency && !requestId);
    RequestContext rc;
    FakeHeaders req, res;
    rc.request = &req;
    rc.started = std::chrono::steady_clock::now();
    rc.upstreamStarted = rc.started + std::chrono::milliseconds(3);
    rc.upstreamHeaders = rc.upstreamStarted + std::chrono::milliseconds(20);
    if (chain.has(Plugin::Rewrite)) chain.rewrite(rc);
    rc.response = &res;
    if (chain.has(Plugin::HeaderFilter)) chain.headerFilter(rc);
    QCOMPARE(!req.get("X-Portico-Request-Id").empty(), requestId);
    QCOMPARE(res.get("X-Portico-Request-Id"), req.get("X-Portico-Request-Id"));
    QCOMPARE(res.get("X-Portico-Upstream-Latency"), std::string_view(latency ? "20" : ""));
    QCOMPARE(res.get("X-Portico-Proxy-Latency"), std::string_view(latency ? "3" : ""));
}

QTEST_MAIN(TestPluginChain)
#include "tst_plugin_chain.moc"
