// TimedSocket over real loopback connections: reads (deferred or not) get what the peer sent
// before or after they began, end with operation_aborted when cancelled at any point of a
// deferred read, with the deadline, and at the peer's close; and the policy that decides when
// reads are deferred.
#include "proxy/timed_socket.h"

#include <QtTest>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <optional>

using namespace portico;
using portico::proxy::ReadDeferral;
using portico::proxy::t_readDeferral;
using portico::proxy::TimedSocket;

namespace {

// A connected loopback pair: `ours` under test, `peer` a plain socket driven synchronously.
struct Pair {
    asio::io_context ioc;
    std::optional<TimedSocket> ours;
    std::optional<asio::ip::tcp::socket> peer;

    Pair() {
        portico::proxy::ProxyAcceptor acceptor(
            ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        asio::ip::tcp::socket client(ioc);
        client.connect(acceptor.local_endpoint());
        ours.emplace(acceptor.accept());
        peer.emplace(std::move(client));
    }
    void send(const std::string& bytes) { asio::write(*peer, asio::buffer(bytes)); }
};

struct ReadResult {
    bool done = false;
    error_code ec;
    std::string bytes;
};

// Starts a read on `s`; the result fills in as the io_context runs.
std::shared_ptr<ReadResult> startRead(TimedSocket& s) {
    auto result = std::make_shared<ReadResult>();
    auto buf = std::make_shared<std::array<char, 256>>();
    s.async_read_some(asio::buffer(*buf), [result, buf](error_code ec, std::size_t n) {
        result->done = true;
        result->ec = ec;
        result->bytes.assign(buf->data(), n);
    });
    return result;
}

// Runs handlers until `r` is done or a second has passed.
void runUntil(asio::io_context& ioc, const ReadResult& r) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!r.done && std::chrono::steady_clock::now() < end) {
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(10));
    }
}

// Sets this thread's policy to defer the next read, or not to.
void setDeferring(bool on) {
    t_readDeferral = ReadDeferral{};
    if (!on) t_readDeferral.record(false);
}

} // namespace

class TestTimedSocket : public QObject {
    Q_OBJECT
private slots:
    void readsWhatArrives_data();
    void readsWhatArrives();
    void cancelEndsRead_data();
    void cancelEndsRead();
    void deadlineEndsRead_data();
    void deadlineEndsRead();
    void peerCloseIsEndOfStream_data();
    void peerCloseIsEndOfStream();
    void deferralPolicy_data();
    void deferralPolicy();
};

void TestTimedSocket::readsWhatArrives_data() {
    QTest::addColumn<bool>("deferred");
    QTest::addColumn<bool>("sentFirst");
    QTest::addColumn<bool>("stillDeferring"); // what the read taught the policy
    QTest::newRow("deferred, bytes already there") << true << true << true;
    QTest::newRow("deferred, bytes come later") << true << false << false;
    QTest::newRow("direct, bytes already there") << false << true << false;
    QTest::newRow("direct, bytes come later") << false << false << false;
}

void TestTimedSocket::readsWhatArrives() {
    QFETCH(bool, deferred);
    QFETCH(bool, sentFirst);
    QFETCH(bool, stillDeferring);
    Pair p;
    setDeferring(deferred);
    if (sentFirst) p.send("GET / HTTP/1.1\r\n\r\n");
    auto r = startRead(*p.ours);
    if (!sentFirst) {
        // Let the read find nothing and begin waiting before the bytes are sent.
        p.ioc.poll();
        QVERIFY(!r->done);
        p.send("GET / HTTP/1.1\r\n\r\n");
    }
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QVERIFY2(!r->ec, qPrintable(QString::fromStdString(r->ec.message())));
    QCOMPARE(QString::fromStdString(r->bytes), QStringLiteral("GET / HTTP/1.1\r\n\r\n"));
    QCOMPARE(t_readDeferral.defer(), stillDeferring);
}

void TestTimedSocket::cancelEndsRead_data() {
    QTest::addColumn<bool>("deferred");
    QTest::addColumn<bool>("beforeItRuns"); // cancelled before the deferred attempt ran
    QTest::newRow("deferred, cancelled before it tried the socket") << true << true;
    QTest::newRow("deferred, cancelled while waiting") << true << false;
    QTest::newRow("direct, cancelled while waiting") << false << false;
}

void TestTimedSocket::cancelEndsRead() {
    QFETCH(bool, deferred);
    QFETCH(bool, beforeItRuns);
    Pair p;
    setDeferring(deferred);
    auto r = startRead(*p.ours);
    if (!beforeItRuns) p.ioc.poll();
    QVERIFY(!r->done);
    p.ours->cancel();
    // Bytes sent after the cancel must not be taken by the cancelled read.
    p.send("late");
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QCOMPARE(r->ec, error_code(asio::error::operation_aborted));
    QVERIFY(r->bytes.empty());
    // The socket still works: the next read gets the bytes.
    setDeferring(deferred);
    auto next = startRead(*p.ours);
    runUntil(p.ioc, *next);
    QCOMPARE(QString::fromStdString(next->bytes), QStringLiteral("late"));
}

void TestTimedSocket::deadlineEndsRead_data() {
    QTest::addColumn<bool>("deferred");
    QTest::newRow("deferred") << true;
    QTest::newRow("direct") << false;
}

void TestTimedSocket::deadlineEndsRead() {
    QFETCH(bool, deferred);
    Pair p;
    setDeferring(deferred);
    p.ours->expires_after(std::chrono::milliseconds(50));
    auto r = startRead(*p.ours);
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QVERIFY(r->ec);
    QVERIFY(p.ours->expired());
}

void TestTimedSocket::peerCloseIsEndOfStream_data() {
    QTest::addColumn<bool>("deferred");
    QTest::addColumn<bool>("closedFirst");
    QTest::newRow("deferred, closed before the read") << true << true;
    QTest::newRow("deferred, closed while waiting") << true << false;
    QTest::newRow("direct, closed before the read") << false << true;
}

void TestTimedSocket::peerCloseIsEndOfStream() {
    QFETCH(bool, deferred);
    QFETCH(bool, closedFirst);
    Pair p;
    setDeferring(deferred);
    if (closedFirst) p.peer->close();
    auto r = startRead(*p.ours);
    if (!closedFirst) {
        p.ioc.poll();
        p.peer->close();
    }
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QCOMPARE(r->ec, error_code(asio::error::eof));
    QVERIFY(!p.ours->expired());
}

void TestTimedSocket::deferralPolicy_data() {
    // What deferred reads found (+ bytes waiting, - nothing), then how many of the next 64
    // reads are deferred.
    QTest::addColumn<QString>("found");
    QTest::addColumn<int>("deferredOf64");
    QTest::newRow("fresh thread: defers") << "" << 64;
    QTest::newRow("finding bytes: defers") << "++++" << 64;
    QTest::newRow("one miss: only every 32nd probes") << "-" << 2;
    QTest::newRow("as many hits as misses: defers") << "+-+-" << 64;
    QTest::newRow("mostly misses: probes") << "+--+--+--" << 2;
    QTest::newRow("a long good run outweighs a short bad one") << "++++++++----" << 64;
    QTest::newRow("hits are capped: a long bad run stops it")
        << QString(40, '+') + QString(17, '-') << 2;
}

void TestTimedSocket::deferralPolicy() {
    QFETCH(QString, found);
    QFETCH(int, deferredOf64);
    ReadDeferral d;
    for (const QChar c : found)
        d.record(c == '+');
    int deferred = 0;
    for (int i = 0; i < 64; ++i)
        deferred += d.defer() ? 1 : 0;
    QCOMPARE(deferred, deferredOf64);
}

QTEST_GUILESS_MAIN(TestTimedSocket)
#include "tst_timed_socket.moc"
