// The Admin API of a real porticod, driven over its local socket like Kong's Admin API.
#include "support/porticod_process.h"
#include "support/test_certs.h"

#include <QLocalSocket>
#include <QtTest>
#include <set>

using nlohmann::json;
using portico::test::HttpReply;
using portico::test::PorticodProcess;
using portico::test::RawHttpClient;

namespace {
std::string idOf(const HttpReply& r) {
    return r.json()["id"].get<std::string>();
}
} // namespace

class TestAdminApi : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void readmeSession();
    void errors_data();
    void errors();
    void putUpsert();
    void patchMerges();
    void pagination();
    void tagFilters();
    void cascadesAndRestricts();
    void targetsByAddress();
    void certificatesWithSnis();
    void schemas();
    void multipartForm();
    void declarativeRoundTrip();
    void declarativeErrors();
    void historyAndRollback();
    void events();
    void statusAndInfo();

private:
    PorticodProcess m_node;
    RawHttpClient m_api = RawHttpClient::unixSocket({});
};

void TestAdminApi::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    m_api = m_node.local();
}

void TestAdminApi::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

void TestAdminApi::readmeSession() {
    auto svc = m_api.form("POST", "/services", "name=echo&url=http://127.0.0.1:9000");
    QCOMPARE(svc.status, 201);
    QCOMPARE(svc.json()["host"], "127.0.0.1");
    QCOMPARE(svc.json()["port"], 9000);
    auto route = m_api.form("POST", "/services/echo/routes", "paths[]=/echo");
    QCOMPARE(route.status, 201);
    QCOMPARE(route.json()["paths"], json({"/echo"}));
    QCOMPARE(route.json()["service"]["id"], svc.json()["id"]);
    auto plugin =
        m_api.form("POST", "/plugins", "name=rate-limiting&config.minute=5&service.name=echo");
    QCOMPARE(plugin.status, 201);
    QCOMPARE(plugin.json()["config"]["minute"], 5);
    QCOMPARE(plugin.json()["service"]["id"], svc.json()["id"]);

    auto byName = m_api.request("GET", "/services/echo");
    QCOMPARE(byName.status, 200);
    QCOMPARE(byName.json()["id"], svc.json()["id"]);
    auto viaRoute =
        m_api.request("GET", "/routes/" + QByteArray::fromStdString(idOf(route)) + "/service");
    QCOMPARE(viaRoute.status, 200);
    QCOMPARE(viaRoute.json()["name"], "echo");
    auto nested = m_api.request("GET", "/services/echo/routes");
    QCOMPARE(nested.json()["data"].size(), 1u);
    auto svcPlugins = m_api.request("GET", "/services/echo/plugins");
    QCOMPARE(svcPlugins.json()["data"].size(), 1u);
    auto config = m_api.request("GET", "/config");
    QCOMPARE(config.status, 200);
    QCOMPARE(config.json()["_format_version"], "3.0");
    QCOMPARE(config.json()["services"][0]["routes"][0]["paths"], json({"/echo"}));
    // The reverse endpoint: the service through the route, and a route with a foreign parent is
    // 404.
    QCOMPARE(m_api.request("GET", "/services/nope/routes").status, 404);
}

void TestAdminApi::errors_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("expect"); // JSON the reply body must contain

    QTest::newRow("unknown path") << QByteArray("GET") << QByteArray("/nothing") << QByteArray()
                                  << QByteArray() << 404
                                  << QByteArray(R"J({"message":"Not found"})J");
    QTest::newRow("unknown entity")
        << QByteArray("GET") << QByteArray("/services/no-such") << QByteArray() << QByteArray()
        << 404 << QByteArray(R"J({"message":"Not found"})J");
    QTest::newRow("wrong method") << QByteArray("DELETE") << QByteArray("/services") << QByteArray()
                                  << QByteArray() << 405
                                  << QByteArray(R"J({"message":"Method not allowed"})J");
    QTest::newRow("schema violation")
        << QByteArray("POST") << QByteArray("/services") << QByteArray("application/json")
        << QByteArray(R"J({"name":"x"})J") << 400
        << QByteArray(
               R"J({"code":2,"name":"schema violation","message":"schema violation (host: required field missing)","fields":{"host":"required field missing"}})J");
    QTest::newRow("foreign key")
        << QByteArray("POST") << QByteArray("/routes") << QByteArray("application/json")
        << QByteArray(
               R"J({"paths":["/x"],"service":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}})J")
        << 400 << QByteArray(R"J({"code":4,"name":"foreign key violation"})J");
    QTest::newRow("unsupported type")
        << QByteArray("POST") << QByteArray("/services") << QByteArray("text/xml")
        << QByteArray("<service/>") << 415 << QByteArray("{}");
    QTest::newRow("malformed json")
        << QByteArray("POST") << QByteArray("/services") << QByteArray("application/json")
        << QByteArray(R"J({"host": "a",})J") << 400
        << QByteArray(R"J({"message":"Cannot parse JSON body: syntax error at byte 14"})J");
    QTest::newRow("invalid offset")
        << QByteArray("GET") << QByteArray("/services?offset=%%%%") << QByteArray() << QByteArray()
        << 400 << QByteArray(R"J({"code":7,"name":"invalid offset"})J");
    QTest::newRow("invalid size") << QByteArray("GET") << QByteArray("/services?size=5000")
                                  << QByteArray() << QByteArray() << 400
                                  << QByteArray(R"J({"code":9,"name":"invalid size"})J");
    QTest::newRow("mixed tag filter")
        << QByteArray("GET") << QByteArray("/services?tags=a,b/c") << QByteArray() << QByteArray()
        << 400 << QByteArray(R"J({"code":11})J");
    QTest::newRow("body too large")
        << QByteArray("POST") << QByteArray("/services") << QByteArray("application/json")
        << QByteArray(1024 * 1024 + 10, ' ') << 413 << QByteArray("{}");
    QTest::newRow("put name mismatch")
        << QByteArray("PUT") << QByteArray("/services/one") << QByteArray("application/json")
        << QByteArray(R"J({"name":"two","host":"h"})J") << 400 << QByteArray("{}");
    QTest::newRow("patch missing")
        << QByteArray("PATCH") << QByteArray("/services/missing") << QByteArray("application/json")
        << QByteArray(R"J({"port":1})J") << 404 << QByteArray(R"J({"message":"Not found"})J");
    QTest::newRow("delete missing is 204")
        << QByteArray("DELETE") << QByteArray("/services/missing") << QByteArray() << QByteArray()
        << 204 << QByteArray();
    QTest::newRow("rollback bad revision")
        << QByteArray("POST") << QByteArray("/config/rollback") << QByteArray("application/json")
        << QByteArray(R"J({"revision":"x"})J") << 400
        << QByteArray(R"J({"fields":{"revision":"expected a revision number"}})J");
}

void TestAdminApi::errors() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, expect);
    QMap<QByteArray, QByteArray> headers;
    if (!contentType.isEmpty()) headers.insert("Content-Type", contentType);
    HttpReply r = m_api.request(method, target, body, headers);
    QVERIFY2(r.status == status,
             qPrintable(QString::number(r.status) + " " + QString::fromUtf8(r.body)));
    if (expect.isEmpty()) {
        QVERIFY(r.body.isEmpty());
        return;
    }
    json want = json::parse(expect.toStdString()), got = r.json();
    for (const auto& [k, v] : want.items())
        QVERIFY2(got.contains(k) && got[k] == v, qPrintable(QString::fromUtf8(r.body)));
}

void TestAdminApi::putUpsert() {
    auto created = m_api.json("PUT", "/services/upserted", {{"host", "a.example"}, {"retries", 1}});
    QCOMPARE(created.status, 200);
    QCOMPARE(created.json()["name"], "upserted");
    const auto id = created.json()["id"];
    // A second PUT replaces the whole entity: fields not given return to their defaults.
    auto replaced = m_api.json("PUT", "/services/upserted", {{"host", "b.example"}});
    QCOMPARE(replaced.status, 200);
    QCOMPARE(replaced.json()["id"], id);
    QCOMPARE(replaced.json()["retries"], 5);
    QCOMPARE(replaced.json()["created_at"], created.json()["created_at"]);
    // By id: creates with that id.
    const QByteArray fixed = "6a8f4c2e-0b1d-4e3f-8a7b-5c4d3e2f1a0b";
    auto byId = m_api.json("PUT", "/consumers/" + fixed, {{"username", "put-user"}});
    QCOMPARE(byId.status, 200);
    QCOMPARE(byId.json()["id"], fixed.toStdString());
    QCOMPARE(m_api.request("GET", "/consumers/put-user").json()["id"], fixed.toStdString());
    // Duplicate name through POST: 409 in Kong's words.
    auto dup = m_api.json("POST", "/services", {{"name", "upserted"}, {"host", "c"}});
    QCOMPARE(dup.status, 409);
    QCOMPARE(dup.json()["message"], R"J(UNIQUE violation detected on '{name="upserted"}')J");
    QCOMPARE(dup.json()["code"], 5);
}

void TestAdminApi::patchMerges() {
    auto u = m_api.json("POST", "/upstreams", {{"name", "patched.internal"}});
    QCOMPARE(u.status, 201);
    auto p = m_api.json("PATCH", "/upstreams/patched.internal",
                        {{"healthchecks", {{"active", {{"healthy", {{"interval", 7}}}}}}}});
    QCOMPARE(p.status, 200);
    QCOMPARE(p.json()["healthchecks"]["active"]["healthy"]["interval"], 7);
    QCOMPARE(p.json()["healthchecks"]["active"]["http_path"], "/");
    auto bad = m_api.json("PATCH", "/upstreams/patched.internal", {{"slots", 1}});
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.json()["fields"]["slots"], "value should be between 10 and 65536");
    // The refused patch changed nothing.
    QCOMPARE(m_api.request("GET", "/upstreams/patched.internal").json()["slots"], 10000);
}

void TestAdminApi::pagination() {
    for (int i = 0; i < 25; ++i)
        QCOMPARE(m_api
                     .json("POST", "/consumers",
                           {{"username", "page-" + std::to_string(i)}, {"tags", {"paged"}}})
                     .status,
                 201);
    std::set<std::string> seen;
    QByteArray next = "/consumers?size=10&tags=paged";
    int pages = 0;
    while (!next.isEmpty()) {
        auto r = m_api.request("GET", next);
        QCOMPARE(r.status, 200);
        const json body = r.json(); // range-for would not keep a temporary alive
        for (const auto& c : body["data"])
            seen.insert(c["username"].get<std::string>());
        ++pages;
        QVERIFY(r.json()["data"].size() <= 10);
        next = r.json()["next"].is_null()
                   ? QByteArray()
                   : QByteArray::fromStdString(r.json()["next"].get<std::string>());
        if (!next.isEmpty()) QVERIFY(r.json().contains("offset"));
    }
    QCOMPARE(pages, 3);
    QCOMPARE(seen.size(), 25u);
}

void TestAdminApi::tagFilters() {
    QCOMPARE(
        m_api.json("POST", "/services", {{"name", "t1"}, {"host", "h"}, {"tags", {"red", "big"}}})
            .status,
        201);
    QCOMPARE(
        m_api.json("POST", "/services", {{"name", "t2"}, {"host", "h"}, {"tags", {"red"}}}).status,
        201);
    QCOMPARE(
        m_api.json("POST", "/services", {{"name", "t3"}, {"host", "h"}, {"tags", {"blue"}}}).status,
        201);
    auto names = [&](const QByteArray& q) {
        std::set<std::string> out;
        const json body = m_api.request("GET", "/services?tags=" + q).json();
        for (const auto& s : body["data"])
            out.insert(s["name"].get<std::string>());
        return out;
    };
    QCOMPARE(names("red,big"), (std::set<std::string>{"t1"}));
    QCOMPARE(names("red"), (std::set<std::string>{"t1", "t2"}));
    QCOMPARE(names("big/blue"), (std::set<std::string>{"t1", "t3"}));
    auto tags = m_api.request("GET", "/tags/blue").json();
    QCOMPARE(tags["data"].size(), 1u);
    QCOMPARE(tags["data"][0]["entity_name"], "services");
}

void TestAdminApi::cascadesAndRestricts() {
    auto svc = m_api.json("POST", "/services", {{"name", "cascade"}, {"host", "h"}});
    auto route =
        m_api.json("POST", "/services/cascade/routes", {{"name", "cascade-r"}, {"paths", {"/c"}}});
    QCOMPARE(route.status, 201);
    auto plugin = m_api.json("POST", "/routes/cascade-r/plugins", {{"name", "cors"}});
    QCOMPARE(plugin.status, 201);
    // A service that routes still use cannot go.
    auto refused = m_api.request("DELETE", "/services/cascade");
    QCOMPARE(refused.status, 400);
    QCOMPARE(refused.json()["code"], 4);
    QCOMPARE(refused.json()["fields"]["@referenced_by"], "routes");
    QCOMPARE(m_api.request("GET", "/services/cascade").status, 200);
    // Deleting the route takes its plugin along; then the service can go.
    QCOMPARE(m_api.request("DELETE", "/routes/cascade-r").status, 204);
    QCOMPARE(m_api.request("GET", "/plugins/" + QByteArray::fromStdString(idOf(plugin))).status,
             404);
    QCOMPARE(m_api.request("DELETE", "/services/cascade").status, 204);

    auto up = m_api.json("POST", "/upstreams", {{"name", "gone.internal"}});
    QCOMPARE(
        m_api.json("POST", "/upstreams/gone.internal/targets", {{"target", "10.1.1.1:80"}}).status,
        201);
    QCOMPARE(m_api.request("DELETE", "/upstreams/gone.internal").status, 204);
    QCOMPARE(m_api.request("GET", "/targets").json()["data"].size(), 0u);

    auto ca = portico::test::makeCertificate("Cascade CA", portico::test::KeyKind::Ec, true);
    auto caRow = m_api.json("POST", "/ca_certificates", {{"cert", ca.cert}});
    QCOMPARE(caRow.status, 201);
    auto tlsSvc = m_api.json("POST", "/services",
                             {{"name", "tls-svc"},
                              {"url", "https://secure.example"},
                              {"ca_certificates", {caRow.json()["id"]}}});
    QCOMPARE(tlsSvc.status, 201);
    QCOMPARE(m_api.request("DELETE", "/ca_certificates/" + QByteArray::fromStdString(idOf(caRow)))
                 .status,
             400);
    QCOMPARE(m_api.request("DELETE", "/services/tls-svc").status, 204);
    QCOMPARE(m_api.request("DELETE", "/ca_certificates/" + QByteArray::fromStdString(idOf(caRow)))
                 .status,
             204);
    Q_UNUSED(svc);
    Q_UNUSED(up);
}

void TestAdminApi::targetsByAddress() {
    QCOMPARE(m_api.json("POST", "/upstreams", {{"name", "addr.internal"}}).status, 201);
    auto t = m_api.form("POST", "/upstreams/addr.internal/targets", "target=10.2.2.2&weight=5");
    QCOMPARE(t.status, 201);
    QCOMPARE(t.json()["target"], "10.2.2.2:8000");
    QCOMPARE(t.json()["weight"], 5);
    QCOMPARE(m_api.form("POST", "/upstreams/addr.internal/targets", "target=10.2.2.2:8000").status,
             409);
    auto got = m_api.request("GET", "/upstreams/addr.internal/targets/10.2.2.2:8000");
    QCOMPARE(got.status, 200);
    QCOMPARE(got.json()["id"], t.json()["id"]);
    QCOMPARE(m_api.request("DELETE", "/upstreams/addr.internal/targets/10.2.2.2").status, 204);
    QCOMPARE(m_api.request("GET", "/upstreams/addr.internal/targets").json()["data"].size(), 0u);
}

void TestAdminApi::certificatesWithSnis() {
    auto pem = portico::test::makeCertificate("shop.example.com");
    auto cert = m_api.json("POST", "/certificates",
                           {{"cert", pem.cert},
                            {"key", pem.key},
                            {"snis", {"shop.example.com", "*.shop.example.com"}}});
    QCOMPARE(cert.status, 201);
    QCOMPARE(cert.json()["snis"].size(), 2u);
    auto sni = m_api.request("GET", "/snis/shop.example.com");
    QCOMPARE(sni.status, 200);
    QCOMPARE(sni.json()["certificate"]["id"], cert.json()["id"]);
    const QByteArray path = "/certificates/" + QByteArray::fromStdString(idOf(cert));
    auto patched = m_api.json("PATCH", path, {{"snis", {"shop.example.com"}}});
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json()["snis"], json({"shop.example.com"}));
    QCOMPARE(m_api.request("GET", "/snis/*.shop.example.com").status, 404);
    // Another certificate cannot take a name that is in use.
    auto other = portico::test::makeCertificate("other");
    QCOMPARE(m_api
                 .json("POST", "/certificates",
                       {{"cert", other.cert}, {"key", other.key}, {"snis", {"shop.example.com"}}})
                 .status,
             409);
    QCOMPARE(m_api.request("DELETE", path).status, 204);
    QCOMPARE(m_api.request("GET", "/snis/shop.example.com").status, 404);
}

void TestAdminApi::schemas() {
    auto s = m_api.request("GET", "/schemas/routes");
    QCOMPARE(s.status, 200);
    QVERIFY(s.json()["fields"].size() > 10);
    auto ok = m_api.json("POST", "/schemas/services/validate", {{"host", "example.com"}});
    QCOMPARE(ok.status, 200);
    auto bad = m_api.json("POST", "/schemas/services/validate", {{"port", 1}});
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.json()["fields"]["host"], "required field missing");
    // Validation stores nothing.
    QCOMPARE(m_api.request("GET", "/schemas/nothing").status, 404);
}

void TestAdminApi::multipartForm() {
    // curl -F, as Kong's documentation uploads certificates.
    auto pem = portico::test::makeCertificate("multipart.example.com");
    const QByteArray boundary = "------------------------portico42";
    QByteArray body;
    auto part = [&](const QByteArray& name, const QByteArray& value, bool file) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" +
                (file ? QByteArray("; filename=\"x.pem\"\r\nContent-Type: application/octet-stream")
                      : QByteArray()) +
                "\r\n\r\n" + value + "\r\n";
    };
    part("cert", QByteArray::fromStdString(pem.cert), true);
    part("key", QByteArray::fromStdString(pem.key), true);
    part("snis[]", "multipart.example.com", false);
    part("tags[]", "uploaded", false);
    body += "--" + boundary + "--\r\n";
    auto r = m_api.request("POST", "/certificates", body,
                           {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
    QVERIFY2(r.status == 201, r.body.constData());
    QCOMPARE(r.json()["snis"], json({"multipart.example.com"}));
    QCOMPARE(r.json()["tags"], json({"uploaded"}));
    QCOMPARE(r.json()["cert"], pem.cert);
    auto broken = m_api.request("POST", "/consumers", "--x\r\nno headers end",
                                {{"Content-Type", "multipart/form-data; boundary=x"}});
    QCOMPARE(broken.status, 400);
    QCOMPARE(m_api.request("DELETE", "/certificates/" + QByteArray::fromStdString(idOf(r))).status,
             204);
}

void TestAdminApi::declarativeRoundTrip() {
    auto exported = m_api.request("GET", "/config");
    QCOMPARE(exported.status, 200);
    const std::string hash = m_api.request("GET", "/status").json()["configuration_hash"];
    const auto rev = m_api.request("GET", "/status").json()["revision"];
    // Re-importing the export changes nothing: same hash, no new revision, 304 with check_hash.
    auto same = m_api.request("POST", "/config?check_hash=1", exported.body,
                              {{"Content-Type", "application/json"}});
    QVERIFY2(same.status == 304, same.body.constData());
    auto again =
        m_api.request("POST", "/config", exported.body, {{"Content-Type", "application/json"}});
    QCOMPARE(again.status, 201);
    QCOMPARE(m_api.request("GET", "/status").json()["configuration_hash"], hash);
    QCOMPARE(m_api.request("GET", "/status").json()["revision"], rev);

    // YAML with references by name, nested and flat forms together; dry run first.
    const QByteArray yaml = R"J(_format_version: "3.0"
services:
  - name: yaml-svc
    url: http://10.0.0.9:8080/base
    routes:
      - name: yaml-route
        paths: [/yaml]
        plugins:
          - name: cors
routes:
  - name: flat-route
    service: yaml-svc
    hosts: [api.example.com]
consumers:
  - username: yaml-user
    plugins:
      - name: rate-limiting
        config: {minute: 10}
)J";
    auto dry =
        m_api.request("POST", "/config?dry_run=1", yaml, {{"Content-Type", "application/x-yaml"}});
    QCOMPARE(dry.status, 200);
    QCOMPARE(dry.json()["created"]["services"].size(), 1u);
    QCOMPARE(dry.json()["created"]["routes"].size(), 2u);
    QVERIFY(dry.json()["deleted"]["services"].size() >= 1);
    QCOMPARE(m_api.request("GET", "/status").json()["configuration_hash"], hash); // nothing applied
    auto applied = m_api.request("POST", "/config", yaml, {{"Content-Type", "application/x-yaml"}});
    QCOMPARE(applied.status, 201);
    QCOMPARE(m_api.request("GET", "/services").json()["data"].size(), 1u);
    auto flat = m_api.request("GET", "/routes/flat-route").json();
    QCOMPARE(flat["service"]["id"], m_api.request("GET", "/services/yaml-svc").json()["id"]);
    QCOMPARE(m_api.request("GET", "/services/yaml-svc").json()["path"], "/base");
    // YAML export imports back to the same hash.
    const std::string yamlHash = m_api.request("GET", "/status").json()["configuration_hash"];
    auto yamlExport = m_api.request("GET", "/config?format=yaml");
    QVERIFY(yamlExport.body.startsWith("_format_version"));
    QCOMPARE(m_api
                 .request("POST", "/config?check_hash=1", yamlExport.body,
                          {{"Content-Type", "application/x-yaml"}})
                 .status,
             304);
    QCOMPARE(m_api.request("GET", "/status").json()["configuration_hash"], yamlHash);
    // Restore the earlier configuration for the tests that follow.
    QCOMPARE(m_api.request("POST", "/config", exported.body, {{"Content-Type", "application/json"}})
                 .status,
             201);
    QCOMPARE(m_api.request("GET", "/status").json()["configuration_hash"], hash);
}

void TestAdminApi::declarativeErrors() {
    const std::string hash = m_api.request("GET", "/status").json()["configuration_hash"];
    json doc = {
        {"_format_version", "3.0"},
        {"services",
         {{{"name", "ok"}, {"host", "h"}, {"routes", {{{"paths", {"nope"}}}}}}, {{"name", "bad"}}}},
        {"routes", {{{"name", "dangling"}, {"service", "missing"}, {"paths", {"/d"}}}}},
        {"widgets", json::array()}};
    auto r = m_api.json("POST", "/config", doc);
    QCOMPARE(r.status, 400);
    json f = r.json()["fields"];
    QCOMPARE(r.json()["code"], 14);
    QCOMPARE(f["widgets"], "unknown field");
    auto again = m_api.json(
        "POST", "/config",
        json{{"_format_version", "3.0"},
             {"services",
              {{{"name", "ok"}, {"host", "h"}, {"routes", {{{"paths", {"nope"}}}}}},
               {{"name", "bad"}}}},
             {"routes", {{{"name", "dangling"}, {"service", "missing"}, {"paths", {"/d"}}}}}});
    QCOMPARE(again.status, 400);
    f = again.json()["fields"];
    QCOMPARE(f["services[0].routes[0]"]["paths"][0],
             "should start with: / (fixed path) or ~/ (regex path)");
    QCOMPARE(f["services[1]"]["host"], "required field missing");
    QCOMPARE(f["routes[0]"]["service"], "no services named 'missing' in this configuration");
    QCOMPARE(m_api.json("POST", "/config", json{{"services", json::array()}})
                 .json()["fields"]["_format_version"],
             "required field missing");
    QCOMPARE(
        m_api.request("POST", "/config", "services: [", {{"Content-Type", "application/x-yaml"}})
            .status,
        400);
    // A refused configuration leaves the old one in place.
    QCOMPARE(m_api.request("GET", "/status").json()["configuration_hash"], hash);
}

void TestAdminApi::historyAndRollback() {
    const auto before = m_api.request("GET", "/status").json();
    const std::int64_t rev = before["revision"];
    QCOMPARE(m_api.json("POST", "/services", {{"name", "hist-a"}, {"host", "h"}}).status, 201);
    QCOMPARE(m_api.json("PATCH", "/services/hist-a", {{"port", 81}}).status, 200);
    QCOMPARE(m_api.json("POST", "/services/hist-a/routes", {{"paths", {"/h"}}}).status, 201);
    auto hist = m_api.request("GET", "/config/history?size=3").json();
    QCOMPARE(hist["data"].size(), 3u);
    QCOMPARE(hist["data"][0]["revision"], rev + 3);
    QCOMPARE(hist["data"][0]["changes"][0]["entity"], "routes");
    QVERIFY(hist["data"][0]["actor"].get<std::string>().rfind("local:uid=", 0) == 0);
    QVERIFY(!hist["next"].is_null());
    auto rb = m_api.json("POST", "/config/rollback", {{"revision", rev}});
    QCOMPARE(rb.status, 201);
    QCOMPARE(rb.json()["revision"], rev + 4);
    const auto after = m_api.request("GET", "/status").json();
    QCOMPARE(after["configuration_hash"], before["configuration_hash"]);
    QCOMPARE(m_api.request("GET", "/services/hist-a").status, 404);
    QCOMPARE(m_api.json("POST", "/config/rollback", {{"revision", rev + 100}}).status, 400);
}

void TestAdminApi::events() {
    auto first = m_api.open("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(first);
    QByteArray seen;
    auto readUntil = [&](QIODevice& dev, const QByteArray& needle, int ms) {
        QDeadlineTimer t(ms);
        while (!seen.contains(needle) && !t.hasExpired()) {
            dev.waitForReadyRead(50);
            seen += dev.readAll();
        }
        return seen.contains(needle);
    };
    QVERIFY(readUntil(*first, "retry:", 2000));
    QElapsedTimer clock;
    clock.start();
    auto created = m_api.json("POST", "/consumers", {{"username", "evented"}});
    QVERIFY(readUntil(*first, QByteArray::fromStdString(idOf(created)), 2000));
    // The write's reply and its event both arrive; the issue's target is 50 ms from commit.
    qInfo("change event seen %lld ms after the write was sent",
          static_cast<long long>(clock.elapsed()));
    QVERIFY2(clock.elapsed() < 1000, "the change event arrives promptly");
    QVERIFY(seen.contains("event: change"));
    QVERIFY(seen.contains(R"J("op":"create")J"));
    // The id of the last event seen; a client that comes back with it gets what it missed.
    const QByteArray lastId = seen.mid(seen.lastIndexOf("id: ") + 4).split('\n').first();
    first.reset();
    QCOMPARE(m_api.request("DELETE", "/consumers/evented").status, 204);
    seen.clear();
    auto second = m_api.open("GET /events HTTP/1.1\r\nHost: localhost\r\nLast-Event-ID: " + lastId +
                             "\r\n\r\n");
    QVERIFY(readUntil(*second, R"J("op":"delete")J", 2000));
    QCOMPARE(m_api.request("GET", "/events?last_event_id=abc").status, 400);
}

void TestAdminApi::statusAndInfo() {
    auto info = m_api.request("GET", "/").json();
    QCOMPARE(info["role"], "standalone");
    QVERIFY(info["plugins"]["available_on_server"].size() > 10);
    auto status = m_api.request("GET", "/status").json();
    QCOMPARE(status["configuration_hash"].get<std::string>().size(), 32u);
    QVERIFY(status["entities"].contains("services"));
    auto endpoints = m_api.request("GET", "/endpoints").json();
    QVERIFY(std::find(endpoints["data"].begin(), endpoints["data"].end(),
                      "/services/{services}/routes") != endpoints["data"].end());
    QCOMPARE(m_api.request("GET", "/plugins/enabled").json()["enabled_plugins"].size(),
             info["plugins"]["available_on_server"].size());
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_admin_api.moc"
