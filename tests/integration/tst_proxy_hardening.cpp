// The bad-input catalog (http-hardening §3, §4 A–E): raw bytes to a real porticod in front of a
// recording upstream. A refused request gets its status and a closed connection, and nothing
// (not even the benign request pipelined after it) reaches the upstream.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QTcpSocket>
#include <QtTest>

using portico::test::FakeUpstream;
using portico::test::PorticodProcess;
using portico::test::RawHttpClient;

namespace {
const QByteArray P = "POST / HTTP/1.1\r\nHost: a\r\n";
const QByteArray G = "GET / HTTP/1.1\r\nHost: a\r\n";
const QByteArray kFollowUp = "GET /followup HTTP/1.1\r\nHost: a\r\n\r\n";
} // namespace

class TestProxyHardening : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void refused_data();
    void refused();
    void normalized_data();
    void normalized();
    void pipelinedPoisonIsRefused();
    void pipelinedRequestsStaySeparate();
    void misbehavingUpstream_data();
    void misbehavingUpstream();

private:
    std::unique_ptr<FakeUpstream> m_upstream;
    std::unique_ptr<FakeUpstream> m_bad; // the misbehaving one, behind /bad
    PorticodProcess m_node;
};

void TestProxyHardening::initTestCase() {
    m_upstream = std::make_unique<FakeUpstream>();
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    auto api = m_node.local();
    const std::string url = "http://127.0.0.1:" + std::to_string(m_upstream->port());
    QCOMPARE(api.json("POST", "/services", {{"name", "echo"}, {"url", url}}).status, 201);
    QCOMPARE(
        api.json("POST", "/services/echo/routes", {{"paths", {"/"}}, {"strip_path", false}}).status,
        201);
    m_bad = std::make_unique<FakeUpstream>();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "bad"},
                       {"url", "http://127.0.0.1:" + std::to_string(m_bad->port())},
                       {"read_timeout", 300},
                       {"retries", 0}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/bad/routes", {{"paths", {"/bad"}}}).status, 201);
}

void TestProxyHardening::cleanupTestCase() {
    QCOMPARE(m_node.terminate(), 0);
}
void TestProxyHardening::init() {
    m_upstream->clear();
}

void TestProxyHardening::refused_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    auto row = [](const char* tag, const QByteArray& bytes, int status = 400) {
        QTest::newRow(tag) << bytes << status;
    };
    // A. framing and smuggling
    row("A1 CL.TE", P + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX");
    row("A2 TE.CL",
        P + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n");
    row("A3 CL.CL differ",
        P + "Content-Length: 0\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n");
    row("A4 CL list differ", P + "Content-Length: 5, 6\r\n\r\nhello");
    row("A6 CL plus", P + "Content-Length: +5\r\n\r\nhello");
    row("A6 CL minus", P + "Content-Length: -1\r\n\r\n");
    row("A6 CL hex", P + "Content-Length: 0x5\r\n\r\nhello");
    row("A6 CL empty", P + "Content-Length: \r\n\r\n");
    row("A6 CL overflow", P + "Content-Length: 18446744073709551616\r\n\r\n");
    row("A6 CL inner space", P + "Content-Length: 1 0\r\n\r\n0123456789");
    row("A8 empty CL first", G + "Content-Length: \r\nContent-Length: 43\r\n\r\n");
    row("A9 TE not final", P + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    row("A10 TE unknown", P + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
    row("A11 TE unknown + CL", P + "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\nhello");
    row("A12 TE identity + CL",
        P + "Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello");
    row("A13 TE empty + CL", P + "Transfer-Encoding: \r\nContent-Length: 5\r\n\r\nhello");
    row("A14 TE twice",
        P + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    row("A15 TE list twice", P + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n");
    row("A16 TE leading comma", P + "Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n");
    row("A17 TE params", P + "Transfer-Encoding: chunked;a=b\r\n\r\n0\r\n\r\n");
    row("A18 TE nbsp", P + "Transfer-Encoding: \xa0"
                           "chunked\r\nContent-Length: 5\r\n\r\nhello");
    row("A18 TE space before colon",
        P + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello");
    row("A19 TE obs-fold", P + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n");
    row("A20 TE in HTTP/1.0",
        "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    row("A23 underscore TE", P + "Transfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello");
    row("A28 coding before chunked", P + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
    // B. chunked bodies
    const QByteArray C = P + "Transfer-Encoding: chunked\r\n\r\n";
    row("B1 hex prefix", C + "0x5\r\nhello\r\n0\r\n\r\n");
    row("B2 sign", C + "+5\r\nhello\r\n0\r\n\r\n");
    row("B3 underscore", C + "0_2e\r\n\r\n");
    row("B4 whitespace", C + " 5\r\nhello\r\n0\r\n\r\n");
    row("B5 overflow", C + "FFFFFFFFFFFFFFFFF\r\n");
    row("B6 empty size", C + "\r\n\r\n");
    row("B7 invalid token", C + "Z\r\nZZ\r\nZZZ\r\n\r\n");
    row("B8 bare semicolon", C + "5;\r\nhello\r\n0\r\n\r\n");
    row("B12 data LF", C + "5\r\nhello\n0\r\n\r\n");
    row("B13 chunk spill", C + "5\r\nhelloXX\r\n0\r\n\r\n");
    // C. fields
    row("C1 space before colon", G + "Content-Length : 34\r\n\r\n");
    row("C2 leading whitespace", "GET / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nX");
    row("C3 obs-fold", G + "X-A: one\r\n two\r\n\r\n");
    row("C4 bare CR", G + "X: a\rb\r\n\r\n");
    row("C5 bare LF", G + "X: y\nContent-Length: 5\r\n\r\n");
    row("C6 NUL in value", G + QByteArray("Test: a\0b\r\n\r\n", 13));
    row("C7 DEL in value", G + "X: a\x7f\r\n\r\n");
    row("C9 empty name", G + ": ignored\r\n\r\n");
    row("C10 no colon", G + "Content-Length 10\r\n\r\n0123456789");
    row("C11 illegal name", G + "X(y): 1\r\n\r\n");
    row("C13 two Authorization", G + "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n");
    // D. request line
    row("D1 HTTP/0.9", "GET /\r\n\r\n");
    row("D2 HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n");
    row("D2 HTTP/1.32", "GET / HTTP/1.32\r\nHost: a\r\n\r\n");
    row("D3 junk method", "G=\":<>(e),[T];?\" /get HTTP/1.1\r\nHost: a\r\n\r\n");
    row("D5 bare LF in line", "GET /\nHTTP/1.1\r\nHost: a\r\n\r\n");
    row("D6 CTL in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n");
    row("D7 fragment", "GET /admin#x HTTP/1.1\r\nHost: a\r\n\r\n");
    row("D10 CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 405);
    row("D10 asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 405);
    row("D4 unknown method", "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501);
    row("5.1 encoded slash", "GET /public%2F..%2Fadmin HTTP/1.1\r\nHost: a\r\n\r\n");
    row("5.1 backslash", "GET /public\\..\\admin HTTP/1.1\r\nHost: a\r\n\r\n");
    row("5.1 overlong", "GET /%c0%ae%c0%ae/admin HTTP/1.1\r\nHost: a\r\n\r\n");
    // E. Host
    row("E1 missing Host", "GET / HTTP/1.1\r\n\r\n");
    row("E2 two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    row("E3 Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n");
    row("E4 userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n");
    row("E4 path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
    row("E4 bad port", "GET / HTTP/1.1\r\nHost: a:bad\r\n\r\n");
    row("C14 huge header", G + "X-Big: " + QByteArray(40 * 1024, 'a') + "\r\n\r\n", 431);
}

void TestProxyHardening::refused() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    auto dev = m_node.proxy().open(bytes + kFollowUp);
    QVERIFY(dev);
    auto reply = RawHttpClient::readReply(*dev, 5000);
    QVERIFY2(reply.status == status,
             qPrintable(QString::number(reply.status) + " " + QString::fromUtf8(reply.body)));
    QVERIFY2(reply.closed, "the connection is closed after a refusal");
    QVERIFY2(dev->readAll().isEmpty(), "the pipelined follow-up is never answered");
    QVERIFY2(m_upstream->requests().empty(),
             m_upstream->requests().empty() ? "" : m_upstream->requests()[0].c_str());
}

void TestProxyHardening::normalized_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("present"); // in the one request the upstream receives
    QTest::addColumn<QByteArray>("absent");
    QTest::newRow("A5 CL duplicate identical")
        << P + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
        << QByteArray("Content-Length: 5\r\n") << QByteArray("Content-Length: 5\r\nContent-Length");
    QTest::newRow("A7 CL leading zeros")
        << P + "Content-Length: 010\r\n\r\n0123456789" << QByteArray("Content-Length: 10\r\n")
        << QByteArray("Content-Length: 010");
    QTest::newRow("A24 GET with body")
        << G + "Content-Length: 10\r\n\r\n1234567890" << QByteArray("\r\n\r\n1234567890")
        << QByteArray("Transfer-Encoding");
    QTest::newRow("G1 h2c upgrade") << G + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: "
                                           "h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
                                    << QByteArray("GET / HTTP/1.1") << QByteArray("h2c");
    QTest::newRow("D9 absolute-form")
        << QByteArray("GET http://routed.example/x HTTP/1.1\r\nHost: public\r\n\r\n")
        << QByteArray("X-Forwarded-Host: routed.example") << QByteArray("http://");
    QTest::newRow("C8 obs-text value")
        << G + "X-Name: caf\xc3\xa9\r\n\r\n"
        << QByteArray("X-Name: caf\xc3\xa9\r\n") << QByteArray("\x01");
    QTest::newRow("chunked re-framed")
        << P + "Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        << QByteArray("Transfer-Encoding: chunked") << QByteArray("Chunked");
}

void TestProxyHardening::normalized() {
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, present);
    QFETCH(QByteArray, absent);
    auto reply = m_node.proxy().raw(bytes);
    QVERIFY2(reply.status == 200,
             qPrintable(QString::number(reply.status) + " " + QString::fromUtf8(reply.body)));
    const auto reqs = m_upstream->requests();
    QCOMPARE(reqs.size(), 1u);
    const QByteArray seen = QByteArray::fromStdString(reqs[0]);
    QVERIFY2(seen.contains(present), seen.constData());
    QVERIFY2(!seen.contains(absent), seen.constData());
}

void TestProxyHardening::pipelinedPoisonIsRefused() {
    // A25: the byte after a complete request starts the next one ("XGET", an unknown method):
    // refused and closed, and the upstream sees only the first request.
    auto dev = m_node.proxy().open(P + "Content-Length: 0\r\n\r\nX" + kFollowUp);
    auto first = RawHttpClient::readReply(*dev, 5000);
    QCOMPARE(first.status, 200);
    auto second = RawHttpClient::readReply(*dev, 5000);
    QCOMPARE(second.status, 501);
    QVERIFY(second.closed);
    QCOMPARE(m_upstream->requests().size(), 1u);
}

void TestProxyHardening::pipelinedRequestsStaySeparate() {
    // F8: a body of the declared length, then a second request with its own routing.
    auto dev = m_node.proxy().open(P + "Content-Length: 5\r\n\r\nhelloGET /second "
                                       "HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    QCOMPARE(RawHttpClient::readReply(*dev, 5000).status, 200);
    QCOMPARE(RawHttpClient::readReply(*dev, 5000).status, 200);
    const auto reqs = m_upstream->requests();
    QCOMPARE(reqs.size(), 2u);
    QVERIFY(QByteArray::fromStdString(reqs[0]).endsWith("\r\n\r\nhello"));
    QVERIFY(QByteArray::fromStdString(reqs[1]).startsWith("GET /second HTTP/1.1"));
}

void TestProxyHardening::misbehavingUpstream_data() {
    QTest::addColumn<QByteArray>("reply"); // raw bytes the upstream answers with
    QTest::addColumn<bool>("closeAfter");
    QTest::addColumn<int>("delayMs");
    QTest::addColumn<int>("status"); // what the client gets; 0: no response at all
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("clientClosed");
    const QByteArray ok = "HTTP/1.1 200 OK\r\n";
    auto row = [](const char* tag, const QByteArray& reply, int status, const QByteArray& body = {},
                  bool closed = true, bool closeAfter = false, int delayMs = 0) {
        QTest::newRow(tag) << reply << closeAfter << delayMs << status << body << closed;
    };
    row("H1 CL+TE", ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502);
    row("H2 CL differ", ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 502);
    row("H3 body longer than CL", ok + "Content-Length: 5\r\n\r\nhello" + QByteArray(45, 'x'), 200,
        "hello", false);
    row("H4 body shorter then FIN", ok + "Content-Length: 100\r\n\r\n0123456789", 200, "0123456789",
        true, true);
    row("H5 bare CR in field", ok + "X: a\rb\r\nContent-Length: 0\r\n\r\n", 502);
    // Beast would unfold this; the proxy refuses it (RFC 9112 §5.2 lets it choose).
    row("H5 obs-fold", ok + "Set-Cookie: a\r\n X-Injected: 1\r\nContent-Length: 0\r\n\r\n", 502);
    row("H5 NUL in field", ok + QByteArray("X: a\0b\r\nContent-Length: 0\r\n\r\n", 29), 502);
    row("H5 bare LF", ok + "X: a\nContent-Length: 0\r\n\r\n", 502);
    row("H6 1xx flood",
        QByteArray("HTTP/1.1 100 Continue\r\n\r\n").repeated(20) + ok +
            "Content-Length: 2\r\n\r\nok",
        502);
    row("H6 two 100s then final",
        QByteArray("HTTP/1.1 100 Continue\r\n\r\n").repeated(2) + ok +
            "Content-Length: 2\r\n\r\nok",
        200, "ok", false);
    row("H7 unsolicited 101",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        502);
    row("H10 silent upstream", ok + "Content-Length: 2\r\n\r\nok", 504, {}, true, false, 1500);
    row("H11 invalid chunk", ok + "Transfer-Encoding: chunked\r\n\r\nZ\r\n", 0);
    row("H12 huge headers",
        ok + "X-Big: " + QByteArray(40 * 1024, 'a') + "\r\nContent-Length: 0\r\n\r\n", 502);
}

void TestProxyHardening::misbehavingUpstream() {
    QFETCH(QByteArray, reply);
    QFETCH(bool, closeAfter);
    QFETCH(int, delayMs);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, clientClosed);
    FakeUpstream::Reply r;
    r.raw = reply.toStdString();
    r.closeAfter = closeAfter;
    r.delayMs = delayMs;
    m_bad->setReply(r);
    m_bad->clear();
    auto dev = m_node.proxy().open("GET /bad HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(dev);
    auto got = RawHttpClient::readReply(*dev, 5000);
    QVERIFY2(got.status == status,
             qPrintable(QString::number(got.status) + " " + QString::fromUtf8(got.body)));
    if (status == 200) QCOMPARE(got.body, body);
    auto* sock = static_cast<QTcpSocket*>(dev.get());
    if (clientClosed) {
        QDeadlineTimer t(2000);
        while (sock->state() == QAbstractSocket::ConnectedState && !t.hasExpired())
            sock->waitForReadyRead(50);
        QVERIFY2(sock->state() != QAbstractSocket::ConnectedState,
                 "the client connection is closed");
    }
    // The upstream connection that carried a bad response is never reused: the next request
    // arrives on a new one.
    m_bad->setReply(FakeUpstream::Reply::with(200, "fine", {}, false));
    auto next = m_node.proxy().request("GET", "/bad", {}, {{"Host", "a"}});
    QCOMPARE(next.status, 200);
    QCOMPARE(next.body, QByteArray("fine"));
    // The upstream connection that carried a bad response is never reused.
    const auto conns = m_bad->requestConnections();
    QCOMPARE(conns.size(), 2u);
    const bool reusable =
        status == 200 && !clientClosed && !QByteArray(QTest::currentDataTag()).startsWith("H3");
    if (!reusable) QVERIFY2(conns[0] != conns[1], "a connection with a bad response was reused");
}

QTEST_GUILESS_MAIN(TestProxyHardening)
#include "tst_proxy_hardening.moc"
