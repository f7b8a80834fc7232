// Route matching with Kong's traditional_compatible priorities.
#include "proxy/router.h"
#include "schema/schemas.h"

#include <QtTest>
#include <random>
#include <re2/re2.h>
#include <set>

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
    void indexAgreesWithLinearScan_data();
    void indexAgreesWithLinearScan();

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
    row("header names in any case", "GET", "x", "/h", "hdr-two", -1, {"X-VERSION=2", "X-Beta=YES"});
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
    std::vector<proxy::FieldView> fields;
    for (const auto& [name, value] : hdrs)
        fields.push_back({name, value});
    proxy::MatchRequest req{p, m, h, port, pa, s, fields};
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

// The router finds candidates through hashed indexes; this checks it against the plain reading
// of the route fields: a scan of every route, the best by Kong's priority order.
namespace {

struct Request {
    std::string method, host, path;
    int port = 80;
    std::vector<std::pair<std::string, std::string>> headers;
};

const RE2& compiled(const std::string& pattern) {
    static std::map<std::string, std::unique_ptr<RE2>> cache;
    auto& re = cache[pattern];
    if (!re) re = std::make_unique<RE2>("^(?:" + pattern + ")");
    return *re;
}

bool hostMatches(const std::string& rule, const Request& req) {
    std::string h = rule;
    int port = -1;
    if (auto colon = rule.find(':'); colon != std::string::npos) {
        h = rule.substr(0, colon);
        port = std::stoi(rule.substr(colon + 1));
    }
    if (port >= 0 && port != req.port) return false;
    if (h.starts_with("*."))
        return req.host.size() > h.size() - 1 && req.host.ends_with(h.substr(1));
    if (h.ends_with(".*"))
        return req.host.size() > h.size() - 1 && req.host.starts_with(h.substr(0, h.size() - 1));
    return h == req.host;
}

// How well a route's path fits, Kong's order (greater is better), or nothing.
std::optional<std::tuple<int, bool, int, bool, int, std::size_t, double>>
linearMatch(const json& r, const Request& req) {
    auto list = [&](const char* f) { return r.value(f, json::array()); };
    auto has = [](const json& array, const std::string& v) {
        return std::find(array.begin(), array.end(), json(v)) != array.end();
    };
    if (!list("methods").empty() && !has(list("methods"), req.method)) return std::nullopt;
    bool plain = true, anyHost = list("hosts").empty();
    for (const auto& h : list("hosts")) {
        plain = plain && h.get<std::string>().find('*') == std::string::npos;
        anyHost = anyHost || hostMatches(h, req);
    }
    if (!anyHost) return std::nullopt;
    const json headers = r.value("headers", json::object());
    for (const auto& [name, values] : headers.items()) {
        bool found = false;
        for (const auto& [hn, hv] : req.headers)
            found = found || (hn == name && has(values, hv));
        if (!found) return std::nullopt;
    }
    const int weight = !list("methods").empty() + !list("hosts").empty() + !headers.empty() +
                       !list("paths").empty();
    std::optional<std::tuple<int, bool, int, bool, int, std::size_t, double>> best;
    const json paths = list("paths").empty() ? json::array({""}) : list("paths");
    for (const auto& pj : paths) {
        const std::string p = pj;
        const bool regex = p.starts_with("~");
        if (regex ? !RE2::PartialMatch(req.path, compiled(p.substr(1))) : !req.path.starts_with(p))
            continue;
        auto key = std::make_tuple(weight, plain, static_cast<int>(headers.size()), regex,
                                   regex ? r.value("regex_priority", 0) : 0,
                                   regex ? p.size() - 1 : p.size(), -r.value("created_at", 0.0));
        if (!best || key > *best) best = key;
    }
    return best;
}

} // namespace

void TestRouter::indexAgreesWithLinearScan_data() {
    QTest::addColumn<int>("routes");
    QTest::addColumn<int>("seed");
    QTest::addColumn<int>("requests");
    QTest::newRow("40 routes") << 40 << 1 << 3000;
    QTest::newRow("400 routes") << 400 << 2 << 3000;
    QTest::newRow("3000 routes") << 3000 << 3 << 800;
}

void TestRouter::indexAgreesWithLinearScan() {
    QFETCH(int, routes);
    QFETCH(int, seed);
    QFETCH(int, requests);
    std::mt19937 rng(static_cast<unsigned>(seed));
    auto pick = [&](const std::vector<std::string>& from) {
        return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
    };
    auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
    const std::vector<std::string> hosts = {
        "a.example.com", "b.example.com", "example.com",   "api.test",    "a.b.c.d",
        "*.example.com", "*.b.c.d",       "api.*",         "a.*",         "a.example.com:8443",
        "*.test:9000",   "static.*:8443", "www.shop.test", "*.shop.test", "b.*"};
    const std::vector<std::string> paths = {"/",
                                            "/a",
                                            "/ab",
                                            "/abc",
                                            "/a/b",
                                            "/api",
                                            "/api/v1",
                                            "/api/v1/users",
                                            "/b",
                                            "/orders/1",
                                            "/orders/12/x",
                                            "/very/long/prefix/path",
                                            "~/api/v[0-9]+/users/(?P<id>\\d+)$",
                                            "~/(a|b)/x",
                                            "~/orders/(\\d+)",
                                            "~/a.c",
                                            "~/api/v1/(?P<rest>.*)"};
    std::vector<json> table;
    for (int i = 0; i < routes; ++i) {
        json r = {{"name", "r" + std::to_string(i)}};
        const int nh = static_cast<int>(rng() % 3), np = static_cast<int>(rng() % 3);
        for (int k = 0; k < nh; ++k)
            r["hosts"].push_back(pick(hosts));
        for (int k = 0; k < np; ++k)
            r["paths"].push_back(pick(paths));
        if (chance(25)) r["methods"] = chance(50) ? json{"GET"} : json{"GET", "POST"};
        if (chance(10)) r["headers"] = {{"x-v", chance(50) ? json{"1"} : json{"1", "2"}}};
        if (chance(10)) r["regex_priority"] = static_cast<int>(rng() % 3);
        if (!r.contains("hosts") && !r.contains("paths") && !r.contains("methods") &&
            !r.contains("headers"))
            r["paths"] = json{"/b"};
        auto v = schema::findSchema("routes")->validate(r, schema::WriteMode::Insert, nullptr,
                                                        {false, 1000.0 + i});
        QVERIFY2(v.hasValue(), r.dump().c_str());
        table.push_back(*v);
    }
    auto built = proxy::Router::build(table);
    QVERIFY(built.hasValue());
    const auto& router = **built;

    const std::vector<std::string> reqHosts = {
        "a.example.com", "b.example.com", "example.com", "x.example.com", "api.test",
        "api.foo",       "a.b.c.d",       "z.b.c.d",     "www.shop.test", "static.cdn",
        "q.test",        "b.org",         "nothing.org", "a.example",     "api"};
    const std::vector<std::string> reqPaths = {"/",
                                               "/a",
                                               "/ab",
                                               "/abc/d",
                                               "/a/b/c",
                                               "/a/x",
                                               "/b/x",
                                               "/api",
                                               "/api/v1",
                                               "/api/v1/users/42",
                                               "/api/v2/users/7",
                                               "/orders/12",
                                               "/orders/12/x",
                                               "/orders/1",
                                               "/zzz",
                                               "/very/long/prefix/path/and/more",
                                               "/a-c",
                                               "/bb"};
    int matchedCount = 0;
    std::set<std::string> chosen;
    for (int k = 0; k < requests; ++k) {
        Request req{pick({"GET", "POST", "PUT"}), pick(reqHosts), pick(reqPaths),
                    chance(70) ? 80 : (chance(50) ? 8443 : 9000)};
        if (chance(30)) req.headers.emplace_back("x-v", pick({"1", "2", "3"}));
        const json* expected = nullptr;
        std::optional<std::tuple<int, bool, int, bool, int, std::size_t, double>> best;
        for (const auto& r : table)
            if (auto key = linearMatch(r, req); key && (!best || *key > *best)) {
                best = key;
                expected = &r;
            }
        std::vector<proxy::FieldView> fields;
        for (const auto& [name, value] : req.headers)
            fields.push_back({name, value});
        proxy::MatchRequest mr{"http", req.method, req.host, req.port, req.path, "", fields};
        const auto got = router.match(mr);
        const std::string want = expected ? (*expected)["name"].get<std::string>() : "(none)";
        const std::string have =
            got.route ? got.route->entity["name"].get<std::string>() : "(none)";
        const std::string what = req.method + " " + req.host + ":" + std::to_string(req.port) +
                                 req.path + ": want " + want + ", got " + have + "\n" +
                                 (expected ? expected->dump() : "") + "\n" +
                                 (got.route ? got.route->entity.dump() : "");
        QVERIFY2(want == have, what.c_str());
        matchedCount += got.route != nullptr;
        chosen.insert(have);
    }
    // The requests reach many different routes, and (in the small table) none at all.
    QVERIFY(matchedCount > 300);
    QVERIFY(chosen.size() > 25);
}

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
