// porticod as a process: command line, refusals at start-up, first-start declarative load, and
// a clean SIGTERM that lets the request in flight finish.
#include "support/porticod_process.h"

#include <QDir>
#include <QFile>
#include <QLocalSocket>
#include <QtTest>

using nlohmann::json;
using portico::test::PorticodProcess;
using portico::test::RawHttpClient;

class TestStartup : public QObject {
    Q_OBJECT
private slots:
    void helpAndVersion();
    void refusals_data();
    void refusals();
    void corruptStoreIsKept();
    void declarativeConfigOnFirstStart();
    void settingsReachTheNode();
    void sigtermFinishesInFlightRequest();
};

void TestStartup::helpAndVersion() {
    QByteArray out;
    QCOMPARE(PorticodProcess::runOnce({"--help"}, &out), 0);
    QVERIFY(out.contains("--declarative-config"));
    QVERIFY(out.contains("admin-token create NAME"));
    QCOMPARE(PorticodProcess::runOnce({"--version"}, &out), 0);
    QVERIFY(out.startsWith("porticod 0."));
}

void TestStartup::refusals_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown flag") << QStringList{"--colour", "red"} << "unknown option --colour";
    QTest::newRow("bad value") << QStringList{"--worker-threads", "many"} << "worker_threads";
    QTest::newRow("data plane role")
        << QStringList{"--role", "data_plane"} << "role 'data_plane' is not available";
    QTest::newRow("missing config file")
        << QStringList{"--config", "/nonexistent/portico.conf"} << "cannot read config file";
    QTest::newRow("unknown command") << QStringList{"serve"} << "unknown command 'serve'";
    QTest::newRow("bad declarative file")
        << QStringList{"--declarative-config", "/nonexistent/kong.yml"}
        << "declarative_config: cannot read";
}

void TestStartup::refusals() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    PorticodProcess node(args);
    QVERIFY(!node.start());
    QVERIFY2(node.log().contains(message), qPrintable(node.log()));
    QVERIFY(node.process().exitCode() != 0);
}

void TestStartup::corruptStoreIsKept() {
    PorticodProcess node;
    QVERIFY(QDir().mkpath(node.prefix()));
    QFile f(node.storePath());
    QVERIFY(f.open(QIODevice::WriteOnly));
    const QByteArray garbage(8192, 'x');
    f.write(garbage);
    f.close();
    QVERIFY(!node.start());
    QVERIFY2(node.log().contains("cannot open the configuration store") &&
                 node.log().contains("not readable"),
             qPrintable(node.log()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), garbage); // never replaced by an empty store
}

void TestStartup::declarativeConfigOnFirstStart() {
    QTemporaryDir dir;
    const QString file = dir.path() + "/kong.yml";
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("_format_version: \"3.0\"\nservices:\n  - name: from-file\n    url: http://10.0.0.1\n"
            "    routes:\n      - paths: [/file]\n");
    f.close();
    PorticodProcess node({"--declarative-config", file});
    QVERIFY2(node.start(), qPrintable(node.log()));
    QCOMPARE(node.local().request("GET", "/services/from-file").status, 200);
    QCOMPARE(node.local()
                 .request("DELETE",
                          "/routes/" +
                              QByteArray::fromStdString(
                                  node.local().request("GET", "/routes").json()["data"][0]["id"]))
                 .status,
             204);
    QCOMPARE(node.terminate(), 0);
    // The store is no longer empty: a restart keeps what was changed since.
    QVERIFY(node.start());
    QCOMPARE(node.local().request("GET", "/routes").json()["data"].size(), 0u);
    QCOMPARE(node.terminate(), 0);

    QFile bad(dir.path() + "/bad.yml");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("_format_version: \"3.0\"\nservices:\n  - name: no-host\n");
    bad.close();
    PorticodProcess refused({"--declarative-config", bad.fileName()});
    QVERIFY(!refused.start());
    QVERIFY2(refused.log().contains("host: required field missing"), qPrintable(refused.log()));
}

void TestStartup::settingsReachTheNode() {
    QTemporaryDir dir;
    QFile conf(dir.path() + "/portico.conf");
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("worker_threads = 3\nlog_level = debug\nheaders = request_id\n");
    conf.close();
    PorticodProcess node({"--config", conf.fileName(), "--worker-threads", "2"});
    QVERIFY2(node.start(), qPrintable(node.log()));
    json cfg = node.local().request("GET", "/").json()["configuration"];
    QCOMPARE(cfg["worker_threads"], 2); // flag over file
    QCOMPARE(cfg["headers"], "request_id"); // from the file
    QCOMPARE(cfg["log_level"], "info"); // the test harness passes --log-level info
    QCOMPARE(node.terminate(), 0);
}

void TestStartup::sigtermFinishesInFlightRequest() {
    PorticodProcess node;
    QVERIFY(node.start());
    const QByteArray body = R"J({"username":"in-flight"})J";
    QLocalSocket sock;
    sock.connectToServer(node.socketPath());
    QVERIFY(sock.waitForConnected(2000));
    // Headers and half the body, then the signal, then the rest.
    sock.write("POST /consumers HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
               "application/json\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n\r\n" + body.left(10));
    QVERIFY(sock.waitForBytesWritten(2000));
    QTest::qWait(200);
    node.process().terminate();
    QTest::qWait(200);
    QVERIFY(node.running()); // waiting for the request in flight
    sock.write(body.mid(10));
    QVERIFY(sock.waitForBytesWritten(2000));
    auto reply = RawHttpClient::readReply(sock, 5000);
    QCOMPARE(reply.status, 201);
    QVERIFY(node.process().waitForFinished(5000));
    QCOMPARE(node.process().exitCode(), 0);
    QVERIFY(node.log().contains("porticod stopped"));
    QVERIFY(node.start());
    QCOMPARE(node.local().request("GET", "/consumers/in-flight").status, 200);
    QCOMPARE(node.terminate(), 0);
}

QTEST_GUILESS_MAIN(TestStartup)
#include "tst_startup.moc"
