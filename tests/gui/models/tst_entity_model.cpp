// The console's entity models against a real porticod, checked by QAbstractItemModelTester:
// the first load, then edits made elsewhere (a raw client, as curl would) reaching the model
// through the event stream within a second, and filtering by text and tags.
#include "models/entity_filter.h"
#include "models/entity_model.h"
#include "session.h"
#include "support/porticod_process.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace portico::gui;
using nlohmann::json;
using portico::test::PorticodProcess;

class TestEntityModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void outsideChanges_data();
    void outsideChanges();
    void filter_data();
    void filter();

private:
    QString nameAt(EntityModel* m, int row) const {
        return m->entityAt(row).value("name").toString();
    }
    PorticodProcess m_node;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestEntityModel::initTestCase() {
    QVERIFY2(m_node.start(), qPrintable(m_node.log()));
    auto api = m_node.local();
    for (const char* name : {"alpha", "beta", "gamma"})
        QCOMPARE(api.json("POST", "/services",
                          {{"name", name},
                           {"host", std::string(name) + ".test"},
                           {"tags", {name == std::string("beta") ? "blue" : "red", "all"}}})
                     .status,
                 201);
    m_session = std::make_unique<Session>();
    EntityModel* services = m_session->model("services");
    m_tester = std::make_unique<QAbstractItemModelTester>(
        services, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_session->open(Endpoint{m_node.socketPath(), {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(services->rowCount(), 3, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->events()->isStreaming(), 5000);
    QCOMPARE(services->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Name"));
}

void TestEntityModel::outsideChanges_data() {
    QTest::addColumn<QString>("op");
    QTest::newRow("create") << "create";
    QTest::newRow("update") << "update";
    QTest::newRow("delete") << "delete";
    QTest::newRow("an import of 80 in one revision") << "bulk";
    QTest::newRow("and removing them again") << "unbulk";
}

void TestEntityModel::outsideChanges() {
    QFETCH(QString, op);
    EntityModel* m = m_session->model("services");
    auto api = m_node.local();
    const int before = m->rowCount();
    QElapsedTimer clock;
    clock.start();
    if (op == "create") {
        QCOMPARE(api.json("POST", "/services", {{"name", "delta"}, {"host", "d.test"}}).status,
                 201);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), before + 1, 1000);
        QVERIFY(m->rowOf(QString::fromStdString(
                    api.request("GET", "/services/delta").json()["id"])) >= 0);
    } else if (op == "update") {
        QCOMPARE(api.json("PATCH", "/services/delta", {{"host", "changed.test"}}).status, 200);
        const int row =
            m->rowOf(QString::fromStdString(api.request("GET", "/services/delta").json()["id"]));
        QTRY_COMPARE_WITH_TIMEOUT(m->data(m->index(row, 2)).toString(),
                                  QStringLiteral("changed.test"), 1000);
        QCOMPARE(m->rowCount(), before);
    } else if (op == "delete") {
        // One from the middle first: the rows after it move up.
        QCOMPARE(api.json("POST", "/services", {{"name", "delta2"}, {"host", "d.test"}}).status,
                 201);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), before + 1, 1000);
        QCOMPARE(api.request("DELETE", "/services/delta").status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), before, 1000);
        for (int r = 0; r < m->rowCount(); ++r)
            QCOMPARE(m->rowOf(m->entityAt(r).value("id").toString()), r);
        QCOMPARE(api.request("DELETE", "/services/delta2").status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), before - 1, 1000);
    } else {
        // The live configuration with 80 more services (or without them again), applied as one
        // revision: 80 change events in a burst, and the list reloaded once.
        json config = api.request("GET", "/config").json();
        json& services = config["services"];
        if (op == "bulk") {
            for (int i = 0; i < 80; ++i)
                services.push_back({{"name", "bulk-" + std::to_string(i)}, {"host", "b.test"}});
        } else {
            services.erase(std::remove_if(services.begin(), services.end(),
                                          [](const json& s) {
                                              return s["name"].get<std::string>().starts_with(
                                                  "bulk-");
                                          }),
                           services.end());
        }
        QCOMPARE(api.json("POST", "/config", config).status, 201);
        QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), before + (op == "bulk" ? 80 : -80), 2000);
    }
    // Every row is found again by its id (the model's index follows inserts and removals).
    for (int r = 0; r < m->rowCount(); ++r)
        QCOMPARE(m->rowOf(m->entityAt(r).value("id").toString()), r);
    qInfo("%s seen by the model after %lld ms", qPrintable(op),
          static_cast<long long>(clock.elapsed()));
}

void TestEntityModel::filter_data() {
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("everything") << "" << QStringList{"alpha", "beta", "gamma"};
    QTest::newRow("by text") << "mm" << QStringList{"gamma"};
    QTest::newRow("by host column") << "beta.test" << QStringList{"beta"};
    QTest::newRow("by tag") << "tag:red" << QStringList{"alpha", "gamma"};
    QTest::newRow("tags and text") << "tag:all pha" << QStringList{"alpha"};
    QTest::newRow("nothing") << "zzz" << QStringList{};
}

void TestEntityModel::filter() {
    QFETCH(QString, query);
    QFETCH(QStringList, names);
    EntityFilter f;
    f.setSourceModel(m_session->model("services"));
    QAbstractItemModelTester tester(&f, QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.sort(0);
    f.setQuery(query);
    QStringList got;
    for (int r = 0; r < f.rowCount(); ++r)
        got << f.index(r, 0).data().toString();
    QCOMPARE(got, names);
}

QTEST_MAIN(TestEntityModel)
#include "tst_entity_model.moc"
