// TimedSocket over real loopback connections: reads get what the peer sent before or after they
// began, however the socket's readiness stood; a read that drains the socket marks it so, one
// that leaves bytes behind does not, bytes that arrive while no read is pending are found by the
// next, and a close that arrives with the last bytes is read after them; reads end with
// operation_aborted when cancelled, with the deadline, and at the peer's close.
#include "proxy/timed_socket.h"

#include <QtTest>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <optional>

using namespace portico;
using portico::proxy::kReadinessTracked;
using portico::proxy::mayHaveInput;
using portico::proxy::TimedSocket;

namespace {

// A connected loopback pair: `ours` under test, `peer` a plain socket driven synchronously.
struct Pair {
    asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO}; // as the workers run theirs
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
    bool readable() { return mayHaveInput(ours->socket()); }
    // Lets the worker's reactor poll once more with no read pending (a timer keeps it busy).
    void letReactorPoll() {
        asio::steady_timer t(ioc, std::chrono::milliseconds(20));
        bool fired = false;
        t.async_wait([&](error_code) { fired = true; });
        while (!fired) {
            ioc.restart();
            ioc.run_one();
        }
    }
};

struct ReadResult {
    bool done = false;
    error_code ec;
    std::string bytes;
};

// Starts a read of up to 256 bytes on `s`; the result fills in as the io_context runs.
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

// Reads once, the result expected to be `bytes`.
bool readsExactly(Pair& p, const std::string& bytes) {
    auto r = startRead(*p.ours);
    runUntil(p.ioc, *r);
    if (!r->done || r->ec || r->bytes != bytes) {
        qWarning("read: done %d, %s, %zu bytes", r->done, r->ec.message().c_str(), r->bytes.size());
        return false;
    }
    return true;
}

// Drains the socket: the peer sends a few bytes and a read takes them all. The reactor sees
// the arrival first: an arrival it has not seen yet would mark the socket readable again once
// it polls (harmless, a receive that finds nothing, but not what the tests want to start from).
bool drain(Pair& p) {
    p.send("first");
    p.letReactorPoll();
    return readsExactly(p, "first") && !p.readable();
}

} // namespace

class TestTimedSocket : public QObject {
    Q_OBJECT
private slots:
    void init();
    void readsWhatArrives_data();
    void readsWhatArrives();
    void bytesBetweenReads_data();
    void bytesBetweenReads();
    void cancelEndsRead_data();
    void cancelEndsRead();
    void deadlineEndsRead_data();
    void deadlineEndsRead();
    void peerCloseIsEndOfStream_data();
    void peerCloseIsEndOfStream();
    void bytesThenEnd_data();
    void bytesThenEnd();
};

void TestTimedSocket::init() {
    if (!kReadinessTracked) QSKIP("reads are Asio's own on this platform");
}

void TestTimedSocket::readsWhatArrives_data() {
    QTest::addColumn<bool>("drainedBefore"); // a previous read drained the socket
    QTest::addColumn<bool>("sentFirst");     // else the read is waiting when the bytes come
    QTest::addColumn<int>("size");           // bytes sent; the read asks for 256
    QTest::newRow("new socket, bytes already there") << false << true << 18;
    QTest::newRow("new socket, bytes come later") << false << false << 18;
    QTest::newRow("drained socket, bytes already there") << true << true << 18;
    QTest::newRow("drained socket, bytes come later") << true << false << 18;
    QTest::newRow("new socket, more than the read takes") << false << true << 300;
    QTest::newRow("drained socket, more than the read takes, later") << true << false << 300;
    QTest::newRow("exactly what the read takes") << false << true << 256;
}

void TestTimedSocket::readsWhatArrives() {
    QFETCH(bool, drainedBefore);
    QFETCH(bool, sentFirst);
    QFETCH(int, size);
    Pair p;
    QVERIFY(p.readable()); // a new socket is tried
    if (drainedBefore) QVERIFY(drain(p));
    std::string bytes;
    for (int i = 0; i < size; ++i)
        bytes += static_cast<char>('a' + i % 26);
    if (sentFirst) {
        p.send(bytes);
        p.letReactorPoll(); // as in drain()
        QVERIFY(p.readable());
    }
    auto r = startRead(*p.ours);
    if (!sentFirst) {
        // The read finds nothing and waits before the bytes are sent.
        p.ioc.restart();
        p.ioc.poll();
        QVERIFY(!r->done);
        QVERIFY(!p.readable());
        p.send(bytes);
    }
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QVERIFY2(!r->ec, qPrintable(QString::fromStdString(r->ec.message())));
    const std::size_t first = std::min<std::size_t>(bytes.size(), 256);
    QCOMPARE(QString::fromStdString(r->bytes), QString::fromStdString(bytes.substr(0, first)));
    // Fewer bytes than asked for: drained, not tried again until epoll reports more. A full
    // read may have left some behind.
    QCOMPARE(p.readable(), first == 256);
    if (bytes.size() > first) QVERIFY(readsExactly(p, bytes.substr(first)));
    if (first == 256 && bytes.size() == first) {
        // Nothing left, but the read could not know: the next one finds nothing, then waits.
        auto next = startRead(*p.ours);
        p.ioc.restart();
        p.ioc.poll();
        QVERIFY(!next->done);
    }
    QVERIFY(!p.readable());
}

void TestTimedSocket::bytesBetweenReads_data() {
    QTest::addColumn<bool>("reactorPolls"); // the reactor polls between the arrival and the read
    QTest::newRow("the read comes first") << false;
    QTest::newRow("the reactor sees them first") << true;
}

void TestTimedSocket::bytesBetweenReads() {
    // Bytes that arrive on a drained socket while no read is pending are not lost: epoll keeps
    // reporting them until the reactor has seen them.
    QFETCH(bool, reactorPolls);
    Pair p;
    QVERIFY(drain(p));
    p.send("second");
    if (reactorPolls) {
        p.letReactorPoll();
        QVERIFY(p.readable());
    } else {
        QVERIFY(!p.readable());
    }
    QVERIFY(readsExactly(p, "second"));
    QVERIFY(!p.readable());
}

void TestTimedSocket::cancelEndsRead_data() {
    QTest::addColumn<bool>("drainedBefore");
    QTest::newRow("waiting after finding nothing") << false;
    QTest::newRow("waiting on a drained socket") << true;
}

void TestTimedSocket::cancelEndsRead() {
    QFETCH(bool, drainedBefore);
    Pair p;
    if (drainedBefore) QVERIFY(drain(p));
    auto r = startRead(*p.ours);
    p.ioc.restart();
    p.ioc.poll();
    QVERIFY(!r->done);
    p.ours->cancel();
    // Bytes sent after the cancel must not be taken by the cancelled read.
    p.send("late");
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QCOMPARE(r->ec, error_code(asio::error::operation_aborted));
    QVERIFY(r->bytes.empty());
    // The socket still works: the next read gets the bytes.
    QVERIFY(readsExactly(p, "late"));
}

void TestTimedSocket::deadlineEndsRead_data() {
    QTest::addColumn<bool>("drainedBefore");
    QTest::newRow("new socket") << false;
    QTest::newRow("drained socket") << true;
}

void TestTimedSocket::deadlineEndsRead() {
    QFETCH(bool, drainedBefore);
    Pair p;
    if (drainedBefore) QVERIFY(drain(p));
    p.ours->expires_after(std::chrono::milliseconds(50));
    auto r = startRead(*p.ours);
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QVERIFY(r->ec);
    QVERIFY(p.ours->expired());
}

void TestTimedSocket::peerCloseIsEndOfStream_data() {
    QTest::addColumn<bool>("drainedBefore");
    QTest::addColumn<bool>("closedFirst");
    QTest::newRow("new socket, closed before the read") << false << true;
    QTest::newRow("new socket, closed while waiting") << false << false;
    QTest::newRow("drained socket, closed before the read") << true << true;
    QTest::newRow("drained socket, closed while waiting") << true << false;
}

void TestTimedSocket::peerCloseIsEndOfStream() {
    QFETCH(bool, drainedBefore);
    QFETCH(bool, closedFirst);
    Pair p;
    if (drainedBefore) QVERIFY(drain(p));
    if (closedFirst) p.peer->close();
    auto r = startRead(*p.ours);
    if (!closedFirst) {
        p.ioc.restart();
        p.ioc.poll();
        QVERIFY(!r->done);
        p.peer->close();
    }
    runUntil(p.ioc, *r);
    QVERIFY(r->done);
    QCOMPARE(r->ec, error_code(asio::error::eof));
    QVERIFY(!p.ours->expired());
    if (closedFirst && !drainedBefore) {
        // Found by the read itself: a read after the end ends at once too.
        auto again = startRead(*p.ours);
        runUntil(p.ioc, *again);
        QCOMPARE(again->ec, error_code(asio::error::eof));
    }
}

void TestTimedSocket::bytesThenEnd_data() {
    QTest::addColumn<bool>("drainedBefore");
    QTest::addColumn<bool>("reactorPolls"); // epoll reports bytes and end before the read
    QTest::newRow("new socket") << false << true;
    QTest::newRow("drained socket") << true << true;
    QTest::newRow("drained socket, the read comes first") << true << false;
}

void TestTimedSocket::bytesThenEnd() {
    // The peer's last bytes and its close arrive together: the read that takes the bytes got
    // fewer than it asked for, yet the end is still to be read, and epoll may not report it
    // again. The next read must see it, not wait for the deadline.
    QFETCH(bool, drainedBefore);
    QFETCH(bool, reactorPolls);
    Pair p;
    if (drainedBefore) QVERIFY(drain(p));
    p.send("last");
    p.peer->close();
    if (reactorPolls) p.letReactorPoll();
    QVERIFY(readsExactly(p, "last"));
    auto end = startRead(*p.ours);
    runUntil(p.ioc, *end);
    QVERIFY2(end->done, "the end was not read");
    QCOMPARE(end->ec, error_code(asio::error::eof));
}

QTEST_GUILESS_MAIN(TestTimedSocket)
#include "tst_timed_socket.moc"
