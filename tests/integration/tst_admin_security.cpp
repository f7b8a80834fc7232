// Who may talk to the Admin API: the local socket's file permissions and path checks, and the
// TCP listener's tokens, Host and Origin checks.
#include "support/porticod_process.h"

#include <QDir>
#include <QFile>
#include <QtTest>
#include <sys/stat.h>

using nlohmann::json;
using portico::test::PorticodProcess;
using portico::test::RawHttpClient;

class TestAdminSecurity : public QObject {
    Q_OBJECT
private slots:
    void socketPermissions();
    void refusedSocketPaths_data();
    void refusedSocketPaths();
    void staleSocketIsReplaced();
    void secondInstanceFails();
    void tcpRequests_data();
    void tcpRequests();
    void tokenLifecycle();
    void nonLoopbackRefused();
    void statusListener_data();
    void statusListener();
    void cleanupTestCase();

private:
    std::unique_ptr<PorticodProcess> m_tcpNode;
    std::unique_ptr<PorticodProcess> m_statusNode; // shared by the rows of tcpRequests
    QByteArray m_token;
};

void TestAdminSecurity::statusListener_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contains");
    // Read-only and token-free: what a load balancer or a scraper needs, nothing else.
    QTest::newRow("status") << QByteArray("GET") << QByteArray("/status") << 200
                            << QByteArray("\"configuration_hash\"");
    QTest::newRow("ready") << QByteArray("GET") << QByteArray("/status/ready") << 200
                           << QByteArray("ready");
    QTest::newRow("metrics") << QByteArray("GET") << QByteArray("/metrics") << 200
                             << QByteArray("# TYPE portico_http_requests_total counter");
    QTest::newRow("entities are not served")
        << QByteArray("GET") << QByteArray("/services") << 404 << QByteArray();
    QTest::newRow("config is not served")
        << QByteArray("GET") << QByteArray("/config") << 404 << QByteArray();
    QTest::newRow("no writes") << QByteArray("POST") << QByteArray("/status") << 405
                               << QByteArray();
}

void TestAdminSecurity::statusListener() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(QByteArray, contains);
    if (!m_statusNode) {
        m_statusNode = std::make_unique<PorticodProcess>();
        QVERIFY2(m_statusNode->start(), qPrintable(m_statusNode->log()));
        QVERIFY(m_statusNode->statusPort() != 0);
    }
    const auto r = m_statusNode->status().request(method, path);
    QCOMPARE(r.status, status);
    QVERIFY2(r.body.contains(contains), r.body.constData());
}

void TestAdminSecurity::cleanupTestCase() {
    if (m_tcpNode) QCOMPARE(m_tcpNode->terminate(), 0);
    if (m_statusNode) QCOMPARE(m_statusNode->terminate(), 0);
}

void TestAdminSecurity::socketPermissions() {
    PorticodProcess node;
    QVERIFY2(node.start(), qPrintable(node.log()));
    struct stat st {};
    QCOMPARE(::lstat(node.socketPath().toUtf8().constData(), &st), 0);
    QVERIFY(S_ISSOCK(st.st_mode));
    QCOMPARE(st.st_mode & 0777, 0660u);
    QCOMPARE(::stat(node.prefix().toUtf8().constData(), &st), 0);
    QCOMPARE(st.st_mode & S_IWOTH, 0u);
    QCOMPARE(node.local().request("GET", "/status").status, 200);
    QCOMPARE(node.terminate(), 0);
    // A clean stop removes the socket.
    QVERIFY(!QFile::exists(node.socketPath()));
}

void TestAdminSecurity::refusedSocketPaths_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("symlink") << "symlink"
                             << "is a symbolic link";
    QTest::newRow("regular file") << "file"
                                  << "exists and is not a socket";
    QTest::newRow("world-writable folder") << "open-folder"
                                           << "is writable by every user";
}

void TestAdminSecurity::refusedSocketPaths() {
    QFETCH(QString, kind);
    QFETCH(QString, message);
    PorticodProcess node;
    QVERIFY(QDir().mkpath(node.prefix()));
    QFile::setPermissions(node.prefix(),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString target = node.prefix() + "/elsewhere";
    if (kind == "symlink") {
        QVERIFY(QFile(target).open(QIODevice::WriteOnly));
        QVERIFY(QFile::link(target, node.socketPath()));
    } else if (kind == "file") {
        QFile f(node.socketPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("keep me");
    } else {
        const QString open = node.prefix() + "/open";
        QVERIFY(QDir().mkpath(open));
        QVERIFY(::chmod(open.toUtf8().constData(), 0777) == 0);
        node.setArgs({"--admin-socket", open + "/admin.sock"});
    }
    QVERIFY(!node.start());
    QVERIFY2(node.log().contains(message), qPrintable(node.log()));
    QVERIFY(node.process().exitCode() != 0);
    if (kind == "file") {
        QFile f(node.socketPath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("keep me")); // never replaced
    }
}

void TestAdminSecurity::staleSocketIsReplaced() {
    PorticodProcess node;
    QVERIFY(node.start());
    node.kill(); // SIGKILL leaves the socket file behind
    QVERIFY(QFile::exists(node.socketPath()));
    QVERIFY2(node.start(), qPrintable(node.log()));
    QCOMPARE(node.local().request("GET", "/status").status, 200);
    QCOMPARE(node.terminate(), 0);
}

void TestAdminSecurity::secondInstanceFails() {
    PorticodProcess first;
    QVERIFY(first.start());
    PorticodProcess second;
    second.setPrefix(first.prefix());
    QVERIFY(!second.start());
    QVERIFY2(second.log().contains("another process is serving admin_socket"),
             qPrintable(second.log()));
    // The first instance is unharmed.
    QCOMPARE(first.local().request("GET", "/status").status, 200);
    QCOMPARE(first.terminate(), 0);
}

void TestAdminSecurity::tcpRequests_data() {
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("auth"); // "good" for the real token
    QTest::addColumn<int>("status");
    QTest::newRow("no token") << QByteArray("127.0.0.1") << QByteArray() << QByteArray() << 401;
    QTest::newRow("wrong token") << QByteArray("127.0.0.1") << QByteArray()
                                 << QByteArray("Bearer ptk_nope") << 401;
    QTest::newRow("basic auth") << QByteArray("127.0.0.1") << QByteArray()
                                << QByteArray("Basic YTpi") << 401;
    QTest::newRow("token") << QByteArray("127.0.0.1") << QByteArray() << QByteArray("good") << 200;
    QTest::newRow("localhost name")
        << QByteArray("localhost:8001") << QByteArray() << QByteArray("good") << 200;
    QTest::newRow("rebinding host")
        << QByteArray("attacker.example") << QByteArray() << QByteArray("good") << 403;
    QTest::newRow("cross origin") << QByteArray("127.0.0.1")
                                  << QByteArray("http://attacker.example") << QByteArray("good")
                                  << 403;
    QTest::newRow("foreign host without token")
        << QByteArray("evil.test") << QByteArray() << QByteArray() << 403;
}

void TestAdminSecurity::tcpRequests() {
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, auth);
    QFETCH(int, status);
    if (!m_tcpNode) {
        m_tcpNode = std::make_unique<PorticodProcess>();
        QDir().mkpath(m_tcpNode->prefix());
        QByteArray out;
        QCOMPARE(PorticodProcess::runOnce(
                     {"admin-token", "create", "tests", "--prefix", m_tcpNode->prefix()}, &out),
                 0);
        m_token = out.trimmed();
        QVERIFY(m_token.startsWith("ptk_"));
        QVERIFY2(m_tcpNode->start(), qPrintable(m_tcpNode->log()));
    }
    QMap<QByteArray, QByteArray> headers{{"Host", host}};
    if (!origin.isEmpty()) headers.insert("Origin", origin);
    if (auth == "good")
        headers.insert("Authorization", "Bearer " + m_token);
    else if (!auth.isEmpty())
        headers.insert("Authorization", auth);
    auto r = m_tcpNode->tcp().request("GET", "/status", {}, headers);
    QVERIFY2(r.status == status,
             qPrintable(QString::number(r.status) + " " + QString::fromUtf8(r.body)));
    if (status == 401)
        QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer realm=\"portico-admin\""));
}

void TestAdminSecurity::tokenLifecycle() {
    PorticodProcess node;
    QDir().mkpath(node.prefix());
    QByteArray out;
    QCOMPARE(
        PorticodProcess::runOnce({"admin-token", "create", "ci", "--prefix", node.prefix()}, &out),
        0);
    const QByteArray token = out.trimmed();
    QVERIFY2(node.start(), qPrintable(node.log()));
    const QMap<QByteArray, QByteArray> auth{{"Authorization", "Bearer " + token}};
    // Writes over TCP are logged with the token's name as the actor.
    auto created = node.tcp().request(
        "POST", "/consumers", R"J({"username":"tcp-user"})J",
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    QCOMPARE(created.status, 201);
    auto hist = node.local().request("GET", "/config/history").json();
    QCOMPARE(hist["data"][0]["actor"], "token:ci");
    QVERIFY(node.log().contains("token:ci create consumers"));
    QCOMPARE(PorticodProcess::runOnce({"admin-token", "list", "--prefix", node.prefix()}, &out), 0);
    QVERIFY(out.startsWith("ci\t"));
    QVERIFY(!out.contains(token)); // only the hash is stored
    QCOMPARE(PorticodProcess::runOnce({"admin-token", "create", "ci", "--prefix", node.prefix()}),
             1);
    // A token made while the node runs works at once.
    QCOMPARE(PorticodProcess::runOnce({"admin-token", "create", "later", "--prefix", node.prefix()},
                                      &out),
             0);
    QCOMPARE(node.tcp()
                 .request("GET", "/status", {}, {{"Authorization", "Bearer " + out.trimmed()}})
                 .status,
             200);
    QCOMPARE(PorticodProcess::runOnce({"admin-token", "revoke", "ci", "--prefix", node.prefix()}),
             0);
    QCOMPARE(node.tcp().request("GET", "/status", {}, auth).status, 401);
    QCOMPARE(PorticodProcess::runOnce({"admin-token", "revoke", "ci", "--prefix", node.prefix()}),
             1);
    QCOMPARE(node.terminate(), 0);
}

void TestAdminSecurity::nonLoopbackRefused() {
    PorticodProcess node({"--admin-listen", "0.0.0.0:0"});
    QVERIFY(!node.start());
    QVERIFY2(node.log().contains("admin_listen") && node.log().contains("non-loopback"),
             qPrintable(node.log()));
}

QTEST_GUILESS_MAIN(TestAdminSecurity)
#include "tst_admin_security.moc"
