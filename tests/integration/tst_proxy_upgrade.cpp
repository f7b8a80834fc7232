// Upgrade requests through a real porticod: a WebSocket handshake tunnels only on the
// upstream's real 101 (bytes flow both ways, including what either side sent early), h2c and
// requests with a body are never tunnelled, a declined upgrade stays HTTP, an unasked 101 is
// a 502, and an idle tunnel is closed at the service's read timeout.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;
using Reply = portico::test::FakeUpstream::Reply;

namespace {
const QByteArray kSwitch = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: abc=\r\n\r\n";

QByteArray readFor(QIODevice& dev, int ms, const QByteArray& until = {}) {
    QByteArray got;
    QDeadlineTimer t(ms);
    while (!t.hasExpired() && (until.isEmpty() || !got.contains(until))) {
        dev.waitForReadyRead(20);
        got += dev.readAll();
    }
    return got;
}
} // namespace

class TestProxyUpgrade : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void websocketTunnel_data();
    void websocketTunnel();
    void notTunnelled_data();
    void notTunnelled();
    void declinedUpgradeStaysHttp();
    void unaskedSwitchIs502();
    void idleTunnelCloses();

private:
    FakeUpstream m_upstream;
    PorticodProcess m_node;
};

void TestProxyUpgrade::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    auto api = m_node.local();
    const std::string url = "http://127.0.0.1:" + std::to_string(m_upstream.port());
    QCOMPARE(
        api.json("POST", "/services", {{"name", "ws"}, {"url", url}, {"read_timeout", 400}}).status,
        201);
    QCOMPARE(api.json("POST", "/services/ws/routes", {{"paths", {"/chat"}}}).status, 201);
    QCOMPARE(
        api.json("POST", "/services/ws/routes", {{"paths", {"/wsonly"}}, {"protocols", {"ws"}}})
            .status,
        201);
}

void TestProxyUpgrade::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}

void TestProxyUpgrade::init() {
    m_upstream.clear();
}

void TestProxyUpgrade::websocketTunnel_data() {
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("early"); // bytes the client sends right behind its head
    QTest::newRow("http route") << QByteArray("/chat") << QByteArray();
    QTest::newRow("client data right behind the head")
        << QByteArray("/chat") << QByteArray("early-frame");
    QTest::newRow("ws-only route") << QByteArray("/wsonly") << QByteArray();
}

void TestProxyUpgrade::websocketTunnel() {
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, early);
    Reply r;
    r.raw = (kSwitch + "WELCOME").toStdString(); // the upstream speaks first, too
    r.echoAfter = true;
    m_upstream.setReply(r);
    auto dev =
        m_node.proxy().open("GET " + path +
                            " HTTP/1.1\r\nHost: gw.test\r\nConnection: keep-alive, Upgrade\r\n"
                            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" +
                            early);
    QVERIFY(dev);
    QByteArray got = readFor(*dev, 3000, "WELCOME" + early);
    QVERIFY2(got.startsWith("HTTP/1.1 101 "), got.constData());
    QVERIFY2(got.toLower().contains("\r\nupgrade: websocket\r\n"), got.constData());
    QVERIFY2(got.toLower().contains("\r\nconnection: upgrade\r\n"), got.constData());
    QVERIFY2(got.endsWith("\r\n\r\nWELCOME" + early), got.constData());
    for (int i = 0; i < 3; ++i) {
        const QByteArray frame = "frame-" + QByteArray::number(i);
        dev->write(frame);
        QCOMPARE(readFor(*dev, 2000, frame), frame);
    }
    const QByteArray seen = QByteArray::fromStdString(m_upstream.requests().at(0));
    QVERIFY2(seen.contains("\r\nUpgrade: websocket\r\n"), seen.constData());
    QVERIFY2(seen.toLower().contains("\r\nconnection: upgrade\r\n"), seen.constData());
    QVERIFY2(seen.contains("\r\nSec-WebSocket-Key: "), seen.constData());
}

void TestProxyUpgrade::notTunnelled_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("upstreamReply"); // raw
    QTest::addColumn<int>("status");
    QTest::newRow("h2c is never tunnelled")
        << QByteArray(
               "GET /chat HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade, HTTP2-Settings\r\n"
               "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << 200;
    QTest::newRow("upgrade with a body is refused")
        << QByteArray("POST /chat HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\n"
                      "Upgrade: websocket\r\nContent-Length: 5\r\n\r\nhello")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << 400;
    // G3: after a declined upgrade the connection stays HTTP; what follows is parsed as such.
    QTest::newRow("upstream declines: stays HTTP")
        << QByteArray("GET /chat HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\n"
                      "Upgrade: websocket\r\n\r\n")
        << QByteArray("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\n\r\nnope") << 426;
}

void TestProxyUpgrade::notTunnelled() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, upstreamReply);
    QFETCH(int, status);
    Reply r;
    r.raw = upstreamReply.toStdString();
    m_upstream.setReply(r);
    const auto reply = m_node.proxy().raw(request);
    QCOMPARE(reply.status, status);
    if (status == 400) {
        QVERIFY(m_upstream.requests().empty()); // refused before the upstream
        return;
    }
    const QByteArray seen = QByteArray::fromStdString(m_upstream.requests().at(0));
    const bool forwardedUpgrade = seen.toLower().contains("\r\nupgrade:");
    QCOMPARE(forwardedUpgrade, status == 426); // declined: it was asked, the upstream said no
    QVERIFY2(!seen.contains("HTTP2-Settings"), seen.constData()); // named in Connection: dropped
}

void TestProxyUpgrade::declinedUpgradeStaysHttp() {
    // http-hardening G3: no 101, no tunnel; the WebSocket frame the client sends next is read
    // as (bad) HTTP, never passed to the upstream.
    Reply r;
    r.raw = "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n";
    m_upstream.setReply(r);
    auto dev = m_node.proxy().open("GET /chat HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\n"
                                   "Upgrade: websocket\r\n\r\n");
    QVERIFY(dev);
    QVERIFY(readFor(*dev, 2000, "\r\n\r\n").startsWith("HTTP/1.1 426 "));
    dev->write(QByteArray("\x81\x05hello\r\n\r\n", 11));
    QVERIFY(readFor(*dev, 2000, "\r\n\r\n").startsWith("HTTP/1.1 400 "));
    QCOMPARE(m_upstream.requests().size(), std::size_t(1));
}

void TestProxyUpgrade::unaskedSwitchIs502() {
    Reply r;
    r.raw = kSwitch.toStdString();
    m_upstream.setReply(r);
    const auto reply = m_node.proxy().request("GET", "/chat");
    QCOMPARE(reply.status, 502);
}

void TestProxyUpgrade::idleTunnelCloses() {
    Reply r;
    r.raw = kSwitch.toStdString();
    r.echoAfter = true;
    m_upstream.setReply(r);
    auto dev = m_node.proxy().open("GET /chat HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\n"
                                   "Upgrade: websocket\r\n\r\n");
    QVERIFY(dev);
    QVERIFY(readFor(*dev, 2000, "\r\n\r\n").startsWith("HTTP/1.1 101 "));
    auto* socket = qobject_cast<QTcpSocket*>(dev.get());
    QVERIFY(socket);
    // The service's read_timeout (400 ms) bounds an idle tunnel.
    QElapsedTimer clock;
    clock.start();
    QTRY_COMPARE_WITH_TIMEOUT(socket->state(), QAbstractSocket::UnconnectedState, 5000);
    QVERIFY2(clock.elapsed() >= 300, qPrintable(QString::number(clock.elapsed())));
}

QTEST_MAIN(TestProxyUpgrade)
#include "tst_proxy_upgrade.moc"
