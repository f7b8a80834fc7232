// The proxy of a real porticod in front of a recording fake upstream: routing, path handling,
// forwarded headers, streamed bodies, errors in Kong's shape, live configuration changes.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"
#include "support/test_certs.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::HttpReply;
using portico::test::PorticodProcess;
using portico::test::RawHttpClient;

class TestProxy : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void forwarding_data();
    void forwarding();
    void forwardedHeaders();
    void streamedBodies();
    void largeBodies_data();
    void largeBodies();
    void keepAliveAndPooling();
    void upstreamDown();
    void balancing();
    void staleConnectionIsReplayed_data();
    void staleConnectionIsReplayed();
    void routeProbe_data();
    void routeProbe();
    void timeoutsAreRetried_data();
    void timeoutsAreRetried();
    void configChangesAreLive();
    void headersCanBeSwitchedOff();
    void statusCountsTraffic();

private:
    QByteArray upstreamRequest(int i = -1) const {
        auto reqs = m_upstream->requests();
        if (reqs.empty()) return {};
        return QByteArray::fromStdString(i < 0 ? reqs.back() : reqs[static_cast<std::size_t>(i)]);
    }
    std::unique_ptr<FakeUpstream> m_upstream;
    PorticodProcess m_node;
};

void TestProxy::initTestCase() {
    m_upstream = std::make_unique<FakeUpstream>();
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    QVERIFY(m_node.proxyPort() != 0);
    auto api = m_node.local();
    const std::string base = "http://127.0.0.1:" + std::to_string(m_upstream->port());
    QCOMPARE(api.json("POST", "/services", {{"name", "up"}, {"url", base + "/base"}}).status, 201);
    QCOMPARE(api.json("POST", "/services", {{"name", "bare"}, {"url", base}}).status, 201);
    QCOMPARE(
        api.json("POST", "/services/up/routes", {{"name", "strip"}, {"paths", {"/echo"}}}).status,
        201);
    QCOMPARE(api.json("POST", "/services/up/routes",
                      {{"name", "keep"}, {"paths", {"/keep"}}, {"strip_path", false}})
                 .status,
             201);
    QCOMPARE(
        api.json("POST", "/services/bare/routes", {{"name", "bare"}, {"paths", {"/bare"}}}).status,
        201);
    QCOMPARE(api.json("POST", "/services/bare/routes",
                      {{"name", "host"}, {"hosts", {"api.test"}}, {"preserve_host", true}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/bare/routes",
                      {{"name", "secure"}, {"paths", {"/secure"}}, {"protocols", {"https"}}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/bare/routes",
                      {{"name", "moved"},
                       {"paths", {"/moved"}},
                       {"protocols", {"https"}},
                       {"https_redirect_status_code", 301}})
                 .status,
             201);
}

void TestProxy::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

void TestProxy::init() {
    m_upstream->clear();
}

void TestProxy::forwarding_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>(
        "upstreamLine"); // request line the upstream saw; empty: nothing sent
    QTest::addColumn<QByteArray>("upstreamHost");

    QTest::newRow("strip path") << QByteArray("/echo/a/b?x=1") << QByteArray("gw.test") << 200
                                << QByteArray("GET /base/a/b?x=1 HTTP/1.1")
                                << QByteArray("127.0.0.1:");
    QTest::newRow("strip to service path") << QByteArray("/echo") << QByteArray("gw.test") << 200
                                           << QByteArray("GET /base HTTP/1.1") << QByteArray();
    QTest::newRow("prefix inside a segment")
        << QByteArray("/echoes") << QByteArray("gw.test") << 200
        << QByteArray("GET /base/es HTTP/1.1") << QByteArray();
    QTest::newRow("keep path") << QByteArray("/keep/x") << QByteArray("gw.test") << 200
                               << QByteArray("GET /base/keep/x HTTP/1.1") << QByteArray();
    QTest::newRow("no service path") << QByteArray("/bare") << QByteArray("gw.test") << 200
                                     << QByteArray("GET / HTTP/1.1") << QByteArray();
    QTest::newRow("normalized before routing")
        << QByteArray("/keep/../echo/%61") << QByteArray("gw.test") << 200
        << QByteArray("GET /base/a HTTP/1.1") << QByteArray();
    QTest::newRow("preserve host")
        << QByteArray("/anything") << QByteArray("api.test") << 200
        << QByteArray("GET /anything HTTP/1.1") << QByteArray("api.test");
    QTest::newRow("absolute form") << QByteArray("http://gw.test/echo/z") << QByteArray("gw.test")
                                   << 200 << QByteArray("GET /base/z HTTP/1.1") << QByteArray();
    QTest::newRow("no route") << QByteArray("/nowhere") << QByteArray("gw.test") << 404
                              << QByteArray() << QByteArray();
    QTest::newRow("encoded slash refused")
        << QByteArray("/echo%2F..%2Fadmin") << QByteArray("gw.test") << 400 << QByteArray()
        << QByteArray();
    QTest::newRow("https only") << QByteArray("/secure") << QByteArray("gw.test") << 426
                                << QByteArray() << QByteArray();
    QTest::newRow("redirect") << QByteArray("/moved/x") << QByteArray("gw.test") << 301
                              << QByteArray() << QByteArray();
}

void TestProxy::forwarding() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, host);
    QFETCH(int, status);
    QFETCH(QByteArray, upstreamLine);
    QFETCH(QByteArray, upstreamHost);
    auto r = m_node.proxy().request("GET", target, {}, {{"Host", host}});
    QVERIFY2(r.status == status,
             qPrintable(QString::number(r.status) + " " + QString::fromUtf8(r.body)));
    if (upstreamLine.isEmpty()) {
        QVERIFY(m_upstream->requests().empty()); // refused requests never reach the upstream
        if (status == 404) QCOMPARE(r.json()["message"], "no Route matched with those values");
        if (status == 301) QCOMPARE(r.header("location"), "https://" + host + target);
        return;
    }
    QCOMPARE(r.body, QByteArray("ok"));
    QVERIFY2(r.closed, "the client's Connection: close is honoured");
    const QByteArray seen = upstreamRequest();
    QVERIFY2(seen.startsWith(upstreamLine + "\r\n"), seen.constData());
    if (!upstreamHost.isEmpty())
        QVERIFY2(seen.contains("\r\nHost: " + upstreamHost), seen.constData());
    QVERIFY(!r.header("x-portico-request-id").isEmpty());
    QVERIFY(!r.header("x-portico-upstream-latency").isEmpty());
}

void TestProxy::forwardedHeaders() {
    auto r = m_node.proxy().request("GET", "/echo/h", {},
                                    {{"Host", "gw.test:8000"},
                                     {"X-Forwarded-For", "6.6.6.6"},
                                     {"X-Real-IP", "6.6.6.6"},
                                     {"Connection", "keep-alive, X-Secret"},
                                     {"X-Secret", "hop"},
                                     {"Keep-Alive", "timeout=5"},
                                     {"Proxy-Authorization", "Basic eDp5"}});
    QCOMPARE(r.status, 200);
    const QByteArray seen = upstreamRequest();
    QVERIFY2(seen.contains("\r\nX-Forwarded-For: 127.0.0.1\r\n"), seen.constData());
    QVERIFY(seen.contains("\r\nX-Real-IP: 127.0.0.1\r\n"));
    QVERIFY(seen.contains("\r\nX-Forwarded-Host: gw.test\r\n"));
    QVERIFY(seen.contains("\r\nX-Forwarded-Port: 8000\r\n"));
    QVERIFY(seen.contains("\r\nX-Forwarded-Proto: http\r\n"));
    QVERIFY(seen.contains("\r\nX-Forwarded-Path: /echo/h\r\n"));
    QVERIFY(seen.contains("\r\nVia: 1.1 portico\r\n"));
    QVERIFY(!seen.contains("6.6.6.6"));
    QVERIFY(!seen.contains("X-Secret"));
    QVERIFY(!seen.contains("Keep-Alive"));
    QVERIFY(!seen.contains("Proxy-Authorization"));
}

void TestProxy::streamedBodies() {
    // A chunked request body arrives whole; a chunked response is relayed chunked.
    m_upstream->setReply(
        FakeUpstream::Reply::with(200, "response body in pieces", {{"X-Up", "1"}}, true));
    const QByteArray raw =
        "POST /echo/upload HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    auto r = m_node.proxy().raw(raw);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("response body in pieces"));
    QCOMPARE(r.header("x-up"), QByteArray("1"));
    const QByteArray seen = upstreamRequest();
    QVERIFY2(seen.contains("Transfer-Encoding: chunked"), seen.constData());
    // Re-chunked on the way (chunk sizes are per hop), same content.
    QVERIFY2(seen.contains("hello") && seen.contains(" world") && seen.endsWith("\r\n0\r\n\r\n"),
             seen.constData());
    // Content-Length bodies keep their length.
    m_upstream->setReply(FakeUpstream::Reply::with(201, "created", {}, false));
    auto posted = m_node.proxy().request("POST", "/echo/p", "0123456789", {{"Host", "gw.test"}});
    QCOMPARE(posted.status, 201);
    QVERIFY(upstreamRequest().endsWith("Content-Length: 10\r\n\r\n0123456789") ||
            upstreamRequest().contains("\r\n\r\n0123456789"));
    m_upstream->setReply({});
}

void TestProxy::largeBodies_data() {
    QTest::addColumn<int>("requestBody");
    QTest::addColumn<bool>("chunkedRequest");
    QTest::addColumn<int>("responseBody");
    QTest::addColumn<bool>("chunkedResponse");
    // Larger than a relay buffer and than a socket's buffers: relayed in many pieces, with
    // waits on both sides, and the last piece arriving after a wait.
    QTest::newRow("500 kB request") << 500000 << false << 0 << false;
    QTest::newRow("500 kB chunked request") << 500000 << true << 0 << false;
    QTest::newRow("1 MB response") << 0 << false << 1000000 << false;
    QTest::newRow("1 MB chunked response") << 0 << false << 1000000 << true;
    QTest::newRow("both ways") << 300000 << false << 700000 << false;
}

void TestProxy::largeBodies() {
    QFETCH(int, requestBody);
    QFETCH(bool, chunkedRequest);
    QFETCH(int, responseBody);
    QFETCH(bool, chunkedResponse);
    auto bytes = [](int size, int seed) {
        QByteArray s(size, '\0');
        for (int i = 0; i < size; ++i)
            s[i] = static_cast<char>('a' + (i * 7 + seed + i / 997) % 26);
        return s;
    };
    auto dechunk = [](const QByteArray& body) {
        QByteArray joined;
        qsizetype at = 0;
        for (;;) {
            const auto eol = body.indexOf("\r\n", at);
            if (eol < 0) return QByteArray("<unterminated>");
            const auto size = body.mid(at, eol - at).toLongLong(nullptr, 16);
            if (size == 0) return joined;
            joined += body.mid(eol + 2, size);
            at = eol + 2 + size + 2;
        }
    };
    const QByteArray sent = bytes(requestBody, 1), answer = bytes(responseBody, 2);
    m_upstream->setReply(FakeUpstream::Reply::with(200, answer.toStdString(), {}, chunkedResponse));
    QByteArray raw = "POST /echo/large HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n";
    if (chunkedRequest) {
        raw += "Transfer-Encoding: chunked\r\n\r\n";
        for (qsizetype at = 0; at < sent.size(); at += 65536) {
            const QByteArray piece = sent.mid(at, 65536);
            raw += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
        }
        raw += "0\r\n\r\n";
    } else {
        raw += "Content-Length: " + QByteArray::number(sent.size()) + "\r\n\r\n" + sent;
    }
    const auto r = m_node.proxy().raw(raw, 20000);
    m_upstream->setReply({});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), answer.size());
    QVERIFY(r.body == answer);
    const QByteArray seen = upstreamRequest();
    const auto headEnd = seen.indexOf("\r\n\r\n");
    QVERIFY(headEnd >= 0);
    const QByteArray body = chunkedRequest ? dechunk(seen.mid(headEnd + 4)) : seen.mid(headEnd + 4);
    QCOMPARE(body.size(), sent.size());
    QVERIFY(body == sent);
}

void TestProxy::keepAliveAndPooling() {
    const int before = m_upstream->connections();
    QTcpSocket sock;
    sock.connectToHost(QStringLiteral("127.0.0.1"), m_node.proxyPort());
    QVERIFY(sock.waitForConnected(2000));
    for (int i = 0; i < 5; ++i) {
        sock.write("GET /echo/k" + QByteArray::number(i) + " HTTP/1.1\r\nHost: gw.test\r\n\r\n");
        auto r = RawHttpClient::readReply(sock, 5000);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.closed);
    }
    QCOMPARE(m_upstream->requests().size(), 5u);
    // Pooled: the five requests used at most one new upstream connection per worker.
    QVERIFY2(m_upstream->connections() - before <= 2,
             qPrintable(QString::number(m_upstream->connections() - before)));
}

void TestProxy::upstreamDown() {
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "down"}, {"url", "http://127.0.0.1:1"}, {"retries", 1}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/down/routes", {{"paths", {"/down"}}}).status, 201);
    auto r = m_node.proxy().request("GET", "/down", {}, {{"Host", "gw.test"}});
    QCOMPARE(r.status, 502);
    QCOMPARE(r.json()["message"], "An invalid response was received from the upstream server");
}

void TestProxy::balancing() {
    FakeUpstream a, b, disabled;
    a.setReply(FakeUpstream::Reply::with(200, "a", {}, false));
    b.setReply(FakeUpstream::Reply::with(200, "b", {}, false));
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "pool.internal"}}).status, 201);
    for (auto [up, weight] : {std::pair{&a, 200}, std::pair{&b, 100}, std::pair{&disabled, 0}})
        QCOMPARE(
            api.json("POST", "/upstreams/pool.internal/targets",
                     {{"target", "127.0.0.1:" + std::to_string(up->port())}, {"weight", weight}})
                .status,
            201);
    QCOMPARE(
        api.json("POST", "/services", {{"name", "pooled"}, {"host", "pool.internal"}, {"port", 80}})
            .status,
        201);
    QCOMPARE(api.json("POST", "/services/pooled/routes", {{"paths", {"/pool"}}}).status, 201);
    int fromA = 0, fromB = 0;
    for (int i = 0; i < 30; ++i) {
        auto r = m_node.proxy().request("GET", "/pool", {}, {{"Host", "gw.test"}});
        QCOMPARE(r.status, 200);
        fromA += r.body == "a";
        fromB += r.body == "b";
    }
    // Weighted 2:1 per worker; connections spread over the workers, so allow some slack.
    QVERIFY2(fromA >= 17 && fromB >= 7 && fromA + fromB == 30,
             qPrintable(QString("%1/%2").arg(fromA).arg(fromB)));
    QVERIFY(disabled.requests().empty()); // weight 0 takes no traffic
    QVERIFY(QByteArray::fromStdString(a.requests()[0]).contains("\r\nHost: pool.internal\r\n"));
    // An upstream without usable targets: Kong's 503.
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "empty.internal"}}).status, 201);
    QCOMPARE(api.json("POST", "/services", {{"name", "nobody"}, {"host", "empty.internal"}}).status,
             201);
    QCOMPARE(api.json("POST", "/services/nobody/routes", {{"paths", {"/nobody"}}}).status, 201);
    auto none = m_node.proxy().request("GET", "/nobody", {}, {{"Host", "gw.test"}});
    QCOMPARE(none.status, 503);
    QCOMPARE(none.json()["message"], "failure to get a peer from the ring-balancer");
}

void TestProxy::staleConnectionIsReplayed_data() {
    QTest::addColumn<bool>("tls");
    QTest::newRow("plain upstream") << false;
    QTest::newRow("https upstream") << true;
}

void TestProxy::staleConnectionIsReplayed() {
    // The upstream closes an idle keep-alive connection just as the proxy reuses it: a GET is
    // sent again on a fresh connection; a POST with a body is not replayed.
    QFETCH(bool, tls);
    static const auto pem = portico::test::makeCertificate("flaky");
    auto flaky = tls ? std::make_unique<FakeUpstream>(FakeUpstream::Tls{pem.cert, pem.key, {}})
                     : std::make_unique<FakeUpstream>();
    FakeUpstream::Reply reply;
    reply.body = "fresh";
    reply.dropReused = true;
    flaky->setReply(reply);
    auto api = m_node.local();
    const std::string name = tls ? "flaky-tls" : "flaky";
    const std::string url =
        (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(flaky->port());
    QCOMPARE(api.json("POST", "/services", {{"name", name}, {"url", url}}).status, 201);
    QCOMPARE(api.json("POST", QByteArray::fromStdString("/services/" + name + "/routes"),
                      {{"paths", {"/" + name}}})
                 .status,
             201);
    const QByteArray get =
        QByteArray::fromStdString("GET /" + name + " HTTP/1.1\r\nHost: gw.test\r\n\r\n");
    QTcpSocket sock; // one client connection: one worker, one pool
    sock.connectToHost(QStringLiteral("127.0.0.1"), m_node.proxyPort());
    QVERIFY(sock.waitForConnected(2000));
    sock.write(get);
    QCOMPARE(RawHttpClient::readReply(sock, 5000).status, 200);
    sock.write(get);
    auto second = RawHttpClient::readReply(sock, 5000);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("fresh"));
    const auto conns = flaky->requestConnections();
    QCOMPARE(conns.size(), 3u); // answered, dropped on the reused connection, answered again
    QCOMPARE(conns[1], conns[0]);
    QVERIFY(conns[2] != conns[1]);
    sock.write(QByteArray::fromStdString(
        "POST /" + name + " HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 4\r\n\r\nbody"));
    QCOMPARE(RawHttpClient::readReply(sock, 5000).status, 502);
    QCOMPARE(flaky->requestConnections().size(), 4u); // sent once, never replayed
}

void TestProxy::routeProbe_data() {
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("route");   // name, "-" for none; or the field at fault on 400
    QTest::addColumn<QString>("matched"); // matched_path
    QTest::newRow("prefix") << QByteArray(R"J({"path":"/echo/a/b"})J") << 200 << "strip"
                            << "/echo";
    QTest::newRow("by host, with port")
        << QByteArray(R"J({"host":"API.test:8000","path":"/x"})J") << 200 << "host"
        << "";
    QTest::newRow("normalized first")
        << QByteArray(R"J({"path":"/a/../keep/%7Ex?q=1"})J") << 200 << "keep"
        << "/keep";
    QTest::newRow("only the protocol differs")
        << QByteArray(R"J({"path":"/secure"})J") << 200 << "secure"
        << "/secure";
    QTest::newRow("nothing") << QByteArray(R"J({"path":"/nowhere"})J") << 200 << "-"
                             << "";
    QTest::newRow("path missing") << QByteArray(R"J({"method":"GET"})J") << 400 << "path"
                                  << "";
    QTest::newRow("bad protocol") << QByteArray(R"J({"path":"/","protocol":"ftp"})J") << 400
                                  << "protocol"
                                  << "";
    QTest::newRow("bad headers") << QByteArray(R"J({"path":"/","headers":[1]})J") << 400
                                 << "headers"
                                 << "";
    QTest::newRow("encoded slash") << QByteArray(R"J({"path":"/a%2Fb"})J") << 400 << "path"
                                   << "";
}

void TestProxy::routeProbe() {
    QFETCH(QByteArray, query);
    QFETCH(int, status);
    QFETCH(QString, route);
    QFETCH(QString, matched);
    const auto r = m_node.local().request("POST", "/router/match", query,
                                          {{"Content-Type", "application/json"}});
    QCOMPARE(r.status, status);
    const auto body = r.json();
    if (status == 400) {
        QVERIFY2(body["fields"].contains(route.toStdString()), r.body.constData());
        return;
    }
    if (route == "-") {
        QVERIFY(body["route"].is_null());
        return;
    }
    QCOMPARE(QString::fromStdString(body["route"]["name"].get<std::string>()), route);
    QVERIFY(body["service"]["id"].is_string());
    if (!matched.isEmpty())
        QCOMPARE(QString::fromStdString(body["matched_path"].get<std::string>()), matched);
    QCOMPARE(body["protocol_redirect"].get<bool>(), route == "secure");
}

void TestProxy::timeoutsAreRetried_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("retries");
    QTest::newRow("GET goes on to the next target") << "GET" << 2;
    QTest::newRow("POST is not sent twice") << "POST" << 2;
    QTest::newRow("GET without retries") << "GET" << 0;
}

void TestProxy::timeoutsAreRetried() {
    // Two targets, one answering after the service's read timeout. Each request that first
    // reaches the slow one times out there; an idempotent one then goes to the other target
    // (nothing has reached the client yet), a POST ends with Kong's 504.
    QFETCH(QString, method);
    QFETCH(int, retries);
    static int row = 0;
    const std::string n = std::to_string(++row);
    FakeUpstream slow, fast;
    FakeUpstream::Reply late = FakeUpstream::Reply::with(200, "slow");
    late.delayMs = 1500;
    slow.setReply(late);
    fast.setReply(FakeUpstream::Reply::with(200, "fast"));
    auto api = m_node.local();
    const std::string up = "retry" + n + ".internal";
    QCOMPARE(api.json("POST", "/upstreams", {{"name", up}}).status, 201);
    for (auto* target : {&slow, &fast})
        QCOMPARE(api.json("POST", QByteArray::fromStdString("/upstreams/" + up + "/targets"),
                          {{"target", "127.0.0.1:" + std::to_string(target->port())}})
                     .status,
                 201);
    QCOMPARE(
        api.json("POST", "/services",
                 {{"name", "retry" + n}, {"host", up}, {"read_timeout", 300}, {"retries", retries}})
            .status,
        201);
    QCOMPARE(api.json("POST", QByteArray::fromStdString("/services/retry" + n + "/routes"),
                      {{"paths", {"/retry" + n}}})
                 .status,
             201);
    int ok = 0, timedOut = 0;
    for (int i = 0; i < 4; ++i) {
        const auto r =
            m_node.proxy().request(method.toUtf8(), QByteArray::fromStdString("/retry" + n),
                                   method == "POST" ? QByteArray("data") : QByteArray());
        ok += r.status == 200;
        if (r.status == 504) {
            ++timedOut;
            QCOMPARE(r.json()["message"], "The upstream server is timing out");
        }
        QVERIFY2(r.status == 200 || r.status == 504, QByteArray::number(r.status));
        if (r.status == 200) QCOMPARE(r.body, QByteArray("fast"));
    }
    // Round-robin per worker: some requests started on the slow target.
    QVERIFY(!slow.requests().empty());
    if (method == "GET" && retries > 0) {
        QCOMPARE(ok, 4);
        QCOMPARE(fast.requests().size(), std::size_t(4));
    } else {
        // Not retried: each request the slow target got is a 504, and only there.
        QCOMPARE(static_cast<std::size_t>(timedOut), slow.requests().size());
        QCOMPARE(static_cast<std::size_t>(ok), fast.requests().size());
    }
}

void TestProxy::configChangesAreLive() {
    auto api = m_node.local();
    QCOMPARE(m_node.proxy().request("GET", "/later", {}, {{"Host", "gw.test"}}).status, 404);
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(api.json("POST", "/services/bare/routes", {{"name", "later"}, {"paths", {"/later"}}})
                 .status,
             201);
    const qint64 acknowledged = clock.elapsed();
    int status = 0;
    while (clock.elapsed() < 5000 &&
           (status = m_node.proxy().request("GET", "/later", {}, {{"Host", "gw.test"}}).status) !=
               200) {
    }
    QCOMPARE(status, 200);
    qInfo("route served %lld ms after its write was acknowledged",
          static_cast<long long>(clock.elapsed() - acknowledged));
    QCOMPARE(api.request("DELETE", "/routes/later").status, 204);
    QCOMPARE(m_node.proxy().request("GET", "/later", {}, {{"Host", "gw.test"}}).status, 404);
}

void TestProxy::headersCanBeSwitchedOff() {
    PorticodProcess quiet({"--headers", "off"});
    QVERIFY2(quiet.start(), qPrintable(quiet.log()));
    const std::string url = "http://127.0.0.1:" + std::to_string(m_upstream->port());
    QCOMPARE(quiet.local().json("POST", "/services", {{"name", "q"}, {"url", url}}).status, 201);
    QCOMPARE(quiet.local().json("POST", "/services/q/routes", {{"paths", {"/q"}}}).status, 201);
    auto r = quiet.proxy().request("GET", "/q", {}, {{"Host", "gw.test"}});
    QCOMPARE(r.status, 200);
    for (const auto& name : r.headers.keys())
        QVERIFY2(!name.startsWith("x-portico-"), name.constData());
    QVERIFY(!upstreamRequest().contains("X-Portico-Request-Id"));
    QCOMPARE(quiet.terminate(), 0);
}

void TestProxy::statusCountsTraffic() {
    const json before = m_node.local().request("GET", "/status").json()["proxy"];
    QCOMPARE(m_node.proxy().request("GET", "/echo/s", {}, {{"Host", "gw.test"}}).status, 200);
    QCOMPARE(m_node.proxy().request("GET", "/nowhere", {}, {{"Host", "gw.test"}}).status, 404);
    QTcpSocket idle; // an open connection shows as active
    idle.connectToHost(QStringLiteral("127.0.0.1"), m_node.proxyPort());
    QVERIFY(idle.waitForConnected(2000));
    QTest::qWait(100);
    const json after = m_node.local().request("GET", "/status").json()["proxy"];
    QCOMPARE(after["requests_total"].get<long long>() - before["requests_total"].get<long long>(),
             2LL);
    QCOMPARE(after["responses"]["2xx"].get<long long>() -
                 before["responses"]["2xx"].get<long long>(),
             1LL);
    QCOMPARE(after["responses"]["4xx"].get<long long>() -
                 before["responses"]["4xx"].get<long long>(),
             1LL);
    QVERIFY(after["connections_accepted"].get<long long>() >=
            before["connections_accepted"].get<long long>() + 3);
    QVERIFY(after["connections_active"].get<long long>() >= 1);
}

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
