// The latency histogram behind the per-second metrics: bucket edges, quantiles against exact
// values over several distributions, merging, and the per-route window cap.
#include "proxy/proxy_metrics.h"

#include <QtTest>
#include <algorithm>
#include <random>

using portico::proxy::LatencyHistogram;
using portico::proxy::MetricsWindow;

class TestLatencyHistogram : public QObject {
    Q_OBJECT
private slots:
    void bucketEdges_data();
    void bucketEdges();
    void quantiles_data();
    void quantiles();
    void mergeEqualsOneHistogram();
    void windowCapsRoutes();
    void summaryShape();
};

void TestLatencyHistogram::bucketEdges_data() {
    QTest::addColumn<quint64>("value");
    for (quint64 v : {0ull, 1ull, 15ull, 16ull, 17ull, 31ull, 32ull, 33ull, 1000ull, 123456ull,
                      (1ull << 31) - 1, 1ull << 31, 1ull << 40})
        QTest::addRow("%llu", v) << v;
}

void TestLatencyHistogram::bucketEdges() {
    QFETCH(quint64, value);
    const int b = LatencyHistogram::bucketOf(value);
    QVERIFY(b >= 0 && b < LatencyHistogram::kBuckets);
    const quint64 edge = LatencyHistogram::upperEdge(b);
    if (value < (1ull << 32)) {
        // The edge bounds the value from above, within the promised relative error.
        QVERIFY2(edge >= value, qPrintable(QString::number(edge)));
        QVERIFY(static_cast<double>(edge - value) <= 0.0625 * static_cast<double>(value) + 0.5);
        if (b > 0) QVERIFY(LatencyHistogram::upperEdge(b - 1) < value);
    } else {
        QCOMPARE(b, LatencyHistogram::kBuckets - 1); // clamped
    }
}

void TestLatencyHistogram::quantiles_data() {
    QTest::addColumn<QString>("distribution");
    QTest::newRow("uniform 100us..50ms") << "uniform";
    QTest::newRow("log-normal around 2ms") << "lognormal";
    QTest::newRow("bimodal: cache hits and slow misses") << "bimodal";
    QTest::newRow("constant 250us") << "constant";
}

void TestLatencyHistogram::quantiles() {
    QFETCH(QString, distribution);
    std::mt19937_64 gen(42);
    std::uniform_int_distribution<std::uint64_t> uniform(100, 50000);
    std::lognormal_distribution<double> lognormal(std::log(2000.0), 0.8);
    std::bernoulli_distribution slow(0.1);
    std::vector<std::uint64_t> values;
    LatencyHistogram h;
    for (int i = 0; i < 20000; ++i) {
        std::uint64_t v = 250;
        if (distribution == "uniform") v = uniform(gen);
        if (distribution == "lognormal") v = static_cast<std::uint64_t>(lognormal(gen));
        if (distribution == "bimodal")
            v = slow(gen) ? 80000 + uniform(gen) : 300 + uniform(gen) / 100;
        values.push_back(v);
        h.add(v);
    }
    std::sort(values.begin(), values.end());
    QCOMPARE(h.count(), values.size());
    for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
        const auto rank = static_cast<std::size_t>(std::ceil(q * values.size())) - 1;
        const double exact = static_cast<double>(values[rank]);
        const double got = static_cast<double>(h.quantile(q));
        QVERIFY2(
            got >= exact && got <= exact * 1.0625 + 1,
            qPrintable(QStringLiteral("q%1: exact %2, histogram %3").arg(q).arg(exact).arg(got)));
    }
    QCOMPARE(LatencyHistogram().quantile(0.5), 0ull);
}

void TestLatencyHistogram::mergeEqualsOneHistogram() {
    LatencyHistogram a, b, both;
    for (std::uint64_t v = 1; v < 100000; v = v * 3 + 1) {
        (v % 2 ? a : b).add(v);
        both.add(v);
    }
    a.merge(b);
    QCOMPARE(a.count(), both.count());
    for (double q : {0.1, 0.5, 0.99})
        QCOMPARE(a.quantile(q), both.quantile(q));
}

void TestLatencyHistogram::windowCapsRoutes() {
    MetricsWindow w;
    for (std::size_t i = 0; i < MetricsWindow::kMaxRoutes + 50; ++i)
        w.record("route-" + std::to_string(i), "svc", 200, 1000, 500, 100);
    QCOMPARE(w.byRoute.size(), MetricsWindow::kMaxRoutes + 1); // the rest share "other"
    QCOMPARE(w.byRoute.at("other").series.requests, 50ull);
    QCOMPARE(w.all.requests, MetricsWindow::kMaxRoutes + 50);
}

void TestLatencyHistogram::summaryShape() {
    MetricsWindow a, b;
    a.record("r1", "s1", 200, 2000, 1500, 300);
    a.record("r1", "s1", 502, 9000, -1, -1);
    b.record("r2", "s1", 404, 100, -1, -1);
    b.record("", "", 404, 50, -1, -1); // no route matched
    a.merge(b);
    const auto j = a.summary();
    QCOMPARE(j["requests"].get<int>(), 4);
    QCOMPARE(j["status"]["2xx"].get<int>(), 1);
    QCOMPARE(j["status"]["4xx"].get<int>(), 2);
    QCOMPARE(j["status"]["5xx"].get<int>(), 1);
    QCOMPARE(j["routes"][0]["id"], "r1"); // the busiest first
    QCOMPARE(j["routes"][0]["requests"].get<int>(), 2);
    QCOMPARE(j["services"][0]["id"], "s1");
    QCOMPARE(j["services"][0]["requests"].get<int>(), 3);
    // Only the request that reached an upstream has upstream and gateway times.
    QVERIFY(std::abs(j["latency_ms"]["upstream"]["p99"].get<double>() - 1.5) < 0.1);
    QVERIFY(std::abs(j["latency_ms"]["gateway"]["p50"].get<double>() - 0.3) < 0.02);
    QVERIFY(j["latency_ms"]["total"]["p99"].get<double>() >= 9.0);
}

QTEST_MAIN(TestLatencyHistogram)
#include "tst_latency_histogram.moc"
