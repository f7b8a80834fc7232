// Health of upstream targets in a real porticod: active probes (HTTP status, refused
// connections, timeouts) take a target out and bring it back when it recovers; passive checks
// open the circuit on real traffic; the Admin API reports health and sets it by hand; the
// threshold and an all-down upstream answer 503; a dead target without checks is skipped by
// retries; the addresses a target's host name resolves to each have their own health.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QTemporaryFile>
#include <QtTest>
#include <memory>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;
using Reply = portico::test::FakeUpstream::Reply;

namespace {

// Upstream `name` with two targets (a, b), a service over it and a route /<name>.
struct Pair {
    std::unique_ptr<FakeUpstream> a, b;
    unsigned short bPort = 0;
};

// Requests that reached `up` for traffic (not the probes on /health).
int traffic(const FakeUpstream& up) {
    int n = 0;
    for (const auto& r : up.requests())
        if (r.rfind("GET /health ", 0) != 0) ++n;
    return n;
}

} // namespace

class TestUpstreamHealth : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void activeChecks_data();
    void activeChecks();
    void passiveChecks_data();
    void passiveChecks();
    void httpsProbes_data();
    void httpsProbes();
    void manualHealth();
    void thresholdAndNoPeer();
    void deadTargetIsRetriedElsewhere();
    void activeConcurrency_data();
    void activeConcurrency();
    void addressesOfANameHaveTheirOwnHealth_data();
    void addressesOfANameHaveTheirOwnHealth();

private:
    Pair makeUpstream(const std::string& name, const json& healthchecks);
    QString health(const std::string& upstream, unsigned short port);
    // Sends n requests to /<name>; returns how many got 200.
    int send(const std::string& name, int n);
    PorticodProcess m_node{
        {QStringLiteral("--proxy-listen"), QStringLiteral("127.0.0.1:0, 127.0.0.1:0 ssl")}};
};

void TestUpstreamHealth::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
}

void TestUpstreamHealth::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

Pair TestUpstreamHealth::makeUpstream(const std::string& name, const json& healthchecks) {
    Pair p;
    p.a = std::make_unique<FakeUpstream>();
    p.b = std::make_unique<FakeUpstream>();
    p.bPort = p.b->port();
    auto api = m_node.local();
    auto check = [](const portico::test::HttpReply& r) {
        if (r.status != 201) qWarning("%s", r.body.constData());
        return r.status == 201;
    };
    bool ok =
        check(api.json("POST", "/upstreams", {{"name", name}, {"healthchecks", healthchecks}}));
    for (auto port : {p.a->port(), p.b->port()})
        ok = ok &&
             check(api.json("POST", QByteArray::fromStdString("/upstreams/" + name + "/targets"),
                            {{"target", "127.0.0.1:" + std::to_string(port)}}));
    ok = ok && check(api.json("POST", "/services", {{"name", name}, {"host", name}, {"port", 80}}));
    ok = ok && check(api.json("POST", QByteArray::fromStdString("/services/" + name + "/routes"),
                              {{"paths", {"/" + name}}}));
    if (!ok) return {};
    return p;
}

QString TestUpstreamHealth::health(const std::string& upstream, unsigned short port) {
    const auto r = m_node.local().request(
        "GET", QByteArray::fromStdString("/upstreams/" + upstream + "/health"));
    const json body = r.json(); // not r.json()["data"] in the loop head: a dangling temporary
    for (const auto& t : body["data"])
        if (t["target"] == "127.0.0.1:" + std::to_string(port))
            return QString::fromStdString(t["health"].get<std::string>());
    return QStringLiteral("missing");
}

int TestUpstreamHealth::send(const std::string& name, int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i)
        if (m_node.proxy().request("GET", QByteArray::fromStdString("/" + name + "/x")).status ==
            200)
            ++ok;
    return ok;
}

void TestUpstreamHealth::activeChecks_data() {
    QTest::addColumn<QString>("failure"); // how target b fails
    QTest::newRow("HTTP 500") << "http500";
    QTest::newRow("connection refused") << "refused";
    QTest::newRow("timeout") << "timeout";
}

void TestUpstreamHealth::activeChecks() {
    QFETCH(QString, failure);
    const std::string name = "active-" + failure.toStdString();
    const json checks = {
        {"active",
         {{"http_path", "/health"},
          {"timeout", 0.3},
          {"healthy", {{"interval", 0.1}, {"successes", 2}}},
          {"unhealthy",
           {{"interval", 0.1}, {"http_failures", 2}, {"tcp_failures", 2}, {"timeouts", 2}}}}}};
    Pair p = makeUpstream(name, checks);
    QVERIFY(p.a && p.b);
    QTRY_COMPARE_WITH_TIMEOUT(health(name, p.bPort), QStringLiteral("HEALTHY"), 3000);

    if (failure == "http500")
        p.b->setReply(Reply::with(500, "broken"));
    else if (failure == "timeout") {
        Reply slow;
        slow.delayMs = 1000;
        p.b->setReply(slow);
    } else {
        p.b.reset(); // nothing listens on the port any more
    }
    QTRY_COMPARE_WITH_TIMEOUT(health(name, p.bPort), QStringLiteral("UNHEALTHY"), 5000);
    if (p.b) p.b->clear();
    p.a->clear();
    QCOMPARE(send(name, 10), 10);
    QCOMPARE(traffic(*p.a), 10);
    if (p.b) QCOMPARE(traffic(*p.b), 0);

    // Recovery: the target is probed while unhealthy and comes back.
    if (p.b)
        p.b->setReply(Reply::with(200, "ok"));
    else
        p.b = std::make_unique<FakeUpstream>(p.bPort);
    QTRY_COMPARE_WITH_TIMEOUT(health(name, p.bPort), QStringLiteral("HEALTHY"), 5000);
    p.b->clear();
    QCOMPARE(send(name, 10), 10);
    QVERIFY(traffic(*p.b) >= 3);
}

void TestUpstreamHealth::passiveChecks_data() {
    QTest::addColumn<bool>("withActiveHealthyProbe");
    QTest::newRow("passive only: back by hand") << false;
    QTest::newRow("passive with healthy probes: back by itself") << true;
}

void TestUpstreamHealth::passiveChecks() {
    QFETCH(bool, withActiveHealthyProbe);
    const std::string name = withActiveHealthyProbe ? "passive-probed" : "passive-only";
    json checks = {{"passive", {{"unhealthy", {{"http_failures", 3}, {"http_statuses", {500}}}}}}};
    if (withActiveHealthyProbe)
        checks["active"] = {{"http_path", "/health"},
                            {"healthy", {{"interval", 0.1}, {"successes", 1}}}};
    Pair p = makeUpstream(name, checks);
    QVERIFY(p.a && p.b);
    p.b->setReply(Reply::with(500, "broken"));
    if (withActiveHealthyProbe) {
        // Probes of a healthy target only count successes; a 500 to /health is left to the
        // passive side here (no unhealthy thresholds on the active one).
    }
    // Round-robin: b gets every other request; three 500s open the circuit.
    int errors = 0;
    for (int i = 0; i < 12; ++i)
        if (m_node.proxy().request("GET", QByteArray::fromStdString("/" + name + "/x")).status ==
            500)
            ++errors;
    QCOMPARE(errors, 3);
    QCOMPARE(health(name, p.bPort), QStringLiteral("UNHEALTHY"));
    p.b->setReply(Reply::with(200, "ok"));
    if (withActiveHealthyProbe) {
        QTRY_COMPARE_WITH_TIMEOUT(health(name, p.bPort), QStringLiteral("HEALTHY"), 5000);
    } else {
        QTest::qWait(300);
        QCOMPARE(health(name, p.bPort), QStringLiteral("UNHEALTHY")); // as in Kong
        const auto r = m_node.local().request(
            "PUT", QByteArray::fromStdString("/upstreams/" + name + "/targets/127.0.0.1:" +
                                             std::to_string(p.bPort) + "/healthy"));
        QCOMPARE(r.status, 204);
        QCOMPARE(health(name, p.bPort), QStringLiteral("HEALTHY"));
    }
    p.b->clear();
    // Round-robin positions are per worker, so the split is near even, not exact.
    QCOMPARE(send(name, 6), 6);
    QVERIFY(traffic(*p.b) >= 2);
}

void TestUpstreamHealth::httpsProbes_data() {
    QTest::addColumn<bool>("verify");
    QTest::addColumn<int>("backendStatus");
    QTest::addColumn<QString>("expected");
    QTest::newRow("TLS, not verified, 200") << false << 200 << "HEALTHY";
    QTest::newRow("TLS, not verified, 500") << false << 500 << "UNHEALTHY";
    QTest::newRow("TLS, verified, self-signed") << true << 200 << "UNHEALTHY";
}

void TestUpstreamHealth::httpsProbes() {
    // The probed target is porticod's own TLS listener (its generated self-signed
    // certificate), routing /tls-probe to a fake back-end whose status decides.
    QFETCH(bool, verify);
    QFETCH(int, backendStatus);
    QFETCH(QString, expected);
    FakeUpstream backend;
    backend.setReply(Reply::with(backendStatus, "x"));
    auto api = m_node.local();
    static int row = 0;
    const std::string name = "tls-" + std::to_string(++row);
    QCOMPARE(
        api.json("POST", "/services",
                 {{"name", name}, {"url", "http://127.0.0.1:" + std::to_string(backend.port())}})
            .status,
        201);
    QCOMPARE(api.json("POST", QByteArray::fromStdString("/services/" + name + "/routes"),
                      {{"paths", {"/" + name}}})
                 .status,
             201);
    const json checks = {
        {"active",
         {{"type", "https"},
          {"http_path", "/" + name + "/health"},
          {"https_verify_certificate", verify},
          {"healthy", {{"interval", 0.1}, {"successes", 1}}},
          {"unhealthy",
           {{"interval", 0.1}, {"http_failures", 1}, {"tcp_failures", 1}, {"timeouts", 1}}}}}};
    QCOMPARE(api.json("POST", "/upstreams", {{"name", name}, {"healthchecks", checks}}).status,
             201);
    QCOMPARE(api.json("POST", QByteArray::fromStdString("/upstreams/" + name + "/targets"),
                      {{"target", "127.0.0.1:" + std::to_string(m_node.tlsPort())}})
                 .status,
             201);
    // A fresh target starts healthy; a failing one turns within a few probes, and a passing
    // one must have been probed (the back-end saw the probe) and stayed healthy.
    if (expected == "HEALTHY") {
        QTRY_VERIFY_WITH_TIMEOUT(!backend.requests().empty(), 3000);
        QCOMPARE(health(name, m_node.tlsPort()), expected);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(health(name, m_node.tlsPort()), expected, 3000);
    }
    if (verify) QVERIFY(backend.requests().empty()); // the handshake never completed
}

void TestUpstreamHealth::manualHealth() {
    const std::string name = "manual";
    Pair p = makeUpstream(name, json::object());
    QVERIFY(p.a && p.b);
    auto api = m_node.local();
    // No checks configured: Kong's HEALTHCHECKS_OFF.
    QCOMPARE(health(name, p.bPort), QStringLiteral("HEALTHCHECKS_OFF"));
    const QByteArray base = QByteArray::fromStdString("/upstreams/" + name + "/targets/");
    const QByteArray byAddress = base + "127.0.0.1:" + QByteArray::number(p.bPort);
    QCOMPARE(api.request("PUT", byAddress + "/unhealthy").status, 204);
    QCOMPARE(health(name, p.bPort), QStringLiteral("UNHEALTHY"));
    p.a->clear();
    p.b->clear();
    QCOMPARE(send(name, 6), 6);
    QCOMPARE(traffic(*p.b), 0);
    // Health is node state, not configuration: an unrelated write keeps it.
    QCOMPARE(api.json("POST", "/consumers", {{"username", "someone"}}).status, 201);
    QCOMPARE(health(name, p.bPort), QStringLiteral("UNHEALTHY"));
    const std::string id = api.request("GET", byAddress).json()["id"];
    QCOMPARE(api.request("POST", base + QByteArray::fromStdString(id) + "/healthy").status, 204);
    QCOMPARE(health(name, p.bPort), QStringLiteral("HEALTHCHECKS_OFF"));
    QCOMPARE(api.request("PUT", base + "127.0.0.1:1/healthy").status, 404);
    QCOMPARE(api.request("GET", byAddress + "/healthy").status, 405);
}

void TestUpstreamHealth::thresholdAndNoPeer() {
    const std::string name = "threshold";
    Pair p = makeUpstream(name, {{"threshold", 60}});
    QVERIFY(p.a && p.b);
    auto api = m_node.local();
    const QByteArray base = QByteArray::fromStdString("/upstreams/" + name);
    auto balancer = [&] {
        return api.request("GET", base + "/health?balancer_health=1").json()["data"]["health"];
    };
    QCOMPARE(send(name, 2), 2);
    // One of two equal targets down: 50% healthy weight < 60%, the upstream is down.
    QCOMPARE(api.request("PUT",
                         base + "/targets/127.0.0.1:" + QByteArray::number(p.bPort) + "/unhealthy")
                 .status,
             204);
    QCOMPARE(balancer(), "UNHEALTHY");
    const auto r = m_node.proxy().request("GET", QByteArray::fromStdString("/" + name + "/x"));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.json()["message"], "failure to get a peer from the ring-balancer");
    QCOMPARE(
        api.request("PUT", base + "/targets/127.0.0.1:" + QByteArray::number(p.bPort) + "/healthy")
            .status,
        204);
    QCOMPARE(send(name, 2), 2);
    // Every target down: no peer either.
    for (auto port : {p.a->port(), p.bPort})
        QCOMPARE(api.request("PUT",
                             base + "/targets/127.0.0.1:" + QByteArray::number(port) + "/unhealthy")
                     .status,
                 204);
    QCOMPARE(m_node.proxy().request("GET", QByteArray::fromStdString("/" + name + "/x")).status,
             503);
}

void TestUpstreamHealth::deadTargetIsRetriedElsewhere() {
    const std::string name = "retried";
    Pair p = makeUpstream(name, json::object());
    QVERIFY(p.a && p.b);
    p.b.reset(); // refused connections, no health checks
    p.a->clear();
    QCOMPARE(send(name, 8), 8);
    QCOMPARE(traffic(*p.a), 8);
}

void TestUpstreamHealth::activeConcurrency_data() {
    QTest::addColumn<int>("concurrency");
    QTest::newRow("one probe at a time") << 1;
    QTest::newRow("two at a time") << 2;
}

void TestUpstreamHealth::activeConcurrency() {
    // Two targets that are one slow back-end (by address and by name): probes overlap only as
    // far as the upstream's `concurrency` lets them.
    QFETCH(int, concurrency);
    FakeUpstream backend;
    Reply slow = Reply::with(200, "ok");
    slow.delayMs = 300;
    backend.setReply(slow);
    const std::string name = "concurrency-" + std::to_string(concurrency);
    const json checks = {{"active",
                          {{"concurrency", concurrency},
                           {"timeout", 2},
                           {"healthy", {{"interval", 0.05}}},
                           {"unhealthy", {{"interval", 0.05}}}}}};
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", name}, {"healthchecks", checks}}).status,
             201);
    for (const char* host : {"127.0.0.1", "localhost"})
        QCOMPARE(api.json("POST", QByteArray::fromStdString("/upstreams/" + name + "/targets"),
                          {{"target", std::string(host) + ":" + std::to_string(backend.port())}})
                     .status,
                 201);
    // Both targets are probed several times in this window.
    QTRY_VERIFY_WITH_TIMEOUT(backend.requests().size() >= 6, 5000);
    QCOMPARE(backend.maxBusy(), concurrency);
    QCOMPARE(api.request("DELETE", QByteArray::fromStdString("/upstreams/" + name)).status, 204);
}

void TestUpstreamHealth::addressesOfANameHaveTheirOwnHealth_data() {
    QTest::addColumn<bool>("active"); // else passive
    QTest::newRow("passive: real traffic takes one address out") << false;
    QTest::newRow("active: probes take one address out") << true;
}

void TestUpstreamHealth::addressesOfANameHaveTheirOwnHealth() {
    // "pair.health.test" names 127.0.0.1 and 127.0.0.2 (hosts file); a back-end on each, same
    // port. The one on .2 fails: only that address leaves the rotation, the target serves on.
    QFETCH(bool, active);
    FakeUpstream one;
    FakeUpstream two(FakeUpstream::At{"127.0.0.2", one.port()});
    if (one.port() == 0 || two.port() == 0) QSKIP("127.0.0.2 cannot be bound here");
    QTemporaryFile hosts;
    QVERIFY(hosts.open());
    hosts.write("127.0.0.1 pair.health.test\n127.0.0.2 pair.health.test\n");
    hosts.flush();
    PorticodProcess node({"--dns-hostsfile", hosts.fileName(), "--worker-threads", "1"});
    QVERIFY2(node.start(), qPrintable(node.log()));
    auto api = node.local();
    json checks = {{"passive", {{"unhealthy", {{"http_failures", 2}, {"http_statuses", {500}}}}}}};
    if (active)
        checks = {{"active",
                   {{"http_path", "/health"},
                    {"healthy", {{"interval", 0.1}, {"successes", 1}}},
                    {"unhealthy", {{"interval", 0.1}, {"http_failures", 1}}}}}};
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "pair"}, {"healthchecks", checks}}).status,
             201);
    const std::string target = "pair.health.test:" + std::to_string(one.port());
    QCOMPARE(api.json("POST", "/upstreams/pair/targets", {{"target", target}}).status, 201);
    QCOMPARE(api.json("POST", "/services", {{"name", "pair"}, {"host", "pair"}}).status, 201);
    QCOMPARE(api.json("POST", "/services/pair/routes", {{"paths", {"/pair"}}}).status, 201);
    // {address ip: health} of the target, and the target's own.
    auto report = [&api](QString* targetHealth = nullptr) {
        QMap<QString, QString> out;
        const json body = api.request("GET", "/upstreams/pair/health").json();
        for (const auto& t : body["data"]) {
            if (targetHealth) *targetHealth = QString::fromStdString(t["health"]);
            for (const auto& a : t["data"]["addresses"])
                out[QString::fromStdString(a["ip"])] = QString::fromStdString(a["health"]);
        }
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(report().size(), 2, 5000);
    two.setReply(Reply::with(500, "broken"));
    auto get = [&node] { return node.proxy().request("GET", "/pair/x").status; };
    if (!active) {
        // Addresses take turns: .2 answers 500 twice, then is out.
        int errors = 0;
        for (int i = 0; i < 10; ++i)
            errors += get() == 500 ? 1 : 0;
        QCOMPARE(errors, 2);
    }
    QTRY_COMPARE_WITH_TIMEOUT(report().value("127.0.0.2"), QStringLiteral("UNHEALTHY"), 5000);
    QString targetHealth;
    QCOMPARE(report(&targetHealth).value("127.0.0.1"), QStringLiteral("HEALTHY"));
    QCOMPARE(targetHealth, QStringLiteral("HEALTHY"));
    one.clear();
    two.clear();
    for (int i = 0; i < 6; ++i)
        QCOMPARE(get(), 200);
    QCOMPARE(traffic(two), 0);
    QCOMPARE(traffic(one), 6);
    const QByteArray base =
        QByteArray::fromStdString("/upstreams/pair/targets/" + target + "/127.0.0.");
    const QByteArray port = ":" + QByteArray::number(one.port());
    QCOMPARE(api.request("PUT", base + "9" + port + "/unhealthy").status, 404);
    if (!active) {
        // By hand, one address: both out, and the target with them (no probes to race).
        QCOMPARE(api.request("PUT", base + "1" + port + "/unhealthy").status, 204);
        report(&targetHealth);
        QCOMPARE(targetHealth, QStringLiteral("UNHEALTHY"));
        QCOMPARE(get(), 503);
        // Back by hand (passive checks alone never bring an address back, as in Kong).
        two.setReply(Reply::with(200, "two"));
        QCOMPARE(api.request("PUT", base + "2" + port + "/healthy").status, 204);
        QCOMPARE(get(), 200);
        QCOMPARE(traffic(two), 1);
    } else {
        // Probes bring the address back once it recovers.
        two.setReply(Reply::with(200, "two"));
        QTRY_COMPARE_WITH_TIMEOUT(report().value("127.0.0.2"), QStringLiteral("HEALTHY"), 5000);
    }
    QCOMPARE(node.terminate(), 0);
}

QTEST_MAIN(TestUpstreamHealth)
#include "tst_upstream_health.moc"
