// Route matching with Kong's traditional_compatible priorities.
#include "proxy/router.h"
#include "schema/schemas.h"

#include <QtTest>

using nlohmann::json;
using namespace portico;

namespace {

// The route table every row matches against: name -> fields. created_at gives the tie order.
std::vector<json> table() {
    const json defs = json::parse(R"J([
      {"name":"root", "paths":["/"]},
      {"name":"api", "paths":["/api"]},
      {"name":"api-v1", "paths":["/api/v1"]},
      {"name":"api-get", "paths":["/api"], "methods":["GET"]},
      {"name":"host-exact", "hosts":["shop.example.com"], "paths":["/"]},
      {"name":"host-wild", "hosts":["*.example.com"], "paths":["/"]},
      {"name":"host-suffix", "hosts":["static.*"], "methods":["GET"]},
      {"name":"host-port", "hosts":["ports.example.com:8443"], "paths":["/"]},
      {"name":"users-regex", "paths":["~/users/(?P<id>\\d+)$"], "regex_priority": 1},
      {"name":"users-regex-low", "paths":["~/users/(\\d+)"]},
      {"name":"users-prefix", "paths":["/users"]},
      {"name":"pcre-named", "paths":["~/orders/(?<order>[0-9]+)$"]},
      {"name":"hdr-one", "paths":["/h"], "headers":{"X-Version":["1","2"]}},
      {"name":"hdr-two", "paths":["/h"], "headers":{"X-Version":["2"],"X-Beta":["yes"]}},
      {"name":"https-only", "paths":["/secure"], "protocols":["https"], "https_redirect_status_code":301},
      {"name":"sni", "protocols":["https"], "snis":["tls.example.com"], "paths":["/"]},
      {"name":"multi-path", "paths":["/m/long/path", "/m"]},
      {"name":"tie-a", "paths":["/tie"]},
      {"name":"tie-b", "paths":["/tie"]},
      {"name":"stream", "protocols":["tcp"], "destinations":[{"ip":"10.0.0.1","port":80}]}
    ])J");
    std::vector<json> routes;
    double created = 1000;
    for (const auto& d : defs) {
        auto r = schema::findSchema("routes")->validate(d, schema::WriteMode::Insert, nullptr,
                                                        {false, created});
        if (!r) qFatal("bad route %s: %s", d.dump().c_str(), r.error().message.c_str());
        created += 1;
        routes.push_back(*r);
    }
    return routes;
}

} // namespace

class TestRouter : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void match_data();
    void match();
    void invalidRegexIsRefused();

private:
    std::shared_ptr<const proxy::Router> m_router;
};

void TestRouter::initTestCase() {
    auto r = proxy::Router::build(table());
    QVERIFY(r.hasValue());
    m_router = *r;
    QCOMPARE(m_router->size(), 19u); // the tcp route is not an HTTP route
}

void TestRouter::match_data() {
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("headers"); // name=value
    QTest::addColumn<QString>("sni");
    QTest::addColumn<QString>("route"); // expected route name, empty for none
    QTest::addColumn<int>("matched");   // matched path length, -1 to skip
    QTest::addColumn<QString>("extra"); // "redirect", or captures "k=v,k=v"

    auto row = [](const char* tag, const char* method, const char* host, const char* path,
                  const char* route, int matched = -1, QStringList headers = {},
                  const char* protocol = "http", const char* sni = "", const char* extra = "",
                  int port = 80) {
        QTest::newRow(tag) << protocol << method << host << port << path << headers << sni << route
                           << matched << extra;
    };
    row("longest prefix", "POST", "other.test", "/api/v1/items", "api-v1", 7);
    row("prefix is a string prefix", "POST", "other.test", "/apiary", "api", 4);
    row("more criteria win", "GET", "other.test", "/api/x", "api-get", 4);
    row("fallback to root", "POST", "other.test", "/nothing", "root", 1);
    row("exact host beats wildcard", "GET", "shop.example.com", "/x", "host-exact", 1);
    row("wildcard host", "GET", "a.b.example.com", "/x", "host-wild", 1);
    row("wildcard needs a label", "GET", "example.com", "/x", "root");
    row("suffix wildcard", "GET", "static.cdn", "/anything", "host-suffix", 0);
    row("host with port", "GET", "ports.example.com", "/", "host-port", -1, {}, "http", "", "",
        8443);
    row("host with other port", "GET", "ports.example.com", "/", "host-wild", -1, {}, "http", "",
        "", 80);
    row("equal weight: plain beats wildcard", "POST", "static.cdn", "/x", "root", 1);
    row("regex beats prefix", "GET", "x", "/users/42", "users-regex", 9, {}, "http", "",
        "1=42,id=42");
    row("regex priority", "GET", "x", "/users/42/posts", "users-regex-low", 9, {}, "http", "",
        "1=42");
    row("PCRE-style named group", "GET", "x", "/orders/7", "pcre-named", 9, {}, "http", "",
        "1=7,order=7");
    row("regex anchored at start", "GET", "x", "/v2/users/42", "root", 1);
    row("prefix when regex fails", "GET", "x", "/users/me", "users-prefix", 6);
    row("header match", "GET", "x", "/h", "hdr-one", -1, {"x-version=1"});
    row("header value case", "GET", "x", "/h", "hdr-one", -1, {"x-version=1"});
    row("more headers win", "GET", "x", "/h", "hdr-two", -1, {"x-version=2", "x-beta=YES"});
    row("headers AND", "GET", "x", "/h", "hdr-one", -1, {"x-version=2", "x-beta=no"});
    row("header missing", "GET", "x", "/h", "root", -1, {"x-other=1"});
    row("protocol redirect", "GET", "x", "/secure/area", "https-only", 7, {}, "http", "",
        "redirect");
    row("protocol ok", "GET", "x", "/secure/area", "https-only", 7, {}, "https");
    row("sni route", "GET", "x", "/z", "sni", -1, {}, "https", "tls.example.com");
    row("sni needs tls", "GET", "x", "/z", "root", -1, {}, "http", "");
    row("split paths long", "GET", "x", "/m/long/path/x", "multi-path", 12);
    row("split paths short", "GET", "x", "/m/other", "multi-path", 2);
    row("ties by creation", "GET", "x", "/tie", "tie-a", 4);
}

void TestRouter::match() {
    QFETCH(QString, protocol);
    QFETCH(QString, method);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, path);
    QFETCH(QStringList, headers);
    QFETCH(QString, sni);
    QFETCH(QString, route);
    QFETCH(int, matched);
    QFETCH(QString, extra);

    std::vector<std::pair<std::string, std::string>> hdrs;
    for (const auto& h : headers)
        hdrs.emplace_back(h.section('=', 0, 0).toStdString(), h.section('=', 1).toStdString());
    const std::string p = protocol.toStdString(), m = method.toStdString(), h = host.toStdString(),
                      pa = path.toStdString(), s = sni.toStdString();
    proxy::MatchRequest req{p, m, h, port, pa, s, &hdrs};
    auto result = m_router->match(req);
    if (route.isEmpty()) {
        QVERIFY(!result.route);
        return;
    }
    QVERIFY2(result.route, "no route matched");
    QCOMPARE(QString::fromStdString(result.route->entity["name"].get<std::string>()), route);
    if (matched >= 0) QCOMPARE(static_cast<int>(result.matchedLength), matched);
    QCOMPARE(result.protocolRedirect, extra == "redirect");
    if (!extra.isEmpty() && extra != "redirect") {
        QStringList got;
        for (const auto& [k, v] : result.captures)
            got << QString::fromStdString(k + "=" + v);
        QCOMPARE(got.join(','), extra);
    }
}

void TestRouter::invalidRegexIsRefused() {
    json bad = table()[0];
    bad["paths"] = json::array({"~/a(b"});
    auto r = proxy::Router::build({bad});
    QVERIFY(!r.hasValue());
    QVERIFY(QString::fromStdString(r.error().message).contains("invalid regex"));
}

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
