// Client limits and trust of a real porticod started with small limits: the head and body
// deadlines (408), the idle keep-alive deadline, the body and head size limits (413, 431) —
// each refused before or without poisoning the upstream — and X-Forwarded-* headers believed
// only from trusted_ips; Kong's upstream keep-alive pool settings.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

namespace {
QByteArray readUntilClosed(QTcpSocket& s, int ms) {
    QByteArray got;
    QDeadlineTimer t(ms);
    while (!t.hasExpired() && s.state() == QAbstractSocket::ConnectedState) {
        s.waitForReadyRead(20);
        got += s.readAll();
    }
    return got + s.readAll();
}
} // namespace

class TestProxyLimits : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void deadlines_data();
    void deadlines();
    void sizes_data();
    void sizes();
    void trustedForwardingHeaders_data();
    void trustedForwardingHeaders();
    void upstreamKeepalive_data();
    void upstreamKeepalive();
    void slowUpstreamOutlastsClientDeadlines();

private:
    FakeUpstream m_upstream;
    PorticodProcess m_node{{"--client-header-timeout", "1", "--client-body-timeout", "1",
                            "--keepalive-timeout", "2", "--client-max-body-size", "1k",
                            "--client-max-header-size", "2k", "--trusted-ips",
                            "10.0.0.0/8, 127.0.0.1"}};
    PorticodProcess m_untrusting;
};

void TestProxyLimits::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    QVERIFY2(m_untrusting.start(), qPrintable(m_untrusting.log()));
    for (auto* node : {&m_node, &m_untrusting}) {
        auto api = node->local();
        QCOMPARE(api.json("POST", "/services",
                          {{"name", "up"},
                           {"url", "http://127.0.0.1:" + std::to_string(m_upstream.port())}})
                     .status,
                 201);
        QCOMPARE(api.json("POST", "/services/up/routes", {{"paths", {"/"}}}).status, 201);
    }
}

void TestProxyLimits::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
    QCOMPARE(m_untrusting.terminate(), 0);
}

void TestProxyLimits::init() {
    m_upstream.clear();
}

void TestProxyLimits::deadlines_data() {
    QTest::addColumn<QByteArray>("sent");     // then the client goes quiet
    QTest::addColumn<QByteArray>("expected"); // start of what comes back; empty: nothing
    QTest::addColumn<int>("minMs");           // the connection lasts at least this long
    QTest::addColumn<int>("upstreamRequests");
    // A deadline closes the connection (http-hardening F1/F2: "408 or close"); the upstream
    // that had the head of a half-sent body loses its connection, never a complete request.
    QTest::newRow("half a head: closed at client_header_timeout")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ") << QByteArray() << 900 << 0;
    QTest::newRow("half a body: closed at client_body_timeout")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf")
        << QByteArray() << 900 << 0;
    QTest::newRow("idle keep-alive: closed at keepalive_timeout")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << QByteArray("HTTP/1.1 200 ") << 1900
        << 1;
}

void TestProxyLimits::deadlines() {
    QFETCH(QByteArray, sent);
    QFETCH(QByteArray, expected);
    QFETCH(int, minMs);
    QFETCH(int, upstreamRequests);
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), m_node.proxyPort());
    QVERIFY(s.waitForConnected(2000));
    QElapsedTimer clock;
    clock.start();
    s.write(sent);
    s.waitForBytesWritten(1000);
    const QByteArray got = readUntilClosed(s, 6000);
    QCOMPARE(s.state(), QAbstractSocket::UnconnectedState);
    if (expected.isEmpty())
        QVERIFY2(got.isEmpty(), got.constData());
    else
        QVERIFY2(got.startsWith(expected), got.constData());
    QVERIFY2(clock.elapsed() >= minMs, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_upstream.requests().size(), std::size_t(upstreamRequests));
}

void TestProxyLimits::sizes_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("reachesUpstream");
    const QByteArray big(2000, 'x');
    QTest::newRow("body within the limit")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" +
                      QByteArray(1000, 'x'))
        << 200 << true;
    QTest::newRow("declared body over the limit: 413 before the upstream")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + big) << 413
        << false;
    QTest::newRow("chunked body growing over the limit: 413")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" +
                      big + "\r\n0\r\n\r\n")
        << 413 << false;
    QTest::newRow("head over the limit: 431")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + QByteArray(3000, 'h') + "\r\n\r\n")
        << 431 << false;
}

void TestProxyLimits::sizes() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(bool, reachesUpstream);
    const auto reply = m_node.proxy().raw(request);
    QCOMPARE(reply.status, status);
    if (status != 200) QVERIFY(reply.closed);
    // A chunked body over the limit may have begun to stream; the upstream then never sees a
    // complete request (its connection is dropped), which the recorder does not count.
    QCOMPARE(!m_upstream.requests().empty(), reachesUpstream);
}

void TestProxyLimits::trustedForwardingHeaders_data() {
    QTest::addColumn<bool>("trusted");
    QTest::newRow("from a trusted peer") << true;
    QTest::newRow("from anyone else") << false;
}

void TestProxyLimits::trustedForwardingHeaders() {
    QFETCH(bool, trusted);
    auto& node = trusted ? m_node : m_untrusting;
    const auto reply = node.proxy().request("GET", "/fwd", {},
                                            {{"Host", "gw.test"},
                                             {"X-Forwarded-For", "203.0.113.9"},
                                             {"X-Real-IP", "203.0.113.9"},
                                             {"X-Forwarded-Proto", "https"},
                                             {"X-Forwarded-Host", "public.example"},
                                             {"X-Forwarded-Port", "443"}});
    QCOMPARE(reply.status, 200);
    const QByteArray seen = QByteArray::fromStdString(m_upstream.requests().at(0));
    auto has = [&](const QByteArray& line) { return seen.contains("\r\n" + line + "\r\n"); };
    if (trusted) {
        QVERIFY2(has("X-Forwarded-For: 203.0.113.9, 127.0.0.1"), seen.constData());
        QVERIFY(has("X-Real-IP: 203.0.113.9"));
        QVERIFY(has("X-Forwarded-Proto: https"));
        QVERIFY(has("X-Forwarded-Host: public.example"));
        QVERIFY(has("X-Forwarded-Port: 443"));
    } else {
        QVERIFY2(has("X-Forwarded-For: 127.0.0.1"), seen.constData());
        QVERIFY(has("X-Real-IP: 127.0.0.1"));
        QVERIFY(has("X-Forwarded-Proto: http"));
        QVERIFY(has("X-Forwarded-Host: gw.test"));
        QVERIFY(!seen.contains("203.0.113.9") && !seen.contains("public.example"));
    }
}

void TestProxyLimits::upstreamKeepalive_data() {
    QTest::addColumn<QStringList>("settings");
    QTest::addColumn<int>("pauseMs");     // between requests
    QTest::addColumn<QList<int>>("used"); // the upstream connection each request arrived on
    QTest::newRow("defaults: one connection carries all")
        << QStringList() << 0 << QList<int>{1, 1, 1, 1, 1};
    QTest::newRow("closed after max requests")
        << QStringList{"--upstream-keepalive-max-requests", "2"} << 0 << QList<int>{1, 1, 2, 2, 3};
    QTest::newRow("pool size 0: no pooling")
        << QStringList{"--upstream-keepalive-pool-size", "0"} << 0 << QList<int>{1, 2, 3};
    QTest::newRow("closed after the idle timeout")
        << QStringList{"--upstream-keepalive-idle-timeout", "1"} << 2200 << QList<int>{1, 2, 3};
}

void TestProxyLimits::upstreamKeepalive() {
    QFETCH(QStringList, settings);
    QFETCH(int, pauseMs);
    QFETCH(QList<int>, used);
    FakeUpstream upstream;
    // One worker: pools are per worker.
    PorticodProcess node(QStringList{"--worker-threads", "1"} + settings);
    QVERIFY2(node.start(), qPrintable(node.log()));
    auto api = node.local();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "pooled"},
                       {"url", "http://127.0.0.1:" + std::to_string(upstream.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/pooled/routes", {{"paths", {"/"}}}).status, 201);
    for (int i = 0; i < used.size(); ++i) {
        if (i > 0 && pauseMs > 0) QTest::qWait(pauseMs);
        QCOMPARE(node.proxy().request("GET", "/pooled").status, 200);
    }
    const auto seen = upstream.requestConnections();
    QCOMPARE(QList<int>(seen.begin(), seen.end()), used);
    QCOMPARE(node.terminate(), 0);
}

void TestProxyLimits::slowUpstreamOutlastsClientDeadlines() {
    // The client's deadlines (head 1 s, keep-alive 2 s) bound the client's own reads and
    // writes, not the wait for the upstream (the service's read_timeout, 60 s).
    auto reply = FakeUpstream::Reply::with(200, "slow");
    reply.delayMs = 2500;
    m_upstream.setReply(reply);
    const auto got = m_node.proxy().request("GET", "/slow");
    m_upstream.setReply(FakeUpstream::Reply());
    QCOMPARE(got.status, 200);
    QCOMPARE(got.body, QByteArray("slow"));
}

QTEST_MAIN(TestProxyLimits)
#include "tst_proxy_limits.moc"
