// /events bookkeeping: delivery, replay after Last-Event-ID, reset past the backlog, and the
// bound on a reader that does not keep up.
#include "admin/event_hub.h"

#include <QtTest>

using namespace portico::admin;

class TestEventHub : public QObject {
    Q_OBJECT
private slots:
    void replay_data();
    void replay();
    void slowReaderIsCutOff();
    void idsFromAnEarlierRunAreNotReplayed();
};

void TestEventHub::replay_data() {
    QTest::addColumn<int>("published");
    QTest::addColumn<int>("lastSeen");
    QTest::addColumn<QStringList>("expected"); // event types/ids delivered on subscribe
    QTest::newRow("new only") << 5 << -1 << QStringList();
    QTest::newRow("caught up") << 5 << 5 << QStringList();
    QTest::newRow("missed two") << 5 << 3 << QStringList{"4", "5"};
    QTest::newRow("within backlog") << 5 << 2 << QStringList{"3", "4", "5"};
    QTest::newRow("older than backlog") << 5 << 1 << QStringList{"reset"};
    QTest::newRow("never given out (a later run's id)") << 5 << 9 << QStringList{"reset"};
}

void TestEventHub::replay() {
    QFETCH(int, published);
    QFETCH(int, lastSeen);
    QFETCH(QStringList, expected);
    EventHub hub(3);
    for (int i = 0; i < published; ++i)
        hub.publish("change", {{"n", i}});
    auto sub = hub.subscribe(lastSeen);
    QStringList got;
    for (const auto& f : sub->pending) {
        const QString text = QString::fromStdString(f);
        got << (text.contains("event: reset") ? QString("reset") : text.section('\n', 0, 0).mid(4));
    }
    QCOMPARE(got, expected);
    hub.publish("change", {{"n", 99}});
    QCOMPARE(static_cast<int>(sub->pending.size()), expected.size() + 1);
    QVERIFY(QString::fromStdString(sub->pending.back()).contains(R"J("n":99)J"));
}

void TestEventHub::slowReaderIsCutOff() {
    EventHub hub;
    auto sub = hub.subscribe(-1);
    int wakes = 0;
    sub->wake = [&] { ++wakes; };
    for (std::size_t i = 0; i <= EventSubscription::kMaxPending; ++i)
        hub.publish("change", {{"n", i}});
    QVERIFY(sub->closed);
    QCOMPARE(sub->pending.size(), EventSubscription::kMaxPending);
    QCOMPARE(hub.subscribers(), 0u);
    QVERIFY(wakes > 0);
}

void TestEventHub::idsFromAnEarlierRunAreNotReplayed() {
    // The earlier run gave out ids 1..5; this run starts at 1000 and published two events.
    EventHub hub(16, 1000);
    hub.publish("change", {{"n", 1}});
    hub.publish("change", {{"n", 2}});
    auto sub = hub.subscribe(5);
    QCOMPARE(sub->pending.size(), 1u);
    QVERIFY(QString::fromStdString(sub->pending.front()).contains("event: reset"));
    auto current = hub.subscribe(1000);
    QCOMPARE(current->pending.size(), 1u);
    QVERIFY(QString::fromStdString(current->pending.front()).startsWith("id: 1001"));
}

QTEST_APPLESS_MAIN(TestEventHub)
#include "tst_event_hub.moc"
