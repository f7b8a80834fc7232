// Balancing algorithms of a real porticod: consistent hashing on each hash source (same key,
// same target; many keys, every target; a cookie issued when absent; only a down target's
// keys move), least-connections steering around a busy target, the upstream's host_header,
// and targets named by host name (resolved, spread over their addresses, re-resolved on TTL).
#include "support/fake_dns.h"
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QtTest>
#include <netdb.h>
#include <thread>

using nlohmann::json;
using portico::test::FakeDns;
using portico::test::FakeUpstream;
using portico::test::HttpReply;
using portico::test::PorticodProcess;
using Reply = portico::test::FakeUpstream::Reply;

namespace {
struct Setup {
    std::string name;
    std::unique_ptr<FakeUpstream> a, b;
};
} // namespace

class TestUpstreamBalancing : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void consistentHashing_data();
    void consistentHashing();
    void cookieIsIssuedAndSticks();
    void onlyTheDownTargetsKeysMove();
    void leastConnections();
    void hostHeader();
    void hostNameTargetIsResolvedOnce();
    void hostNameTargetSpreadsOverItsAddresses();
    void hostNameTargetFollowsItsTtl();

private:
    Setup make(const json& upstreamFields, const json& routeFields = {{"paths", {"/x"}}});
    // Which target served: "a", "b" or "" (failed).
    QString served(Setup& s, const QByteArray& target, const QMap<QByteArray, QByteArray>& headers,
                   HttpReply* reply = nullptr);
    PorticodProcess m_node;
    int m_serial = 0;
};

void TestUpstreamBalancing::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
}

void TestUpstreamBalancing::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

Setup TestUpstreamBalancing::make(const json& upstreamFields, const json& routeFields) {
    Setup s;
    s.name = "bal-" + std::to_string(++m_serial);
    s.a = std::make_unique<FakeUpstream>();
    s.b = std::make_unique<FakeUpstream>();
    s.a->setReply(Reply::with(200, "a"));
    s.b->setReply(Reply::with(200, "b"));
    auto api = m_node.local();
    json up = upstreamFields;
    up["name"] = s.name;
    bool ok = api.json("POST", "/upstreams", up).status == 201;
    for (auto port : {s.a->port(), s.b->port()})
        ok = ok && api.json("POST", QByteArray::fromStdString("/upstreams/" + s.name + "/targets"),
                            {{"target", "127.0.0.1:" + std::to_string(port)}})
                           .status == 201;
    ok = ok && api.json("POST", "/services", {{"name", s.name}, {"host", s.name}}).status == 201;
    json route = routeFields;
    route["hosts"] = {s.name + ".test"};
    ok = ok && api.json("POST", QByteArray::fromStdString("/services/" + s.name + "/routes"), route)
                       .status == 201;
    if (!ok) s.a.reset();
    return s;
}

QString TestUpstreamBalancing::served(Setup& s, const QByteArray& target,
                                      const QMap<QByteArray, QByteArray>& headers, HttpReply* out) {
    auto h = headers;
    h["Host"] = QByteArray::fromStdString(s.name + ".test");
    const HttpReply r = m_node.proxy().request("GET", target, {}, h);
    if (out) *out = r;
    return r.status == 200 ? QString::fromUtf8(r.body) : QString();
}

void TestUpstreamBalancing::consistentHashing_data() {
    QTest::addColumn<QByteArray>("upstream"); // JSON fields
    QTest::addColumn<QByteArray>("route");    // JSON fields
    QTest::addColumn<QString>("keyIn");       // where the key goes: header, query, path, capture
    QTest::newRow("header") << QByteArray(R"J({"hash_on":"header","hash_on_header":"X-User"})J")
                            << QByteArray(R"J({"paths":["/x"]})J") << "header";
    QTest::newRow("query_arg") << QByteArray(
                                      R"J({"hash_on":"query_arg","hash_on_query_arg":"user"})J")
                               << QByteArray(R"J({"paths":["/x"]})J") << "query";
    QTest::newRow("path") << QByteArray(R"J({"hash_on":"path"})J")
                          << QByteArray(R"J({"paths":["/x"]})J") << "path";
    QTest::newRow("uri_capture")
        << QByteArray(R"J({"hash_on":"uri_capture","hash_on_uri_capture":"uid"})J")
        << QByteArray(R"J({"paths":["~/x/(?<uid>[a-z0-9]+)$"]})J") << "capture";
    QTest::newRow("fallback to a header when the query arg is absent")
        << QByteArray(R"J({"hash_on":"query_arg","hash_on_query_arg":"absent",
                          "hash_fallback":"header","hash_fallback_header":"X-User"})J")
        << QByteArray(R"J({"paths":["/x"]})J") << "header";
}

void TestUpstreamBalancing::consistentHashing() {
    QFETCH(QByteArray, upstream);
    QFETCH(QByteArray, route);
    QFETCH(QString, keyIn);
    Setup s = make(json::parse(upstream.toStdString()), json::parse(route.toStdString()));
    QVERIFY(s.a);
    auto request = [&](const QByteArray& key) {
        QMap<QByteArray, QByteArray> headers;
        QByteArray target = "/x";
        if (keyIn == "header") headers["X-User"] = key;
        if (keyIn == "query") target += "?other=1&user=" + key;
        if (keyIn == "path" || keyIn == "capture") target += "/" + key;
        return served(s, target, headers);
    };
    QSet<QString> used;
    for (int k = 0; k < 24; ++k) {
        const QByteArray key = "user" + QByteArray::number(k);
        const QString first = request(key);
        QVERIFY(!first.isEmpty());
        for (int again = 0; again < 3; ++again)
            QCOMPARE(request(key), first); // same key, same target, whatever the worker
        used.insert(first);
    }
    QCOMPARE(used.size(), 2); // 24 keys reach both targets
}

void TestUpstreamBalancing::cookieIsIssuedAndSticks() {
    Setup s = make(
        {{"hash_on", "cookie"}, {"hash_on_cookie", "sticky"}, {"hash_on_cookie_path", "/app"}});
    QVERIFY(s.a);
    QSet<QString> used;
    for (int client = 0; client < 12; ++client) {
        HttpReply first;
        const QString target = served(s, "/x", {}, &first);
        QVERIFY(!target.isEmpty());
        const QByteArray setCookie = first.header("set-cookie");
        QVERIFY2(setCookie.startsWith("sticky=") && setCookie.endsWith("; Path=/app"),
                 setCookie.constData());
        const QByteArray cookie = setCookie.left(setCookie.indexOf(';'));
        for (int again = 0; again < 3; ++again) {
            HttpReply next;
            QCOMPARE(served(s, "/x", {{"Cookie", "other=1; " + cookie}}, &next), target);
            QVERIFY(next.header("set-cookie").isEmpty()); // it had the cookie: none issued
        }
        used.insert(target);
    }
    QCOMPARE(used.size(), 2);
}

void TestUpstreamBalancing::onlyTheDownTargetsKeysMove() {
    Setup s = make({{"hash_on", "header"}, {"hash_on_header", "X-User"}});
    QVERIFY(s.a);
    QMap<QByteArray, QString> before;
    for (int k = 0; k < 30; ++k) {
        const QByteArray key = "k" + QByteArray::number(k);
        before[key] = served(s, "/x", {{"X-User", key}});
    }
    QVERIFY(before.values().contains("a") && before.values().contains("b"));
    QCOMPARE(m_node.local()
                 .request("PUT",
                          QByteArray::fromStdString("/upstreams/" + s.name + "/targets/127.0.0.1:" +
                                                    std::to_string(s.a->port()) + "/unhealthy"))
                 .status,
             204);
    for (auto it = before.begin(); it != before.end(); ++it) {
        const QString now = served(s, "/x", {{"X-User", it.key()}});
        QCOMPARE(now, QStringLiteral("b")); // a's keys moved to b; b's stayed
    }
}

void TestUpstreamBalancing::leastConnections() {
    Setup s = make({{"algorithm", "least-connections"}});
    QVERIFY(s.a);
    Reply slow = Reply::with(200, "a");
    slow.delayMs = 1500;
    s.a->setReply(slow);
    // Keep one request busy on a (requests that land on b finish at once).
    std::vector<std::thread> background;
    const quint16 port = m_node.proxyPort();
    const QByteArray host = QByteArray::fromStdString(s.name + ".test");
    for (int i = 0; i < 4 && s.a->requests().empty(); ++i) {
        background.emplace_back([port, host] {
            portico::test::RawHttpClient::tcp(port).request("GET", "/x", {}, {{"Host", host}});
        });
        QTest::qWait(100);
    }
    QCOMPARE(s.a->requests().size(), std::size_t(1));
    // While a holds a request, every new one goes to b.
    s.b->clear();
    for (int i = 0; i < 8; ++i)
        QCOMPARE(served(s, "/x", {}), QStringLiteral("b"));
    QCOMPARE(s.a->requests().size(), std::size_t(1));
    for (auto& t : background)
        t.join();
}

void TestUpstreamBalancing::hostHeader() {
    Setup s = make({{"host_header", "backend.internal"}});
    QVERIFY(s.a);
    QVERIFY(!served(s, "/x", {}).isEmpty());
    const auto seen = s.a->requests().empty() ? s.b->requests() : s.a->requests();
    QVERIFY2(QByteArray::fromStdString(seen.at(0)).contains("\r\nHost: backend.internal\r\n"),
             seen.at(0).c_str());
}

void TestUpstreamBalancing::hostNameTargetIsResolvedOnce() {
    // The checker thread resolves a host-name target; the health endpoint shows its addresses
    // (Kong's data.addresses) and traffic goes to them.
    FakeUpstream backend;
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "named"}}).status, 201);
    QCOMPARE(api.json("POST", "/upstreams/named/targets",
                      {{"target", "localhost:" + std::to_string(backend.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services", {{"name", "named"}, {"host", "named"}}).status, 201);
    QCOMPARE(
        api.json("POST", "/services/named/routes", {{"hosts", {"named.test"}}, {"paths", {"/x"}}})
            .status,
        201);
    auto addresses = [&] {
        const json body = api.request("GET", "/upstreams/named/health").json();
        return body["data"][0]["data"]["addresses"];
    };
    QTRY_VERIFY_WITH_TIMEOUT(addresses().size() >= 1 && addresses()[0]["ip"] != "localhost", 3000);
    bool has127 = false;
    for (const auto& a : addresses())
        has127 = has127 || a["ip"] == "127.0.0.1";
    QVERIFY2(has127, addresses().dump().c_str());
    QCOMPARE(addresses()[0]["port"].get<int>(), backend.port());
    QCOMPARE(m_node.proxy().request("GET", "/x", {}, {{"Host", "named.test"}}).status, 200);
    QCOMPARE(backend.requests().size(), std::size_t(1));
}

void TestUpstreamBalancing::hostNameTargetSpreadsOverItsAddresses() {
    // "localhost" names 127.0.0.1 and ::1 on Debian; one back-end listens on each, same port.
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int families = 0;
    if (::getaddrinfo("localhost", "80", &hints, &found) == 0) {
        for (addrinfo* a = found; a; a = a->ai_next)
            families |= a->ai_family == AF_INET ? 1 : a->ai_family == AF_INET6 ? 2 : 0;
        ::freeaddrinfo(found);
    }
    FakeUpstream v4;
    FakeUpstream v6(v4.port(), true);
    if (families != 3 || v6.port() == 0)
        QSKIP("this machine's 'localhost' does not name both 127.0.0.1 and a usable ::1");
    v4.setReply(Reply::with(200, "v4"));
    v6.setReply(Reply::with(200, "v6"));
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "by-name"}}).status, 201);
    QCOMPARE(api.json("POST", "/upstreams/by-name/targets",
                      {{"target", "localhost:" + std::to_string(v4.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services", {{"name", "by-name"}, {"host", "by-name"}}).status, 201);
    QCOMPARE(api.json("POST", "/services/by-name/routes",
                      {{"hosts", {"by-name.test"}}, {"paths", {"/x"}}})
                 .status,
             201);
    // Once the name is resolved, new connections alternate over its addresses.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            QSet<QByteArray> seen;
            for (int i = 0; i < 6; ++i)
                seen.insert(
                    m_node.proxy().request("GET", "/x", {}, {{"Host", "by-name.test"}}).body);
            return seen.contains("v4") && seen.contains("v6");
        }(),
        5000);
}

void TestUpstreamBalancing::hostNameTargetFollowsItsTtl() {
    // A gateway asking only our DNS server (dns_resolver) and an empty hosts file: the target's
    // name is asked again when its record's TTL runs out, and not before.
    FakeDns dns;
    QVERIFY(dns.port() != 0);
    dns.setRecord("backend.dns.test", "127.0.0.1", 1);
    QTemporaryFile hosts;
    QVERIFY(hosts.open());
    PorticodProcess node({"--dns-resolver", QString("127.0.0.1:%1").arg(dns.port()),
                          "--dns-hostsfile", hosts.fileName()});
    QVERIFY2(node.start(), qPrintable(node.log()));
    FakeUpstream backend;
    auto api = node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "dns"}}).status, 201);
    QCOMPARE(api.json("POST", "/upstreams/dns/targets",
                      {{"target", "backend.dns.test:" + std::to_string(backend.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services", {{"name", "dns"}, {"host", "dns"}}).status, 201);
    QCOMPARE(api.json("POST", "/services/dns/routes", {{"paths", {"/dns"}}}).status, 201);
    auto addresses = [&] {
        const json body = api.request("GET", "/upstreams/dns/health").json();
        const json list = body.value("/data/0/data/addresses"_json_pointer, json::array());
        std::string out;
        for (const auto& a : list)
            out += a.value("ip", std::string("?")) + " ";
        return QString::fromStdString(out).trimmed();
    };
    QTRY_COMPARE_WITH_TIMEOUT(addresses(), QStringLiteral("127.0.0.1"), 3000);
    QCOMPARE(node.proxy().request("GET", "/dns").status, 200);
    QCOMPARE(backend.requests().size(), std::size_t(1));

    // TTL 1 s: a changed record is seen within a couple of seconds, by repeated queries.
    const int before = dns.queries("backend.dns.test");
    dns.setRecord("backend.dns.test", "127.0.0.2", 3600);
    QTRY_COMPARE_WITH_TIMEOUT(addresses(), QStringLiteral("127.0.0.2"), 4000);
    QVERIFY(dns.queries("backend.dns.test") > before);

    // TTL 3600 s: no more queries for the name.
    const int settled = dns.queries("backend.dns.test");
    QTest::qWait(2500);
    QCOMPARE(dns.queries("backend.dns.test"), settled);
    QVERIFY2(node.terminate() == 0, qPrintable(node.log()));
}

QTEST_MAIN(TestUpstreamBalancing)
#include "tst_upstream_balancing.moc"
