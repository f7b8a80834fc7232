// UpstreamResponseParser, differentially: each response is parsed by it and by Beast's own
// response_parser (with basic_fields and a string body) from the same bytes, fed in pieces of
// several sizes through a read buffer that is scribbled over once consumed and into a small body
// buffer. Where both accept, they must agree on everything a proxy acts on: status, reason,
// fields, body bytes, where the message ended, framing and keep-alive. Where this parser is
// stricter by design, the rows say which error it gives and that Beast accepts. A seeded mutation
// run then checks the property that matters for smuggling: whatever this parser accepts, Beast
// frames the same way.
#include "proxy/upstream_response_parser.h"

#include <QtTest>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <random>
#include <vector>

using portico::proxy::Arena;
using portico::proxy::UpstreamResponseParser;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kLimit = 32 * 1024;

struct Outcome {
    QString error; // empty when the message parsed whole
    unsigned status = 0;
    QString reason;
    QStringList fields; // "Name: value", in arrival order
    QByteArray body;
    qsizetype used = 0; // bytes of the input the message took
    bool keepAlive = false;
    bool chunked = false;
    qint64 length = -1;

    bool operator==(const Outcome&) const = default;
};

// basic_fields keeps the fields of one name together (a repeated name joins the first); the
// order within one name is the order of arrival in both.
QStringList byName(QStringList fields) {
    std::stable_sort(fields.begin(), fields.end(), [](const QString& a, const QString& b) {
        return a.section(':', 0, 0).compare(b.section(':', 0, 0), Qt::CaseInsensitive) < 0;
    });
    return fields;
}

// Either parser's fields as "Name: value" lines, by name (see byName()).
template <class Fields> QStringList fieldLines(const Fields& fields) {
    QStringList lines;
    for (const auto& f : fields)
        lines << QString::fromLatin1(std::string(f.name_string()) + ": " + std::string(f.value()));
    return byName(lines);
}

QString describe(const Outcome& o) {
    if (!o.error.isEmpty()) return "error: " + o.error;
    return QString("%1 '%2' [%3] body %4 (%5 bytes) used %6 keep-alive %7 chunked %8 length %9")
        .arg(o.status)
        .arg(o.reason, o.fields.join(" | "), QString::fromLatin1(o.body.toPercentEncoding()))
        .arg(o.body.size())
        .arg(o.used)
        .arg(o.keepAlive)
        .arg(o.chunked)
        .arg(o.length);
}

// Ours: the body goes into a caller's buffer of `bodyBuffer` bytes at a time.
Outcome parseOurs(const QByteArray& raw, int piece, int bodyBuffer, bool head) {
    Arena arena(512);
    UpstreamResponseParser p(arena, kLimit);
    if (head) p.skipBody();
    Outcome out;
    std::string pending;
    std::vector<char> buf(static_cast<std::size_t>(bodyBuffer));
    qsizetype offered = 0;
    bool needMore = true;
    boost::system::error_code ec;
    for (int guard = 0; !p.is_done() && guard < 1000000; ++guard) {
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
        const std::size_t used = p.put(pending.data(), pending.size(), ec);
        out.body.append(buf.data(), static_cast<qsizetype>(buf.size() - p.get().body().size));
        std::fill_n(pending.begin(), used, '#'); // consumed input is gone
        pending.erase(0, used);
        out.used += static_cast<qsizetype>(used);
        needMore = ec == http::error::need_more || (!ec && used == 0) || pending.empty();
        if (ec == http::error::need_more || ec == http::error::need_buffer) ec = {};
        if (ec) {
            out.error = QString::fromStdString(ec.message());
            return out;
        }
    }
    if (!out.error.isEmpty()) return out;
    const auto& h = p.get();
    out.status = h.result_int();
    out.reason = QString::fromLatin1(h.reason().data(), static_cast<qsizetype>(h.reason().size()));
    out.fields = fieldLines(h);
    out.keepAlive = p.keep_alive();
    out.chunked = p.chunked();
    out.length = p.contentLength() ? static_cast<qint64>(*p.contentLength()) : -1;
    return out;
}

// Beast's, fed the same way.
Outcome parseBeast(const QByteArray& raw, int piece, bool head) {
    http::response_parser<http::string_body> p;
    p.header_limit(kLimit);
    p.body_limit(boost::none);
    // Not eager until the head is in: put() returns after it, before any trailer joins it.
    p.eager(false);
    if (head) p.skip(true);
    Outcome out;
    std::string pending;
    qsizetype offered = 0;
    bool needMore = true;
    boost::system::error_code ec;
    for (int guard = 0; !p.is_done() && guard < 1000000; ++guard) {
        if (needMore) {
            if (offered == raw.size()) {
                if (p.got_some())
                    p.put_eof(ec);
                else
                    ec = http::error::end_of_stream;
                if (ec) out.error = QString::fromStdString(ec.message());
                break;
            }
            const auto n = std::min<qsizetype>(piece, raw.size() - offered);
            pending.append(raw.constData() + offered, static_cast<std::size_t>(n));
            offered += n;
        }
        const bool headerBefore = p.is_header_done();
        const std::size_t used = p.put(boost::asio::buffer(pending), ec);
        // The head's fields; trailers join them later, and a proxy drops them.
        if (!headerBefore && p.is_header_done()) {
            p.eager(true);
            out.fields = fieldLines(p.get());
        }
        pending.erase(0, used);
        out.used += static_cast<qsizetype>(used);
        needMore = ec == http::error::need_more || (!ec && used == 0) || pending.empty();
        if (ec == http::error::need_more) ec = {};
        if (ec) {
            out.error = QString::fromStdString(ec.message());
            return out;
        }
    }
    if (!out.error.isEmpty()) return out;
    const auto& m = p.get();
    out.status = m.result_int();
    // basic_fields gives a status's usual reason for an empty one.
    if (m.reason() != http::obsolete_reason(m.result()) ||
        !raw.contains(" " + QByteArray::number(m.result_int()) + " \r\n"))
        out.reason =
            QString::fromLatin1(m.reason().data(), static_cast<qsizetype>(m.reason().size()));
    out.body = QByteArray::fromStdString(m.body());
    out.keepAlive = p.keep_alive();
    out.chunked = p.chunked();
    out.length = p.content_length() ? static_cast<qint64>(*p.content_length()) : -1;
    return out;
}

const QByteArray kOk = "HTTP/1.1 200 OK\r\n";

} // namespace

class TestUpstreamResponseParser : public QObject {
    Q_OBJECT
private slots:
    void agrees_data();
    void agrees();
    void stricter_data();
    void stricter();
    void mutations();
    void names();
};

// Rows both parsers must read the same way, valid or not.
void TestUpstreamResponseParser::agrees_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("head"); // the answer to a HEAD request
    QTest::addColumn<bool>("fails");

    QByteArray big;
    for (int i = 0; i < 3000; ++i)
        big += char('a' + i % 26);
    auto ok = [](const char* name, const QByteArray& raw, bool head = false) {
        QTest::newRow(name) << raw << head << false;
    };
    auto bad = [](const char* name, const QByteArray& raw) {
        QTest::newRow(name) << raw << false << true;
    };
    ok("length", kOk + "Server: up\r\nContent-Length: 5\r\n\r\nhello");
    ok("length, then more", kOk + "Content-Length: 5\r\n\r\nhelloEXTRA BYTES");
    ok("zero length", kOk + "Content-Length: 0\r\n\r\n");
    ok("large length", kOk + "Content-Length: 3000\r\n\r\n" + big);
    ok("equal lengths in a list", kOk + "Content-Length: 5, 5\r\n\r\nhello");
    ok("equal lengths in two fields", kOk + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
    ok("chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n");
    ok("chunked, upper-case hex and extensions",
       kOk + "Transfer-Encoding: Chunked\r\n\r\n1A;name=value\r\n" + big.left(26) +
           "\r\n000\r\n\r\n");
    ok("chunked, leading zeros",
       kOk + "Transfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n0\r\n\r\n");
    ok("chunked, big chunk",
       kOk + "Transfer-Encoding: chunked\r\n\r\nbb8\r\n" + big + "\r\n0\r\n\r\n");
    ok("chunked after another coding",
       kOk + "Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
    ok("codings over two fields",
       kOk + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
    ok("close-delimited", "HTTP/1.0 404 \r\nX-Up: 1\r\n\r\nnot here");
    ok("close-delimited 1.1", kOk + "X-Up: 1\r\n\r\n" + big);
    ok("not chunked coding: to the end", kOk + "Transfer-Encoding: gzip\r\n\r\nabc");
    ok("1.0 keep-alive",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
    ok("1.1 close", kOk + "Connection: close\r\nContent-Length: 2\r\n\r\nok");
    ok("connection list",
       kOk + "Connection: Keep-Alive, X-Foo , close\r\nContent-Length: 0\r\n\r\n");
    ok("204 ignores length", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
    ok("304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
    ok("100 continue", "HTTP/1.1 100 Continue\r\n\r\n");
    ok("101",
       "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n");
    ok("HEAD answer keeps its length", kOk + "Content-Length: 100\r\n\r\n", true);
    ok("HEAD answer, chunked", kOk + "Transfer-Encoding: chunked\r\n\r\n", true);
    ok("value whitespace trimmed",
       kOk + "X-A:   spaced value \t \r\nX-B:\r\nContent-Length: 0\r\n\r\n");
    ok("obs-text", kOk + "X-A: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n");
    ok("reason with tabs and text", "HTTP/1.1 599 Odd\treason \xff\r\nContent-Length: 0\r\n\r\n");
    ok("many fields", kOk + QByteArray("X-F: v\r\n").repeated(300) + "Content-Length: 0\r\n\r\n");
    ok("trailers",
       kOk + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n");

    bad("bare LF in the head", "HTTP/1.1 200 OK\nContent-Length: 0\n\n");
    bad("bare LF after a field", kOk + "X-A: 1\nContent-Length: 0\r\n\r\n");
    bad("bare CR in a value", kOk + "X: a\rb\r\nContent-Length: 0\r\n\r\n");
    bad("NUL in a value", kOk + QByteArray("X: a\0b\r\nContent-Length: 0\r\n\r\n", 29));
    bad("DEL in a value", kOk + "X: a\x7f\r\nContent-Length: 0\r\n\r\n");
    bad("space before the colon", kOk + "Content-Length : 5\r\n\r\nhello");
    bad("no colon", kOk + "Content-Length 5\r\n\r\nhello");
    bad("empty name", kOk + ": 5\r\n\r\n");
    bad("HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    bad("lower-case version", "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    bad("two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n");
    bad("no space after status", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
    bad("letters in status", "HTTP/1.1 2x0 OK\r\n\r\n");
    bad("CL+TE", kOk + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    bad("TE+CL", kOk + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
    bad("lengths differ", kOk + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    bad("lengths differ in a list", kOk + "Content-Length: 5, 6\r\n\r\nhello!");
    bad("negative length", kOk + "Content-Length: -1\r\n\r\n");
    bad("hex length", kOk + "Content-Length: 0x5\r\n\r\nhello");
    bad("length overflows", kOk + "Content-Length: 99999999999999999999999\r\n\r\n");
    bad("empty length", kOk + "Content-Length: \r\n\r\n");
    bad("empty element in length", kOk + "Content-Length: 5,\r\n\r\nhello");
    bad("chunked twice",
        kOk + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    bad("invalid chunk size", kOk + "Transfer-Encoding: chunked\r\n\r\nZ\r\n");
    bad("chunk size overflows",
        kOk + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx\r\n0\r\n\r\n");
    bad("chunk without CRLF after data",
        kOk + "Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n");
    bad("chunk size with bare LF", kOk + "Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n");
    bad("chunked cut short", kOk + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel");
    bad("length cut short", kOk + "Content-Length: 100\r\n\r\n0123456789");
    bad("head cut short", kOk + "Content-Length: 5\r\n");
    bad("nothing", QByteArray());
    bad("chunked, then another coding field",
        kOk + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n");
    // After a data chunk: Beast 1.81 asserts (Debug builds only) when a body's first chunk is
    // its last and the trailer arrives a byte at a time.
    bad("control character in a trailer",
        kOk + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: a\x01\r\n\r\n");
    bad("chunk size, then junk",
        kOk + "Transfer-Encoding: chunked\r\n\r\n5 junk\r\nhello\r\n0\r\n\r\n");
    bad("bad Connection token", kOk + "Connection: clo(se\r\nContent-Length: 0\r\n\r\n");
    bad("huge head", kOk + "X-Big: " + QByteArray(40000, 'a') + "\r\n\r\n");
}

void TestUpstreamResponseParser::agrees() {
    QFETCH(QByteArray, raw);
    QFETCH(bool, head);
    QFETCH(bool, fails);
    for (const int piece : {1, 3, 7, 64, 1 << 20}) {
        const Outcome beast = parseBeast(raw, piece, head);
        QCOMPARE(beast.error.isEmpty(), !fails);
        for (const int bodyBuffer : {3, 4096}) {
            const Outcome ours = parseOurs(raw, piece, bodyBuffer, head);
            if (fails) {
                if (ours.error.isEmpty())
                    QFAIL(qPrintable(
                        QString("piece %1: accepted: %2").arg(piece).arg(describe(ours))));
                continue;
            }
            if (!(ours == beast))
                QFAIL(qPrintable(QString("piece %1, body buffer %2:\n ours:  %3\n beast: %4")
                                     .arg(piece)
                                     .arg(bodyBuffer)
                                     .arg(describe(ours), describe(beast))));
        }
    }
}

// What this parser refuses and Beast accepts (see upstream_response_parser.h).
void TestUpstreamResponseParser::stricter_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("error");

    QTest::newRow("obs-fold") << kOk + "X-A: one\r\n two\r\nContent-Length: 0\r\n\r\n"
                              << int(http::error::bad_field);
    QTest::newRow("obs-fold with tab") << kOk + "X-A: one\r\n\ttwo\r\nContent-Length: 0\r\n\r\n"
                                       << int(http::error::bad_field);
    QTest::newRow("other coding, then length")
        << kOk + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"
        << int(http::error::bad_content_length);
    QTest::newRow("chunked not last") << kOk + "Transfer-Encoding: chunked, gzip\r\n\r\nabc"
                                      << int(http::error::bad_transfer_encoding);
    QTest::newRow("status below 100") << QByteArray("HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n")
                                      << int(http::error::bad_status);
}

void TestUpstreamResponseParser::stricter() {
    QFETCH(QByteArray, raw);
    QFETCH(int, error);
    for (const int piece : {1, 1 << 20}) {
        const Outcome ours = parseOurs(raw, piece, 64, false);
        QCOMPARE(ours.error,
                 QString::fromStdString(http::make_error_code(http::error(error)).message()));
    }
    const Outcome beast = parseBeast(raw, 1 << 20, false);
    // Beast's reading of it, for the record: it accepts.
    QVERIFY2(beast.error.isEmpty(), qPrintable(beast.error));
}

// Seeded mutations of valid responses (bytes replaced, inserted or removed, from a set that
// matters to framing): whenever this parser accepts one, Beast accepts it too and reads the same
// message, body and end; and this parser reads it the same whatever the piece size.
void TestUpstreamResponseParser::mutations() {
    const QList<QByteArray> seeds{
        kOk + "Server: up\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhelloNEXT",
        kOk + "Transfer-Encoding: chunked\r\nX-A: b\r\n\r\n5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nT: "
              "1\r\n\r\nNEXT",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0, 0\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
        // Long text, scanned eight bytes at a time.
        "HTTP/1.1 200 A reason phrase of some length\r\nX-Long: abcdefghijklmnopqrstuvwxyz "
        "0123456789 abcdefghijklmnop\r\nContent-Length: 3\r\n\r\nabc",
    };
    const QList<QByteArray> pieces{"\r",
                                   "\n",
                                   "\r\n",
                                   " ",
                                   "\t",
                                   ":",
                                   ",",
                                   ";",
                                   "0",
                                   "9",
                                   "a",
                                   "-",
                                   QByteArray(1, '\0'),
                                   "\x7f",
                                   "\xff",
                                   "chunked",
                                   "Content-Length: 1\r\n",
                                   "Transfer-Encoding: chunked\r\n"};
    std::mt19937 rng(20261128);
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray raw = seeds[static_cast<int>(rng() % seeds.size())];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            const auto at = static_cast<qsizetype>(rng() % raw.size());
            const QByteArray& piece = pieces[static_cast<int>(rng() % pieces.size())];
            switch (rng() % 3) {
            case 0:
                raw.replace(at, 1, piece);
                break;
            case 1:
                raw.insert(at, piece);
                break;
            default:
                raw.remove(at, 1);
                break;
            }
        }
        const Outcome ours = parseOurs(raw, 1 << 20, 4096, false);
        if (!ours.error.isEmpty()) continue;
        ++accepted;
        const Outcome beast = parseBeast(raw, 1 << 20, false);
        const Outcome byteByByte = parseOurs(raw, 1, 3, false);
        if (!(ours == beast) || !(ours == byteByByte))
            QFAIL(qPrintable(QString("%1\n ours:  %2\n beast: %3\n ours, byte by byte: %4")
                                 .arg(QString::fromLatin1(raw.toPercentEncoding()), describe(ours),
                                      describe(beast), describe(byteByByte))));
    }
    // Enough of them parse for the comparison to mean something.
    QVERIFY2(accepted > 2000, qPrintable(QString::number(accepted)));
}

// Only the framing and hop-by-hop fields carry their enum; find() by enum still finds the others
// (by their text), in any case, first occurrence first.
void TestUpstreamResponseParser::names() {
    Arena arena(4096);
    UpstreamResponseParser p(arena, kLimit);
    const std::string raw =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCONNECTION: Keep-Alive\r\n"
        "content-length: 2\r\nx-te: no\r\nTE: trailers\r\ncontent-type: second\r\n"
        "Keep-alive: timeout=5\r\nUpgrade: none\r\n\r\nok";
    boost::system::error_code ec;
    const std::size_t used = p.put(raw.data(), raw.size(), ec);
    QVERIFY(!ec);
    QCOMPARE(used, raw.size() - 2);
    const auto& h = p.get();
    QCOMPARE(h.size(), 8u);
    const std::vector<http::field> expected{
        http::field::unknown,    http::field::connection, http::field::content_length,
        http::field::unknown,    http::field::te,         http::field::unknown,
        http::field::keep_alive, http::field::upgrade};
    std::size_t i = 0;
    for (const auto& f : h)
        QCOMPARE(f.name(), expected[i++]);
    QCOMPARE(h[http::field::content_type], std::string_view("text/plain"));
    QCOMPARE(h[http::field::connection], std::string_view("Keep-Alive"));
    QCOMPARE(h[http::field::content_length], std::string_view("2"));
    QVERIFY(h.find(http::field::date) == h.end());
    QCOMPARE(h.find("X-TE")->value(), std::string_view("no"));
}

QTEST_APPLESS_MAIN(TestUpstreamResponseParser)
#include "tst_upstream_response_parser.moc"
