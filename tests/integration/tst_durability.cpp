// Nothing acknowledged is ever lost: porticod is killed with SIGKILL at random moments during a
// stream of admin writes, restarted, and checked, again and again.
#include "support/porticod_process.h"

#include <QElapsedTimer>
#include <QSet>
#include <QtTest>
#include <chrono>
#include <csignal>
#include <random>
#include <sqlite3.h>
#include <thread>

using nlohmann::json;
using portico::test::PorticodProcess;

class TestDurability : public QObject {
    Q_OBJECT
private slots:
    void killDuringWrites();
};

void TestDurability::killDuringWrites() {
    const int iterations = qEnvironmentVariableIntValue("PORTICO_DURABILITY_ITERATIONS") > 0
                               ? qEnvironmentVariableIntValue("PORTICO_DURABILITY_ITERATIONS")
                               : 200;
    const unsigned seed = std::random_device{}();
    qInfo("seed %u, %d iterations", seed, iterations);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay(2, 80);

    PorticodProcess node;
    QSet<QString> acked, attempted;
    int next = 0, kills = 0;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < iterations && clock.elapsed() < 300000; ++i) {
        QVERIFY2(node.start(), qPrintable(node.log()));
        const qint64 pid = node.process().processId();
        const int ms = delay(rng);
        std::thread killer([pid, ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        });
        for (;;) {
            const QString name = QStringLiteral("c-%1").arg(next++);
            attempted.insert(name);
            auto r = node.local().json("POST", "/consumers", {{"username", name.toStdString()}});
            if (r.status == 201) {
                acked.insert(name);
                continue;
            }
            // No reply: the process died mid-request; the write may or may not have landed.
            QVERIFY2(r.status == 0,
                     qPrintable(QString::number(r.status) + " " + QString::fromUtf8(r.body)));
            break;
        }
        killer.join();
        node.process().waitForFinished(5000);
        QCOMPARE(node.process().exitStatus(), QProcess::CrashExit);
        ++kills;
    }
    qInfo("%d kills, %lld acknowledged writes, %lld attempted, %lld ms", kills,
          static_cast<long long>(acked.size()), static_cast<long long>(attempted.size()),
          static_cast<long long>(clock.elapsed()));
    QVERIFY(kills >= 100 || iterations < 100); // the issue asks for at least 100
    QVERIFY(acked.size() > kills); // the loop really wrote between kills

    QVERIFY2(node.start(), qPrintable(node.log()));
    QSet<QString> present;
    QByteArray page = "/consumers?size=1000";
    while (!page.isEmpty()) {
        const json body = node.local().request("GET", page).json();
        for (const auto& c : body["data"]) {
            const QString name = QString::fromStdString(c["username"].get<std::string>());
            QVERIFY2(!present.contains(name), "no entity twice");
            present.insert(name);
            // Each one is whole: readable by its unique key too.
            QCOMPARE(node.local().request("GET", "/consumers/" + name.toUtf8()).status, 200);
        }
        page = body["next"].is_null() ? QByteArray()
                                      : QByteArray::fromStdString(body["next"].get<std::string>());
    }
    for (const auto& name : acked)
        QVERIFY2(present.contains(name), qPrintable("lost acknowledged write " + name));
    for (const auto& name : present)
        QVERIFY2(attempted.contains(name), qPrintable("unknown entity " + name));
    // One revision per create: no write half-applied or counted twice.
    const json status = node.local().request("GET", "/status").json();
    QCOMPARE(status["revision"].get<long long>(), static_cast<long long>(present.size()));
    QCOMPARE(node.local().request("GET", "/config/history?size=1").json()["data"][0]["revision"],
             status["revision"]);
    QCOMPARE(node.terminate(), 0);

    sqlite3* db = nullptr;
    QCOMPARE(
        sqlite3_open_v2(node.storePath().toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr),
        SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    QCOMPARE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_step(st), SQLITE_ROW);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))),
             QByteArray("ok"));
    sqlite3_finalize(st);
    // Index rows match entity rows.
    QCOMPARE(sqlite3_prepare_v2(
                 db,
                 "SELECT (SELECT COUNT(*) FROM entities WHERE type='consumers'),"
                 " (SELECT COUNT(*) FROM unique_keys WHERE type='consumers' AND field='username'),"
                 " (SELECT COUNT(DISTINCT revision) FROM history)",
                 -1, &st, nullptr),
             SQLITE_OK);
    QCOMPARE(sqlite3_step(st), SQLITE_ROW);
    QCOMPARE(sqlite3_column_int64(st, 0), static_cast<sqlite3_int64>(present.size()));
    QCOMPARE(sqlite3_column_int64(st, 1), static_cast<sqlite3_int64>(present.size()));
    QCOMPARE(sqlite3_column_int64(st, 2), static_cast<sqlite3_int64>(present.size()));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

QTEST_GUILESS_MAIN(TestDurability)
#include "tst_durability.moc"
