// Overload behaviour of a real porticod (http-hardening F5, F6): idle connections are
// reclaimed by the deadlines, and a connection flood beyond the file-descriptor limit neither
// stops the connections already open from being served nor sends the accept loop spinning.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QDir>
#include <QTcpSocket>
#include <QtTest>
#include <memory>
#include <unistd.h>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

namespace {
int openFds(qint64 pid) {
    return static_cast<int>(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                                .entryList(QDir::NoDotAndDotDot | QDir::System)
                                .size());
}

long cpuTicks(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 15 ? fields[13].toLong() + fields[14].toLong() : -1;
}

std::vector<std::unique_ptr<QTcpSocket>> flood(quint16 port, int n) {
    std::vector<std::unique_ptr<QTcpSocket>> out;
    for (int i = 0; i < n; ++i) {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QStringLiteral("127.0.0.1"), port);
        out.push_back(std::move(s));
    }
    for (auto& s : out)
        s->waitForConnected(1000); // the kernel completes the handshake, accepted or not
    return out;
}

void setUp(PorticodProcess& node, const FakeUpstream& upstream) {
    auto api = node.local();
    QCOMPARE(
        api.json("POST", "/services",
                 {{"name", "up"}, {"url", "http://127.0.0.1:" + std::to_string(upstream.port())}})
            .status,
        201);
    QCOMPARE(api.json("POST", "/services/up/routes", {{"paths", {"/"}}}).status, 201);
}
} // namespace

class TestProxyOverload : public QObject {
    Q_OBJECT
private slots:
    void idleConnectionsAreReclaimed();
    void floodBeyondTheFdLimit();
};

void TestProxyOverload::idleConnectionsAreReclaimed() {
    FakeUpstream upstream;
    PorticodProcess node({"--client-header-timeout", "1", "--keepalive-timeout", "1"});
    QVERIFY2(node.start(), qPrintable(node.log()));
    setUp(node, upstream);
    const qint64 pid = node.process().processId();
    const int baseline = openFds(pid);
    auto idle = flood(node.proxyPort(), 300);
    QTRY_VERIFY_WITH_TIMEOUT(openFds(pid) >= baseline + 250, 3000);
    // Nothing is sent on them: the head deadline closes every one.
    QTRY_VERIFY_WITH_TIMEOUT(openFds(pid) <= baseline + 5, 5000);
    QCOMPARE(node.proxy().request("GET", "/after").status, 200);
    QCOMPARE(node.terminate(), 0);
}

void TestProxyOverload::floodBeyondTheFdLimit() {
    FakeUpstream upstream;
    PorticodProcess node({"--worker-threads", "1"});
    node.setWrapper({"prlimit", "--nofile=64:64", "--"});
    QVERIFY2(node.start(), qPrintable(node.log()));
    setUp(node, upstream);
    const qint64 pid = node.process().processId();

    // A keep-alive client, served once before the flood (its upstream connection is pooled).
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), node.proxyPort());
    QVERIFY(client.waitForConnected(2000));
    const QByteArray get = "GET /kept HTTP/1.1\r\nHost: gw.test\r\n\r\n";
    auto ask = [&] {
        client.write(get);
        QByteArray got;
        QDeadlineTimer t(3000);
        while (!got.contains("\r\n\r\nok") && !t.hasExpired()) {
            client.waitForReadyRead(50);
            got += client.readAll();
        }
        return got;
    };
    QVERIFY(ask().startsWith("HTTP/1.1 200 "));

    auto flooders = flood(node.proxyPort(), 120); // twice what the process may open
    QTRY_VERIFY_WITH_TIMEOUT(node.log().contains("accept failed"), 5000);
    // The accept loop backs off instead of spinning on EMFILE...
    const long before = cpuTicks(pid);
    QTest::qWait(1000);
    const long used = cpuTicks(pid) - before;
    QVERIFY2(used < sysconf(_SC_CLK_TCK) / 4, qPrintable(QString::number(used)));
    // ...and the connection already open is still served.
    QVERIFY(ask().startsWith("HTTP/1.1 200 "));

    flooders.clear(); // the flood goes away: new clients are served again
    QTRY_COMPARE_WITH_TIMEOUT(node.proxy().request("GET", "/new").status, 200, 5000);
    QCOMPARE(node.terminate(), 0);
}

QTEST_MAIN(TestProxyOverload)
#include "tst_proxy_overload.moc"
