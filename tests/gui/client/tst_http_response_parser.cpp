// The console's response parser on the framings the Admin API uses and on broken input, fed
// whole and one byte at a time.
#include "client/http_response_parser.h"

#include <QtTest>

using portico::gui::HttpResponseParser;

class TestHttpResponseParser : public QObject {
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
};

void TestHttpResponseParser::parse_data() {
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("eof");   // the connection closes after the bytes
    QTest::addColumn<int>("status"); // 0: a parse error is expected
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<int>("leftover"); // bytes that belong to the next response

    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false << 200
        << QByteArray("hello") << true << 0;
    QTest::newRow("chunked") << QByteArray(
                                    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                             << false << 201 << QByteArray("abcde") << true << 0;
    QTest::newRow("close-delimited (event stream)")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nevent: x\ndata: 1\n\n") << true
        << 200 << QByteArray("event: x\ndata: 1\n\n") << false << 0;
    QTest::newRow("no body") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << 204
                             << QByteArray() << true << 0;
    QTest::newRow("pipelined next response kept")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\n")
        << false << 200 << QByteArray("ok") << true << 24;
    QTest::newRow("bad status line")
        << QByteArray("HTTP/1.1 abc OK\r\n\r\n") << false << 0 << QByteArray() << false << 0;
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false << 0
        << QByteArray() << false << 0;
    QTest::newRow("body cut short")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << true << 0
        << QByteArray("abc") << false << 0;
}

void TestHttpResponseParser::parse() {
    QFETCH(QByteArray, wire);
    QFETCH(bool, eof);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(int, leftover);
    for (const bool byteByByte : {false, true}) {
        HttpResponseParser p;
        QByteArray buffer, got;
        for (qsizetype i = 0; i < wire.size(); i += byteByByte ? 1 : wire.size()) {
            buffer += wire.mid(i, byteByByte ? 1 : wire.size());
            buffer.remove(0, p.feed(buffer));
            got += p.takeBody();
            if (p.done() || p.failed()) {
                buffer += wire.mid(i + (byteByByte ? 1 : wire.size()));
                break;
            }
        }
        if (eof && !p.done()) p.feedEof();
        got += p.takeBody();
        if (status == 0) {
            QVERIFY2(p.failed(), byteByByte ? "byte by byte" : "whole");
            continue;
        }
        QVERIFY2(!p.failed(), qPrintable(p.error()));
        QVERIFY(p.done());
        QCOMPARE(p.head().status, status);
        QCOMPARE(got, body);
        QCOMPARE(p.head().keepAlive, keepAlive);
        QCOMPARE(buffer.size(), leftover);
    }
}

QTEST_APPLESS_MAIN(TestHttpResponseParser)
#include "tst_http_response_parser.moc"
