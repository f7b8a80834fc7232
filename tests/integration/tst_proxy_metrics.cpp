// Live metrics and the plugin phases of a real porticod: the per-second `metrics` event on
// /events (counts by status class and route, latency quantiles), the last second in /status,
// and a configured plugin this build cannot run refusing its route's requests.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QtTest>
#include <functional>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

class TestProxyMetrics : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void metricsEvents_data();
    void metricsEvents();
    void statusHasTheLastSecond();
    void sampledRequests();
    void unavailablePluginFailsClosed();

private:
    FakeUpstream m_upstream;
    PorticodProcess m_node;
    std::string m_routeId;
};

void TestProxyMetrics::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    auto api = m_node.local();
    QCOMPARE(
        api.json("POST", "/services",
                 {{"name", "ok"}, {"url", "http://127.0.0.1:" + std::to_string(m_upstream.port())}})
            .status,
        201);
    const auto route = api.json("POST", "/services/ok/routes", {{"paths", {"/ok"}}});
    QCOMPARE(route.status, 201);
    m_routeId = route.json()["id"];
    // A service on a port where nothing listens: 502 (connection refused, no retries).
    FakeUpstream gone;
    const unsigned short deadPort = gone.port();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "dead"},
                       {"url", "http://127.0.0.1:" + std::to_string(deadPort)},
                       {"retries", 0}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/dead/routes", {{"paths", {"/dead"}}}).status, 201);
}

void TestProxyMetrics::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

void TestProxyMetrics::metricsEvents_data() {
    QTest::addColumn<int>("ok");       // 200 through /ok
    QTest::addColumn<int>("notFound"); // no route
    QTest::addColumn<int>("badGateway");
    QTest::newRow("mixed traffic") << 20 << 5 << 3;
    QTest::newRow("errors only") << 0 << 4 << 2;
}

void TestProxyMetrics::metricsEvents() {
    QFETCH(int, ok);
    QFETCH(int, notFound);
    QFETCH(int, badGateway);
    auto stream = m_node.local().open("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(stream);
    QByteArray seen;
    // Let a second pass so that nothing from earlier rows is still in flight.
    QDeadlineTimer settle(1200);
    while (!settle.hasExpired()) {
        stream->waitForReadyRead(50);
        seen += stream->readAll();
    }
    seen.clear();
    auto proxy = m_node.proxy();
    for (int i = 0; i < ok; ++i)
        QCOMPARE(proxy.request("GET", "/ok/" + QByteArray::number(i)).status, 200);
    for (int i = 0; i < notFound; ++i)
        QCOMPARE(proxy.request("GET", "/nowhere").status, 404);
    for (int i = 0; i < badGateway; ++i)
        QCOMPARE(proxy.request("GET", "/dead").status, 502);

    // Sum the metrics events until they account for every request (a request may fall in
    // either of two seconds).
    const int total = ok + notFound + badGateway;
    int requests = 0, s2xx = 0, s4xx = 0, s5xx = 0, routeRequests = 0;
    double p99 = 0, upstreamP99 = 0;
    QDeadlineTimer deadline(5000);
    while (requests < total && !deadline.hasExpired()) {
        stream->waitForReadyRead(100);
        seen += stream->readAll();
        for (qsizetype end; (end = seen.indexOf("\n\n")) >= 0; seen.remove(0, end + 2)) {
            const QByteArray frame = seen.left(end);
            if (!frame.startsWith("event: metrics\n")) continue;
            QVERIFY2(!frame.contains("\nid: "), "metrics events are live-only, without an id");
            const json m = json::parse(frame.mid(frame.indexOf("data: ") + 6).toStdString());
            requests += m["requests"].get<int>();
            s2xx += m["status"]["2xx"].get<int>();
            s4xx += m["status"]["4xx"].get<int>();
            s5xx += m["status"]["5xx"].get<int>();
            for (const auto& r : m["routes"])
                if (r["id"] == m_routeId) routeRequests += r["requests"].get<int>();
            p99 = std::max(p99, m["latency_ms"]["total"]["p99"].get<double>());
            upstreamP99 = std::max(upstreamP99, m["latency_ms"]["upstream"]["p99"].get<double>());
            QVERIFY(m.contains("connections") && m.contains("time"));
        }
    }
    QCOMPARE(requests, total);
    QCOMPARE(s2xx, ok);
    QCOMPARE(s4xx, notFound);
    QCOMPARE(s5xx, badGateway);
    QCOMPARE(routeRequests, ok);
    QVERIFY(p99 > 0);
    QCOMPARE(upstreamP99 > 0, ok > 0); // only proxied requests have an upstream time
}

void TestProxyMetrics::statusHasTheLastSecond() {
    auto proxy = m_node.proxy();
    QCOMPARE(proxy.request("GET", "/ok/status").status, 200);
    // The next per-second merge carries it.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_node.local().request("GET", "/status").json()["proxy"]["last_second"]["requests"] == 1,
        3000);
    const json status = m_node.local().request("GET", "/status").json();
    QVERIFY(status["proxy"]["requests_total"].get<int>() >= 1);
    QVERIFY(status["proxy"]["last_second"]["latency_ms"]["total"]["p50"].get<double>() > 0);
}

void TestProxyMetrics::sampledRequests() {
    auto stream = m_node.local().open("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(stream);
    QTest::qWait(100);
    const int workers =
        m_node.local().request("GET", "/").json()["configuration"]["worker_threads"].get<int>();
    QByteArray seen;
    // Reads `requests` events until `done` says so or the time is up.
    auto readRequests = [&](const std::function<bool(const json&)>& done) {
        QDeadlineTimer deadline(5000);
        while (!deadline.hasExpired()) {
            stream->waitForReadyRead(100);
            seen += stream->readAll();
            for (qsizetype end; (end = seen.indexOf("\n\n")) >= 0; seen.remove(0, end + 2)) {
                const QByteArray frame = seen.left(end);
                if (!frame.startsWith("event: requests\n")) continue;
                if (done(json::parse(frame.mid(frame.indexOf("data: ") + 6).toStdString())["data"]))
                    return true;
            }
        }
        return false;
    };
    // A quiet second keeps every request.
    auto proxy = m_node.proxy();
    QCOMPARE(proxy.request("GET", "/ok/sampled-marker").status, 200);
    json found;
    QVERIFY(readRequests([&](const json& data) {
        for (const auto& r : data)
            if (r["path"] == "/ok/sampled-marker") found = r;
        return !found.is_null();
    }));
    QCOMPARE(found["method"], "GET");
    QCOMPARE(found["status"], 200);
    QCOMPARE(found["route"], m_routeId);
    QVERIFY(found["latency_ms"].get<double>() > 0);
    QVERIFY(found["upstream_latency_ms"].is_number());
    QVERIFY(found["request_id"].is_string());
    QCOMPARE(found["client_ip"], "127.0.0.1");
    // A busy one keeps a bounded sample of them.
    for (int i = 0; i < 300; ++i)
        QCOMPARE(proxy.request("GET", "/nowhere/" + QByteArray::number(i)).status, 404);
    std::size_t sampled = 0, largest = 0;
    readRequests([&](const json& data) {
        sampled += data.size();
        largest = std::max(largest, data.size());
        return sampled >= 50; // at least one full reservoir's worth arrived
    });
    QVERIFY(sampled >= 50);
    QVERIFY2(largest <= static_cast<std::size_t>(50 * workers),
             qPrintable(QString::number(largest)));
}

void TestProxyMetrics::unavailablePluginFailsClosed() {
    auto api = m_node.local();
    const auto created =
        api.json("POST", QByteArray::fromStdString("/routes/" + m_routeId + "/plugins"),
                 {{"name", "key-auth"}});
    QCOMPARE(created.status, 201);
    m_upstream.clear();
    const auto refused = m_node.proxy().request("GET", "/ok/secret");
    QCOMPARE(refused.status, 500);
    QCOMPARE(refused.json()["message"], "An unexpected error occurred");
    QVERIFY(m_upstream.requests().empty());
    QVERIFY(m_node.log().contains("plugin 'key-auth'"));
    // Other routes are not affected; removing the plugin opens the route again.
    QCOMPARE(m_node.proxy().request("GET", "/dead").status, 502);
    const std::string id = created.json()["id"];
    QCOMPARE(api.request("DELETE", QByteArray::fromStdString("/plugins/" + id)).status, 204);
    QCOMPARE(m_node.proxy().request("GET", "/ok/secret").status, 200);
}

QTEST_MAIN(TestProxyMetrics)
#include "tst_proxy_metrics.moc"
