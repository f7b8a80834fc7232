// The console's Admin API client and event stream against a real porticod: requests over the
// local socket and over TCP with a token (a wrong token is "refused"), Kong's error bodies,
// change events, and a service restart: the client reconnects by itself, and the event stream
// comes back with Last-Event-ID and is told to reload (the ids it kept belong to the earlier run).
#include "client/admin_client.h"
#include "client/event_stream.h"
#include "support/porticod_process.h"

#include <QSignalSpy>
#include <QtTest>

using namespace portico::gui;
using portico::test::PorticodProcess;

class TestAdminClient : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void connects_data();
    void connects();
    void errorsInKongsShape();
    void changeEventsArrive();
    void reconnectsAndResumes();

private:
    AdminResponse call(AdminClient& c, const QByteArray& method, const QString& path,
                       const QByteArray& body = {});
    std::unique_ptr<PorticodProcess> m_node;
    QByteArray m_token;
};

AdminResponse TestAdminClient::call(AdminClient& c, const QByteArray& method, const QString& path,
                                    const QByteArray& body) {
    AdminResponse out;
    bool done = false;
    c.request(method, path, body, this, [&](const AdminResponse& r) {
        out = r;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 5000)) out.error = QStringLiteral("test: no answer");
    return out;
}

void TestAdminClient::initTestCase() {
    m_node = std::make_unique<PorticodProcess>();
    QDir().mkpath(m_node->prefix());
    QByteArray out;
    QCOMPARE(PorticodProcess::runOnce(
                 {"admin-token", "create", "console", "--prefix", m_node->prefix()}, &out),
             0);
    m_token = out.trimmed();
    QVERIFY2(m_node->start(), qPrintable(m_node->log()));
}

void TestAdminClient::connects_data() {
    QTest::addColumn<QString>("how");
    QTest::addColumn<int>("state");
    QTest::newRow("local socket") << "socket" << int(AdminClient::State::Connected);
    QTest::newRow("tcp with token") << "token" << int(AdminClient::State::Connected);
    QTest::newRow("tcp with a wrong token") << "wrong" << int(AdminClient::State::Refused);
    QTest::newRow("nothing there") << "missing" << int(AdminClient::State::Reconnecting);
}

void TestAdminClient::connects() {
    QFETCH(QString, how);
    QFETCH(int, state);
    Endpoint e;
    if (how == "socket")
        e.socketPath = m_node->socketPath();
    else if (how == "missing")
        e.socketPath = m_node->prefix() + "/nobody.sock";
    else {
        e.url = QUrl(QString("http://127.0.0.1:%1").arg(m_node->tcpPort()));
        e.token = how == "token" ? QString::fromUtf8(m_token) : QStringLiteral("ptk_wrong");
    }
    AdminClient c;
    c.setEndpoint(e);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(int(c.state()), state, 5000);
    if (state != int(AdminClient::State::Connected)) return;
    QCOMPARE(c.serverVersion(), QStringLiteral(PORTICO_CONSOLE_VERSION));
    // Several requests queue on one kept-alive connection and come back in order.
    QList<int> order;
    for (int i = 0; i < 5; ++i)
        c.get(QStringLiteral("/status"), this, [&order, i](const AdminResponse& r) {
            QCOMPARE(r.status, 200);
            order << i;
        });
    QTRY_COMPARE_WITH_TIMEOUT(order, (QList<int>{0, 1, 2, 3, 4}), 5000);
}

void TestAdminClient::errorsInKongsShape() {
    AdminClient c;
    c.setEndpoint(Endpoint{m_node->socketPath(), {}, {}});
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), AdminClient::State::Connected, 5000);
    const auto bad = call(c, "POST", "/services", R"({"name":"a b","host":"x.test","port":99999})");
    QCOMPARE(bad.status, 400);
    const QJsonObject fields = bad.json().value("fields").toObject();
    QVERIFY(fields.contains("name"));
    QVERIFY(fields.contains("port"));
    QVERIFY(bad.message().contains("schema violation"));
    const auto missing = call(c, "GET", "/services/nope");
    QCOMPARE(missing.status, 404);
    const auto created = call(c, "POST", "/services", R"({"name":"ok","host":"x.test"})");
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json().value("port").toInt(), 80);
}

void TestAdminClient::changeEventsArrive() {
    EventStream events;
    events.setEndpoint(Endpoint{m_node->socketPath(), {}, {}});
    QSignalSpy changed(&events, &EventStream::changed);
    QSignalSpy metrics(&events, &EventStream::metrics);
    events.start();
    QTRY_VERIFY_WITH_TIMEOUT(events.isStreaming(), 5000);
    // An edit made elsewhere (here: a raw client, as curl would).
    const auto r =
        m_node->local().json("POST", "/services", {{"name", "elsewhere"}, {"host", "e.test"}});
    QCOMPARE(r.status, 201);
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 1000);
    QCOMPARE(changed.first().at(0).toString(), QStringLiteral("services"));
    QCOMPARE(changed.first().at(1).toString(), QString::fromStdString(r.json()["id"]));
    QCOMPARE(changed.first().at(2).toString(), QStringLiteral("create"));
    QTRY_VERIFY_WITH_TIMEOUT(!metrics.isEmpty(), 3000);
    QVERIFY(metrics.first().at(0).toJsonObject().contains("requests"));
}

void TestAdminClient::reconnectsAndResumes() {
    AdminClient c;
    c.setEndpoint(Endpoint{m_node->socketPath(), {}, {}});
    EventStream events;
    events.setEndpoint(c.endpoint());
    QSignalSpy changed(&events, &EventStream::changed);
    QSignalSpy reset(&events, &EventStream::reset);
    c.open();
    events.start();
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), AdminClient::State::Connected, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(events.isStreaming(), 5000);
    QCOMPARE(
        m_node->local().json("POST", "/services", {{"name", "before"}, {"host", "b.test"}}).status,
        201);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 2000);
    const QByteArray seen = events.lastEventId();
    QVERIFY(!seen.isEmpty());

    // The service goes away: the client says so and keeps trying.
    QCOMPARE(m_node->terminate(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), AdminClient::State::Reconnecting, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!events.isStreaming(), 5000);
    const auto failed = call(c, "GET", "/status");
    QCOMPARE(failed.status, 0);
    QVERIFY(!failed.error.isEmpty());

    // Back on the same store and socket: nothing that changed meanwhile can be missed.
    QVERIFY2(m_node->start(), qPrintable(m_node->log()));
    QCOMPARE(m_node->local()
                 .json("POST", "/services", {{"name", "while-down"}, {"host", "w.test"}})
                 .status,
             201);
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), AdminClient::State::Connected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(reset.size(), 1, 10000);
    QCOMPARE(call(c, "GET", "/services/while-down").status, 200);
    // From here on, change events flow again.
    QCOMPARE(
        m_node->local().json("POST", "/services", {{"name", "after"}, {"host", "a.test"}}).status,
        201);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 2000);
}

QTEST_MAIN(TestAdminClient)
#include "tst_admin_client.moc"
