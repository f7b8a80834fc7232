// The SQLite store on a real file: revisions, history, uniqueness, foreign keys, rollback and
// refusal of unreadable or newer stores.
#include "schema/schemas.h"
#include "store/store.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <set>
#include <sqlite3.h>

using nlohmann::json;
using namespace portico;

namespace {
const schema::EntitySchema& S(const char* name) {
    return *schema::findSchema(name);
}

json valid(const char* entity, json input) {
    auto r = S(entity).validate(input, schema::WriteMode::Insert, nullptr, {false, 1700000000});
    if (!r) qFatal("invalid test entity: %s", r.error().message.c_str());
    return *r;
}
} // namespace

class TestStore : public QObject {
    Q_OBJECT
private slots:
    void init();
    void revisionsAndHistory();
    void uniqueness_data();
    void uniqueness();
    void foreignKeys();
    void rollbackRestoresState();
    void replaceAllRecordsOnlyDifferences();
    void otherConnectionsSeeCommits();
    void unreadableFilesAreRefused_data();
    void unreadableFilesAreRefused();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<store::Store> m_store;
    QString path() const { return m_dir->path() + "/portico.db"; }
};

void TestStore::init() {
    m_store.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    auto s = store::Store::open(path().toStdString());
    QVERIFY2(s.hasValue(), s.hasValue() ? "" : s.error().message.c_str());
    m_store = std::move(*s);
}

void TestStore::revisionsAndHistory() {
    QCOMPARE(m_store->revision(), 0);
    auto a =
        m_store->insert(S("services"), valid("services", {{"name", "a"}, {"host", "h"}}), "test");
    QVERIFY(a.hasValue());
    QCOMPARE(a->revision, 1);
    QCOMPARE(a->changes.size(), 1u);
    QCOMPARE(a->changes[0].op, std::string("create"));
    json updated = a->changes[0].after;
    updated["port"] = 81;
    auto b = m_store->upsert(S("services"), updated, "test");
    QCOMPARE(b->revision, 2);
    QCOMPARE(b->changes[0].op, std::string("update"));
    QCOMPARE(b->changes[0].before["port"], 80);
    // A reopened store has the same revision and content.
    m_store.reset();
    auto reopened = store::Store::open(path().toStdString());
    QVERIFY(reopened.hasValue());
    QCOMPARE((*reopened)->revision(), 2);
    QCOMPARE((*(*reopened)->get(S("services"), "a"))["port"], 81);
    auto hist = (*reopened)->history(100, 10);
    QCOMPARE(hist->size(), 2u);
    QCOMPARE((*hist)[0].revision, 2);
    QCOMPARE((*hist)[0].actor, std::string("test"));
}

void TestStore::uniqueness_data() {
    QTest::addColumn<QString>("entity");
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<QByteArray>("second");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("service name") << "services" << QByteArray(R"J({"name":"x","host":"h"})J")
                                  << QByteArray(R"J({"name":"x","host":"other"})J")
                                  << QByteArray(R"J(UNIQUE violation detected on '{name="x"}')J");
    QTest::newRow("consumer custom id")
        << "consumers" << QByteArray(R"J({"username":"a","custom_id":"1"})J")
        << QByteArray(R"J({"username":"b","custom_id":"1"})J")
        << QByteArray(R"J(UNIQUE violation detected on '{custom_id="1"}')J");
    QTest::newRow("global plugin")
        << "plugins" << QByteArray(R"J({"name":"cors"})J") << QByteArray(R"J({"name":"cors"})J")
        << QByteArray(
               R"J(UNIQUE violation detected on '{consumer=null,name="cors",route=null,service=null}')J");
}

void TestStore::uniqueness() {
    QFETCH(QString, entity);
    QFETCH(QByteArray, first);
    QFETCH(QByteArray, second);
    QFETCH(QByteArray, message);
    const auto& s = S(entity.toUtf8().constData());
    QVERIFY(
        m_store
            ->insert(s, valid(entity.toUtf8().constData(), json::parse(first.toStdString())), "t")
            .hasValue());
    auto dup = m_store->insert(
        s, valid(entity.toUtf8().constData(), json::parse(second.toStdString())), "t");
    QVERIFY(!dup.hasValue());
    QCOMPARE(dup.error().code, ErrorCode::UniqueViolation);
    QCOMPARE(QByteArray::fromStdString(dup.error().message), message);
    QCOMPARE(m_store->revision(), 1); // the refused write left no trace
    QCOMPARE(*m_store->count(s), 1u);
}

void TestStore::foreignKeys() {
    auto svc =
        m_store->insert(S("services"), valid("services", {{"name", "svc"}, {"host", "h"}}), "t");
    const std::string svcId = svc->changes[0].after["id"];
    // By name: stored as the id.
    auto route = m_store->insert(
        S("routes"), valid("routes", {{"paths", {"/"}}, {"service", {{"name", "svc"}}}}), "t");
    QVERIFY(route.hasValue());
    QCOMPARE(route->changes[0].after["service"]["id"], svcId);
    auto plugin = m_store->insert(
        S("plugins"), valid("plugins", {{"name", "cors"}, {"service", {{"id", svcId}}}}), "t");
    QVERIFY(plugin.hasValue());
    auto missing = m_store->insert(
        S("routes"), valid("routes", {{"paths", {"/"}}, {"service", {{"name", "nope"}}}}), "t");
    QCOMPARE(missing.error().code, ErrorCode::ForeignKeyViolation);
    // Restrict: the route keeps the service.
    auto refused = m_store->remove(S("services"), svcId, "t");
    QCOMPARE(refused.error().code, ErrorCode::ForeignKeyViolation);
    QCOMPARE(refused.error().fields["@referenced_by"], "routes");
    QVERIFY(m_store->get(S("plugins"), plugin->changes[0].after["id"])
                .hasValue()); // nothing half-deleted
    // Cascade: once the route is gone, the service goes with its plugin, in one revision.
    QVERIFY(m_store->remove(S("routes"), route->changes[0].after["id"], "t").hasValue());
    auto gone = m_store->remove(S("services"), svcId, "t");
    QVERIFY(gone.hasValue());
    QCOMPARE(gone->changes.size(), 2u);
    QCOMPARE(*m_store->count(S("plugins")), 0u);
}

void TestStore::rollbackRestoresState() {
    auto a = m_store->insert(S("services"), valid("services", {{"name", "a"}, {"host", "h"}}), "t");
    const auto snapshot = *m_store->all(S("services"));
    json renamed = a->changes[0].after;
    renamed["name"] = "b";
    QVERIFY(m_store->upsert(S("services"), renamed, "t").hasValue());
    QVERIFY(m_store->insert(S("services"), valid("services", {{"name", "a"}, {"host", "new"}}), "t")
                .hasValue());
    QVERIFY(m_store
                ->insert(S("routes"),
                         valid("routes", {{"paths", {"/"}}, {"service", {{"name", "a"}}}}), "t")
                .hasValue());
    auto rb = m_store->rollback(1, "t");
    QVERIFY2(rb.hasValue(), rb.hasValue() ? "" : rb.error().message.c_str());
    QCOMPARE(rb->revision, 5);
    QCOMPARE(*m_store->all(S("services")), snapshot);
    QCOMPARE(*m_store->count(S("routes")), 0u);
    QCOMPARE((*m_store->get(S("services"), "a"))["host"], "h");
    QVERIFY(!m_store->get(S("services"), "b").hasValue());
    // Rolling back to where we are changes nothing and makes no revision.
    QCOMPARE(m_store->rollback(5, "t")->revision, 5);
    QVERIFY(!m_store->rollback(99, "t").hasValue());
}

void TestStore::replaceAllRecordsOnlyDifferences() {
    json keep = valid("consumers", {{"username", "keep"}});
    json drop = valid("consumers", {{"username", "drop"}});
    QVERIFY(m_store->insert(S("consumers"), keep, "t").hasValue());
    QVERIFY(m_store->insert(S("consumers"), drop, "t").hasValue());
    json added = valid("consumers", {{"username", "added"}});
    auto r = m_store->replaceAll({{&S("consumers"), keep}, {&S("consumers"), added}}, "t");
    QVERIFY(r.hasValue());
    QCOMPARE(r->revision, 3);
    QCOMPARE(r->changes.size(), 2u); // "keep" was rewritten unchanged and is not recorded
    std::set<std::string> ops;
    for (const auto& c : r->changes)
        ops.insert(c.op + ":" +
                   (c.after.is_null() ? c.before : c.after)["username"].get<std::string>());
    QCOMPARE(ops, (std::set<std::string>{"create:added", "delete:drop"}));
    // A replace that fails (a dangling reference) changes nothing.
    json route = valid("routes", {{"paths", {"/"}},
                                  {"service", {{"id", "3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}}}});
    auto bad = m_store->replaceAll({{&S("routes"), route}}, "t");
    QCOMPARE(bad.error().code, ErrorCode::ForeignKeyViolation);
    QCOMPARE(m_store->revision(), 3);
    QCOMPARE(*m_store->count(S("consumers")), 2u);
}

void TestStore::otherConnectionsSeeCommits() {
    // Reads leave no transaction open: a second connection's commit (another process, such as
    // `porticod admin-token create`) is visible to the next read.
    QVERIFY(
        m_store->insert(S("consumers"), valid("consumers", {{"username", "a"}}), "t").hasValue());
    QVERIFY(m_store->get(S("consumers"), "a").hasValue());
    QCOMPARE(m_store->tokenName("hash-1").value(), std::string());
    auto other = store::Store::open(path().toStdString());
    QVERIFY(other.hasValue());
    QVERIFY((*other)->addToken("second", "hash-1").hasValue());
    QCOMPARE(m_store->tokenName("hash-1").value(), std::string("second"));
    QVERIFY((*other)->removeToken("second").value());
    QCOMPARE(m_store->tokenName("hash-1").value(), std::string());
}

void TestStore::unreadableFilesAreRefused_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("garbage") << "garbage";
    QTest::newRow("newer schema") << "newer";
    QTest::newRow("torn page") << "torn";
}

void TestStore::unreadableFilesAreRefused() {
    QFETCH(QString, kind);
    QVERIFY(m_store->insert(S("services"), valid("services", {{"name", "a"}, {"host", "h"}}), "t")
                .hasValue());
    m_store.reset();
    if (kind == "garbage") {
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray(4096, 'z'));
    } else if (kind == "newer") {
        sqlite3* db = nullptr;
        sqlite3_open(path().toUtf8().constData(), &db);
        sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    } else {
        // Fold the WAL in, then overwrite the second page (a table's root) as a torn write would.
        sqlite3* db = nullptr;
        sqlite3_open(path().toUtf8().constData(), &db);
        sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", nullptr,
                     nullptr, nullptr);
        sqlite3_close(db);
        QFile f(path());
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 8192);
        f.seek(4096);
        f.write(QByteArray(3000, '\x5a'));
    }
    const QByteArray before = [&] {
        QFile f(path());
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    auto reopened = store::Store::open(path().toStdString());
    QVERIFY(!reopened.hasValue());
    QVERIFY(!reopened.error().message.empty());
    QFile f(path());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before); // left as it was for the operator to inspect
}

QTEST_APPLESS_MAIN(TestStore)
#include "tst_store.moc"
