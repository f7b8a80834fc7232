// IP ranges for trusted_ips: v4 and v6 CIDRs, single addresses, IPv4-mapped IPv6, bad input.
#include "core/ip_range.h"

#include <QtTest>

using portico::IpRange;
using portico::IpRangeSet;

class TestIpRange : public QObject {
    Q_OBJECT
private slots:
    void contains_data();
    void contains();
    void refused_data();
    void refused();
};

void TestIpRange::contains_data() {
    QTest::addColumn<QString>("range");
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("inside");
    QTest::newRow("v4 /8 in") << "10.0.0.0/8"
                              << "10.200.3.4" << true;
    QTest::newRow("v4 /8 out") << "10.0.0.0/8"
                               << "11.0.0.1" << false;
    QTest::newRow("v4 /31 edge") << "192.168.1.6/31"
                                 << "192.168.1.7" << true;
    QTest::newRow("v4 /31 past the edge") << "192.168.1.6/31"
                                          << "192.168.1.8" << false;
    QTest::newRow("v4 /20 partial byte in") << "172.16.16.0/20"
                                            << "172.16.31.255" << true;
    QTest::newRow("v4 /20 partial byte out") << "172.16.16.0/20"
                                             << "172.16.32.0" << false;
    QTest::newRow("single address") << "127.0.0.1"
                                    << "127.0.0.1" << true;
    QTest::newRow("single address, other") << "127.0.0.1"
                                           << "127.0.0.2" << false;
    QTest::newRow("everything v4") << "0.0.0.0/0"
                                   << "8.8.8.8" << true;
    QTest::newRow("v6 /64") << "fd00:1::/64"
                            << "fd00:1::abcd" << true;
    QTest::newRow("v6 /64 out") << "fd00:1::/64"
                                << "fd00:2::1" << false;
    QTest::newRow("v4-mapped v6 matches v4") << "10.0.0.0/8"
                                             << "::ffff:10.1.2.3" << true;
    QTest::newRow("v6 never matches v4 range") << "0.0.0.0/0"
                                               << "::1" << false;
    QTest::newRow("not an address") << "10.0.0.0/8"
                                    << "ten" << false;
}

void TestIpRange::contains() {
    QFETCH(QString, range);
    QFETCH(QString, address);
    QFETCH(bool, inside);
    const auto r = IpRange::parse(range.toStdString());
    QVERIFY(r);
    QCOMPARE(r->contains(address.toStdString()), inside);
    const auto set = IpRangeSet::parse("192.0.2.1, " + range.toStdString());
    QVERIFY(set);
    QCOMPARE(set->contains(address.toStdString()), inside);
}

void TestIpRange::refused_data() {
    QTest::addColumn<QString>("list");
    QTest::addColumn<QString>("named");
    QTest::newRow("bad prefix") << "10.0.0.0/33"
                                << "10.0.0.0/33";
    QTest::newRow("v6 prefix too long") << "::/129"
                                        << "::/129";
    QTest::newRow("host name") << "127.0.0.1, localhost"
                               << "localhost";
    QTest::newRow("empty prefix") << "10.0.0.0/"
                                  << "10.0.0.0/";
}

void TestIpRange::refused() {
    QFETCH(QString, list);
    QFETCH(QString, named);
    std::string error;
    QVERIFY(!IpRangeSet::parse(list.toStdString(), &error));
    QVERIFY2(QString::fromStdString(error).contains(named), error.c_str());
    QVERIFY(IpRangeSet::parse("")->empty());
}

QTEST_MAIN(TestIpRange)
#include "tst_ip_range.moc"
