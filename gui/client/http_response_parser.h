#pragma once
// A strict HTTP/1.1 response parser for the console's Admin API connections: Beast's parser
// behind a small interface, so that no Boost header reaches the rest of the console. Feed it
// the bytes as they arrive; it reports the head once, then the decoded body bytes (chunked,
// sized or framed by the close), then the end. One response at a time; reset() before the
// next. GUI thread only.

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <memory>

namespace portico::gui {

struct ResponseHead {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names as sent
    bool keepAlive = true;

    // The first value of a header (case-insensitive name), empty when absent.
    QByteArray header(const QByteArray& name) const;
};

class HttpResponseParser {
public:
    HttpResponseParser();
    ~HttpResponseParser();
    HttpResponseParser(const HttpResponseParser&) = delete;
    HttpResponseParser& operator=(const HttpResponseParser&) = delete;

    // Ready for the next response; `headRequest`: its response has no body.
    void reset(bool headRequest = false);

    // Parses from the start of `data` and returns how many bytes belong to this response so
    // far; the caller keeps the rest and calls again with more. Stops at the end of the
    // response or at an error.
    qsizetype feed(const QByteArray& data);
    // The connection closed: ends a body that runs to the close, else an error.
    void feedEof();

    bool headDone() const;
    bool done() const;
    bool failed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }
    const ResponseHead& head() const { return m_head; }
    // Body bytes decoded since the last call.
    QByteArray takeBody();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    ResponseHead m_head;
    bool m_headTaken = false;
    QString m_error;
};

} // namespace portico::gui
