// The console's window offscreen against a real porticod: creating and editing through the
// schema-driven forms (the service's field errors shown on the exact field), the delete
// confirmation naming what goes with an entity, live charts and traffic while requests flow,
// importing a file with a diff preview, and the translations.
#include "main_window.h"
#include "models/entity_model.h"
#include "models/traffic_model.h"
#include "pages/config_page.h"
#include "pages/dashboard_page.h"
#include "pages/entity_page.h"
#include "pages/route_map_page.h"
#include "session.h"
#include "support/fake_upstream.h"
#include "support/porticod_process.h"
#include "widgets/entity_dialog.h"
#include "widgets/map_node.h"
#include "widgets/schema_form.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QTranslator>
#include <QTreeWidget>
#include <QtTest>

using namespace portico::gui;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

class TestConsolePages : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void createThroughForm_data();
    void createThroughForm();
    void editThroughForm();
    void deleteNamesWhatGoesWithIt();
    void deleteThroughThePage_data();
    void deleteThroughThePage();
    void liveChartsAndTraffic();
    void importWithDiffPreview();
    void routeMap();
    void upstreamTargetsAndHealth();
    void translations_data();
    void translations();

private:
    EntityDialog* openDialog(const QString& entity, EntityDialog::Mode mode,
                             const QJsonObject& current = {});
    void setText(SchemaForm* form, const QString& path, const QString& text);

    PorticodProcess m_node;
    FakeUpstream m_upstream;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_trafficTester;
};

void TestConsolePages::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    m_session = std::make_unique<Session>();
    m_trafficTester = std::make_unique<QAbstractItemModelTester>(
        m_session->traffic(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window = std::make_unique<MainWindow>(m_session.get());
    m_window->show();
    m_session->open(Endpoint{m_node.socketPath(), {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(m_session->client()->state(), AdminClient::State::Connected, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->events()->isStreaming(), 5000);
}

EntityDialog* TestConsolePages::openDialog(const QString& entity, EntityDialog::Mode mode,
                                           const QJsonObject& current) {
    auto* dialog = new EntityDialog(m_session.get(), entity, mode, current, m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    if (!QTest::qWaitFor([dialog] { return dialog->isReady(); }, 5000)) return nullptr;
    return dialog;
}

void TestConsolePages::setText(SchemaForm* form, const QString& path, const QString& text) {
    auto* line = qobject_cast<QLineEdit*>(form->editor(path));
    QVERIFY2(line, qPrintable(path));
    line->clear();
    QTest::keyClicks(line, text);
}

void TestConsolePages::createThroughForm_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("port");
    QTest::addColumn<QString>("badField"); // empty: saved
    QTest::newRow("valid") << "from-form"
                           << "form.test"
                           << "8080"
                           << "";
    QTest::newRow("port out of range") << "bad-port"
                                       << "form.test"
                                       << "99999"
                                       << "port";
    QTest::newRow("name with a space") << "bad name"
                                       << "form.test"
                                       << "80"
                                       << "name";
    QTest::newRow("host missing") << "no-host"
                                  << ""
                                  << "80"
                                  << "host";
}

void TestConsolePages::createThroughForm() {
    QFETCH(QString, name);
    QFETCH(QString, host);
    QFETCH(QString, port);
    QFETCH(QString, badField);
    EntityDialog* dialog = openDialog("services", EntityDialog::Mode::Create);
    QVERIFY(dialog);
    SchemaForm* form = dialog->form();
    // Defaults from the schema are filled in.
    QCOMPARE(qobject_cast<QLineEdit*>(form->editor("retries"))->text(), QStringLiteral("5"));
    QCOMPARE(qobject_cast<QComboBox*>(form->editor("protocol"))->currentText(),
             QStringLiteral("http"));
    setText(form, "name", name);
    setText(form, "host", host);
    setText(form, "port", port);
    QSignalSpy accepted(dialog, &QDialog::accepted);
    QSignalSpy failed(dialog, &EntityDialog::saveFailed);
    dialog->save();
    EntityModel* services = m_session->model("services");
    if (badField.isEmpty()) {
        QTRY_VERIFY_WITH_TIMEOUT(!accepted.isEmpty() || !failed.isEmpty(), 5000);
        if (!failed.isEmpty())
            QFAIL(qPrintable(dialog->findChild<QLabel*>()->text() + " " +
                             QJsonDocument(form->values(false)).toJson(QJsonDocument::Compact)));
        // The new row arrives through the event stream, as an edit made elsewhere would.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int r = 0; r < services->rowCount(); ++r)
                    if (services->entityAt(r).value("name").toString() == name &&
                        services->entityAt(r).value("port").toInt() == port.toInt())
                        return true;
                return false;
            }(),
            2000);
        return;
    }
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    QVERIFY2(!form->errorText(badField).isEmpty(), qPrintable(badField));
    QVERIFY(form->editor(badField)->property("invalid").toBool());
    // Only the field at fault is marked.
    for (const char* other : {"name", "host", "port"})
        if (badField != QLatin1String(other)) QVERIFY(form->errorText(other).isEmpty());
    dialog->reject();
}

void TestConsolePages::editThroughForm() {
    EntityModel* services = m_session->model("services");
    const QString id =
        QString::fromStdString(m_node.local().request("GET", "/services/from-form").json()["id"]);
    const int row = services->rowOf(id);
    QVERIFY(row >= 0);
    EntityDialog* dialog =
        openDialog("services", EntityDialog::Mode::Edit, services->entityAt(row));
    QVERIFY(dialog);
    QCOMPARE(qobject_cast<QLineEdit*>(dialog->form()->editor("host"))->text(),
             QStringLiteral("form.test"));
    setText(dialog->form(), "host", "edited.test");
    // Clearing an optional field sends null, which clears it on the service.
    setText(dialog->form(), "path", "");
    dialog->save();
    QTRY_COMPARE_WITH_TIMEOUT(services->entityAt(services->rowOf(id)).value("host").toString(),
                              QStringLiteral("edited.test"), 3000);
    QCOMPARE(
        QString::fromStdString(m_node.local().request("GET", "/services/from-form").json()["host"]),
        QStringLiteral("edited.test"));
}

void TestConsolePages::deleteNamesWhatGoesWithIt() {
    auto api = m_node.local();
    QCOMPARE(
        api.json("POST", "/services/from-form/routes", {{"name", "r1"}, {"paths", {"/r1"}}}).status,
        201);
    QCOMPARE(api.json("POST", "/services/from-form/plugins", {{"name", "cors"}}).status, 201);
    EntityModel* services = m_session->model("services");
    QTRY_COMPARE_WITH_TIMEOUT(m_session->model("routes")->rowCount(), 1, 2000);
    QTRY_COMPARE_WITH_TIMEOUT(m_session->model("plugins")->rowCount(), 1, 2000);
    auto* page = qobject_cast<EntityPage*>(m_window->page("services"));
    QVERIFY(page);
    const QString id =
        QString::fromStdString(api.request("GET", "/services/from-form").json()["id"]);
    const QString question = page->deleteQuestion(services->rowOf(id));
    QVERIFY2(question.contains("from-form"), qPrintable(question));
    QVERIFY2(question.contains("Deleted with it: 1 Plugins"), qPrintable(question));
    QVERIFY2(question.contains("refuse: 1 Routes"), qPrintable(question));
}

void TestConsolePages::deleteThroughThePage_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("confirm");
    QTest::addColumn<bool>("deleted");
    QTest::newRow("answered no") << "doomed" << false << false;
    QTest::newRow("answered yes") << "doomed" << true << true;
    QTest::newRow("still has routes: refused") << "from-form" << true << false;
}

void TestConsolePages::deleteThroughThePage() {
    QFETCH(QString, name);
    QFETCH(bool, confirm);
    QFETCH(bool, deleted);
    auto api = m_node.local();
    if (name == "doomed" && api.request("GET", "/services/doomed").status == 404)
        QCOMPARE(api.json("POST", "/services", {{"name", "doomed"}, {"host", "d.test"}}).status,
                 201);
    auto* page = qobject_cast<EntityPage*>(m_window->page("services"));
    m_window->showPage("services");
    page->searchBox()->setText(name);
    QTRY_COMPARE_WITH_TIMEOUT(page->table()->model()->rowCount(), 1, 2000);
    page->table()->selectRow(0);
    page->deleteSelected();
    QMessageBox* box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(box = page->findChild<QMessageBox*>("deleteConfirmation"), 2000);
    QVERIFY(box->text().contains(name));
    box->button(confirm ? QMessageBox::Yes : QMessageBox::No)->click();
    const QByteArray path = "/services/" + name.toUtf8();
    if (deleted) {
        QTRY_COMPARE_WITH_TIMEOUT(api.request("GET", path).status, 404, 3000);
        QTRY_COMPARE_WITH_TIMEOUT(page->table()->model()->rowCount(), 0, 2000);
    } else {
        QTest::qWait(300);
        QCOMPARE(api.request("GET", path).status, 200);
        if (confirm) // the service refuses while routes point at it, and the page says why
            QTRY_VERIFY_WITH_TIMEOUT(page->summary().contains("failed"), 2000);
    }
    page->searchBox()->clear();
}

void TestConsolePages::liveChartsAndTraffic() {
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "echo"},
                       {"url", "http://127.0.0.1:" + std::to_string(m_upstream.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/echo/routes", {{"paths", {"/echo"}}}).status, 201);
    auto* dashboard = qobject_cast<DashboardPage*>(m_window->page("dashboard"));
    QVERIFY(dashboard);
    m_window->showPage("dashboard");
    const int before = dashboard->requestPoints();
    for (int i = 0; i < 20; ++i)
        QCOMPARE(m_node.proxy().request("GET", "/echo/x").status, 200);
    // A point a second; the traffic table gets the sampled requests.
    QTRY_VERIFY_WITH_TIMEOUT(dashboard->requestPoints() >= before + 2, 4000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->traffic()->rowCount() > 0, 4000);
    const QModelIndex first = m_session->traffic()->index(0, TrafficModel::Path);
    QCOMPARE(first.data().toString(), QStringLiteral("/echo/x"));
    QCOMPARE(m_session->traffic()->index(0, TrafficModel::Status).data().toInt(), 200);
    QCOMPARE(m_session->traffic()->index(0, TrafficModel::Service).data().toString(),
             QStringLiteral("echo")); // by name, not id
    // The 20 requests may straddle a second: the later second's point arrives a second on.
    auto total = [this] {
        double n = 0;
        for (const auto& p : m_session->metrics()->points())
            n += p.requests;
        return n;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(total() >= 20, qPrintable(QString::number(total())), 4000);
}

void TestConsolePages::importWithDiffPreview() {
    auto* page = qobject_cast<ConfigPage*>(m_window->page("configuration"));
    QVERIFY(page);
    // The live configuration plus one service: the preview lists exactly that one.
    const auto exported = m_node.local().request("GET", "/config?format=yaml");
    QCOMPARE(exported.status, 200);
    QByteArray document = exported.body;
    document.replace("services:\n",
                     "services:\n  - name: imported\n    url: http://imported.test\n");
    QSignalSpy ready(page, &ConfigPage::previewReady);
    page->previewImport(document, true);
    QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 5000);
    QTreeWidget* diff = page->diffView();
    QCOMPARE(diff->topLevelItemCount(), 1);
    QCOMPARE(diff->topLevelItem(0)->text(0), QStringLiteral("create"));
    QCOMPARE(diff->topLevelItem(0)->text(2), QStringLiteral("imported"));
    QCOMPARE(m_node.local().request("GET", "/services/imported").status, 404); // not yet
    QSignalSpy applied(page, &ConfigPage::applied);
    page->applyImport();
    QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 5000);
    QVERIFY(applied.first().at(0).toBool());
    QCOMPARE(m_node.local().request("GET", "/services/imported").status, 200);
    EntityModel* services = m_session->model("services");
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < services->rowCount(); ++r)
                if (services->entityAt(r).value("name").toString() == "imported") return true;
            return false;
        }(),
        3000);
    // Back to the revision before the import: "imported" is gone again.
    QTableWidget* history = page->historyView();
    const auto revision = m_node.local().request("GET", "/status").json()["revision"].get<int>();
    QTRY_VERIFY_WITH_TIMEOUT(
        history->rowCount() > 0 && history->item(0, 0)->text().toInt() == revision, 3000);
    history->selectRow(1);
    QCOMPARE(history->item(1, 0)->text().toInt(), revision - 1);
    QSignalSpy rolledBack(page, &ConfigPage::rolledBack);
    page->rollbackSelected();
    QMessageBox* box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(box = page->findChild<QMessageBox*>("rollbackConfirmation"), 2000);
    box->button(QMessageBox::Yes)->click();
    QTRY_COMPARE_WITH_TIMEOUT(rolledBack.size(), 1, 5000);
    QVERIFY(rolledBack.first().at(0).toBool());
    QCOMPARE(m_node.local().request("GET", "/services/imported").status, 404);
    // A broken file is refused with the service's reason, and nothing can be applied.
    page->previewImport("services: [", true);
    QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 2, 5000);
    QCOMPARE(diff->topLevelItemCount(), 0);
    QVERIFY2(page->message().contains("cannot be applied"), qPrintable(page->message()));
}

void TestConsolePages::routeMap() {
    auto* map = qobject_cast<RouteMapPage*>(m_window->page("routemap"));
    QVERIFY(map);
    m_window->showPage("routemap");
    auto api = m_node.local();
    const QString echoRoute =
        QString::fromStdString(api.request("GET", "/services/echo/routes").json()["data"][0]["id"]);
    const QString echoService =
        QString::fromStdString(api.request("GET", "/services/echo").json()["id"]);
    // Every route and service of the configuration is a box; the listener leads to the routes.
    QTRY_COMPARE_WITH_TIMEOUT(map->nodeCount("route"), m_session->model("routes")->rowCount(),
                              2000);
    QTRY_COMPARE_WITH_TIMEOUT(map->nodeCount("service"), m_session->model("services")->rowCount(),
                              2000);
    QCOMPARE(map->nodeCount("listener"), 1);
    QVERIFY(map->node("route", echoRoute));

    // Plugins on a consumer show on a box of its own.
    QCOMPARE(api.json("POST", "/consumers", {{"username", "carol"}}).status, 201);
    QCOMPARE(api.json("POST", "/consumers/carol/plugins", {{"name", "correlation-id"}}).status,
             201);
    QTRY_COMPARE_WITH_TIMEOUT(map->nodeCount("consumer"), 1, 3000);

    // The service says which route a request takes; the map highlights it.
    QSignalSpy tested(map, &RouteMapPage::tested);
    map->testRequest("GET", "gw.test", "/echo/x");
    QTRY_COMPARE_WITH_TIMEOUT(tested.size(), 1, 3000);
    QCOMPARE(map->highlightedRoute(), echoRoute);
    QVERIFY(map->node("route", echoRoute)->isHighlighted());
    QVERIFY(map->node("service", echoService)->isHighlighted());
    QVERIFY2(map->testResult().contains("echo"), qPrintable(map->testResult()));
    map->testRequest("GET", "gw.test", "/nowhere");
    QTRY_COMPARE_WITH_TIMEOUT(tested.size(), 2, 3000);
    QVERIFY(map->highlightedRoute().isEmpty());
    QVERIFY2(map->testResult().contains("404"), qPrintable(map->testResult()));

    // Dragging from a service opens a new route already bound to it.
    map->createRouteFor(echoService);
    EntityDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = map->findChild<EntityDialog*>()) && dialog->isReady(), 5000);
    auto* service = qobject_cast<QComboBox*>(dialog->form()->editor("service"));
    QVERIFY(service);
    QCOMPARE(service->currentData().toString(), echoService);
    setText(dialog->form(), "name", "from-map");
    setText(dialog->form(), "paths", "/from-map");
    dialog->save();
    QTRY_COMPARE_WITH_TIMEOUT(api.request("GET", "/routes/from-map").status, 200, 3000);
    QCOMPARE(QString::fromStdString(api.request("GET", "/routes/from-map").json()["service"]["id"]),
             echoService);
    QTRY_VERIFY_WITH_TIMEOUT(map->nodeCount("route") == m_session->model("routes")->rowCount(),
                             2000);
}

void TestConsolePages::upstreamTargetsAndHealth() {
    auto api = m_node.local();
    QCOMPARE(api.json("POST", "/upstreams", {{"name", "pool.internal"}}).status, 201);
    QCOMPARE(
        api.json("POST", "/upstreams/pool.internal/targets",
                 {{"target", "127.0.0.1:" + std::to_string(m_upstream.port())}, {"weight", 30}})
            .status,
        201);
    auto* page = qobject_cast<EntityPage*>(m_window->page("upstreams"));
    QVERIFY(page && page->healthTable());
    m_window->showPage("upstreams");
    QTRY_COMPARE_WITH_TIMEOUT(page->table()->model()->rowCount(), 1, 2000);
    page->table()->selectRow(0);
    QTableWidget* health = page->healthTable();
    QTRY_COMPARE_WITH_TIMEOUT(health->rowCount(), 1, 3000);
    QCOMPARE(health->item(0, 0)->text(), QStringLiteral("127.0.0.1:%1").arg(m_upstream.port()));
    QCOMPARE(health->item(0, 1)->text(), QStringLiteral("30"));
    QCOMPARE(health->item(0, 2)->text(), QStringLiteral("HEALTHCHECKS_OFF"));
    // Marked unhealthy elsewhere: the page shows it within its refresh.
    const std::string target =
        api.request("GET", "/upstreams/pool.internal/targets").json()["data"][0]["id"];
    QCOMPARE(api.request("PUT", QByteArray::fromStdString("/upstreams/pool.internal/targets/" +
                                                          target + "/unhealthy"))
                 .status,
             204);
    QTRY_COMPARE_WITH_TIMEOUT(health->item(0, 2)->text(), QStringLiteral("UNHEALTHY"), 4000);
}

void TestConsolePages::translations_data() {
    QTest::addColumn<QString>("language");
    QTest::addColumn<QString>("dashboard");
    QTest::addColumn<QString>("protocol"); // a column title of the services table
    QTest::newRow("German") << "de" << QString::fromUtf8("Übersicht") << "Protokoll";
    QTest::newRow("Simplified Chinese")
        << "zh_CN" << QString::fromUtf8("仪表板") << QString::fromUtf8("协议");
}

void TestConsolePages::translations() {
    QFETCH(QString, language);
    QFETCH(QString, dashboard);
    QFETCH(QString, protocol);
    QTranslator translator;
    QVERIFY(translator.load(QStringLiteral(":/i18n/portico_%1.qm").arg(language)));
    QVERIFY(QCoreApplication::installTranslator(&translator));
    // The window rebuilds its pages on the language change.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->findChild<QListWidget*>("navigation")->item(0)->text(),
                              dashboard, 2000);
    QCoreApplication::removeTranslator(&translator);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->findChild<QListWidget*>("navigation")->item(0)->text(),
                              QStringLiteral("Dashboard"), 2000);
}

QTEST_MAIN(TestConsolePages)
#include "tst_console_pages.moc"
