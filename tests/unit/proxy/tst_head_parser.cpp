// HeadParser and ReceivedHead: Beast's parser writing request heads into the connection's arena and
// bodies into the caller's buffer. Each message is fed in pieces of a given size through a
// buffer that is scribbled over once consumed (as a session's read buffer is reused), with a
// body buffer of a given size (so that need_buffer hands the body over in several parts).
#include "proxy/head_parser.h"

#include <QtTest>
#include <boost/asio/buffer.hpp>
#include <vector>

using portico::proxy::Arena;
using portico::proxy::HeadParser;
using portico::proxy::ReceivedHead;
namespace http = boost::beast::http;

namespace {

struct Parsed {
    QStringList fields; // "Name: value", in arrival order
    QByteArray body;
    QString error; // empty when the message parsed whole
};

template <bool isRequest>
Parsed feed(HeadParser<isRequest>& p, const QByteArray& raw, int piece, int bodyBuffer) {
    Parsed out;
    std::string pending; // what the parser has not consumed yet
    std::vector<char> buf(static_cast<std::size_t>(bodyBuffer));
    qsizetype offered = 0;
    bool needMore = true;
    boost::system::error_code ec;
    for (int guard = 0; !p.is_done() && guard < 100000; ++guard) {
        if (needMore) {
            if (offered == raw.size()) {
                p.put_eof(ec);
                if (ec) out.error = QString::fromStdString(ec.message());
                break;
            }
            const auto n = std::min<qsizetype>(piece, raw.size() - offered);
            pending.append(raw.constData() + offered, static_cast<std::size_t>(n));
            offered += n;
        }
        p.get().body().data = buf.data();
        p.get().body().size = buf.size();
        const std::size_t used = p.put(boost::asio::buffer(pending), ec);
        out.body.append(buf.data(), static_cast<qsizetype>(buf.size() - p.get().body().size));
        // What was consumed is gone: anything still pointing at it reads garbage.
        std::fill_n(pending.begin(), used, '#');
        pending.erase(0, used);
        needMore = ec == http::error::need_more || (!ec && used == 0) || pending.empty();
        if (ec == http::error::need_more || ec == http::error::need_buffer) ec = {};
        if (ec) {
            out.error = QString::fromStdString(ec.message());
            break;
        }
    }
    for (const auto& f : p.get())
        out.fields << QString::fromStdString(std::string(f.name_string()) + ": " +
                                             std::string(f.value()));
    return out;
}

QByteArray manyFields(int n) {
    QByteArray head = "GET /many HTTP/1.1\r\nHost: example.com\r\n";
    for (int i = 0; i < n; ++i)
        head += "X-Field-" + QByteArray::number(i) + ": value " + QByteArray::number(i) + "\r\n";
    return head + "\r\n";
}

} // namespace

class TestHeadParser : public QObject {
    Q_OBJECT
private slots:
    void request_data();
    void request();
    void lookups();
};

void TestHeadParser::request_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("piece");
    QTest::addColumn<int>("bodyBuffer");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QStringList>("fields");
    QTest::addColumn<QByteArray>("body");

    const QByteArray get = "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
    const QStringList getFields{"Host: example.com", "Accept: */*"};
    for (const int piece : {1, 7, 4096})
        QTest::addRow("get, pieces of %d", piece) << get << piece << 64 << "GET"
                                                  << "/a/b?c=d" << getFields << QByteArray();

    // Repeated names stay separate and in order, with the case they were sent in.
    QTest::newRow("repeated names")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nX-A: 3\r\n\r\n") << 5 << 64
        << "GET"
        << "/" << QStringList{"Host: h", "X-A: 1", "x-a: 2", "X-A: 3"} << QByteArray();

    // Past the first array of fields and its first doubling.
    QStringList many{"Host: example.com"};
    for (int i = 0; i < 40; ++i)
        many << QString("X-Field-%1: value %1").arg(i);
    QTest::newRow("40 fields") << manyFields(40) << 13 << 64 << "GET"
                               << "/many" << many << QByteArray();

    QByteArray payload;
    for (int i = 0; i < 1000; ++i)
        payload += char('a' + i % 26);
    QTest::newRow("length body, small buffer")
        << "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + payload << 7 << 64
        << "POST"
        << "/upload" << QStringList{"Host: h", "Content-Length: 1000"} << payload;
    QTest::newRow("chunked body, chunk larger than the buffer")
        << QByteArray("PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "a;ext=1\r\n0123456789\r\n3\r\nxyz\r\n0\r\n\r\n")
        << 3 << 4 << "PUT"
        << "/c" << QStringList{"Host: h", "Transfer-Encoding: chunked"}
        << QByteArray("0123456789xyz");
    QTest::newRow("unknown method")
        << QByteArray("PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n") << 4096 << 64 << "PURGE"
        << "/x" << QStringList{"Host: h"} << QByteArray();
}

void TestHeadParser::request() {
    QFETCH(QByteArray, raw);
    QFETCH(int, piece);
    QFETCH(int, bodyBuffer);
    QFETCH(QString, method);
    QFETCH(QString, target);
    QFETCH(QStringList, fields);
    QFETCH(QByteArray, body);

    Arena arena(256); // small: long heads spill over into the arena's heap blocks
    HeadParser<true> p(arena);
    p.eager(true);
    const Parsed got = feed(p, raw, piece, bodyBuffer);
    QCOMPARE(got.error, QString());
    QVERIFY(p.is_done());
    QCOMPARE(QString::fromStdString(std::string(p.get().method_string())), method);
    QCOMPARE(QString::fromStdString(std::string(p.get().target())), target);
    QCOMPARE(p.get().version(), 11u);
    QCOMPARE(got.fields, fields);
    QCOMPARE(got.body, body);
}

// find() and operator[] give the first field of a name, by enum or by any case of its text;
// absent names give end() and an empty value.
void TestHeadParser::lookups() {
    Arena arena(4096);
    HeadParser<true> p(arena);
    feed(p,
         "GET / HTTP/1.1\r\nHost: first\r\nX-Custom: one\r\nhost: second\r\nx-custom: two\r\n"
         "Connection: keep-alive\r\n\r\n",
         4096, 16);
    const ReceivedHead& h = p.get();
    QCOMPARE(h.size(), 5u);
    QCOMPARE(h[http::field::host], std::string_view("first"));
    QCOMPARE(h.find(http::field::host)->name_string(), std::string_view("Host"));
    QCOMPARE(h.find("HOST")->value(), std::string_view("first"));
    QCOMPARE(h.find("x-CUSTOM")->value(), std::string_view("one"));
    QCOMPARE(h.find("X-Custom")->name(), http::field::unknown);
    QCOMPARE(h.find(http::field::connection)->value(), std::string_view("keep-alive"));
    QVERIFY(h.find("X-Absent") == h.end());
    QVERIFY(h.find(http::field::upgrade) == h.end());
    QVERIFY(h[http::field::upgrade].empty());
}

QTEST_APPLESS_MAIN(TestHeadParser)
#include "tst_head_parser.moc"
