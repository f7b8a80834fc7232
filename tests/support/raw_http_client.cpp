#include "support/raw_http_client.h"

#include <QDeadlineTimer>
#include <QLocalSocket>
#include <QTcpSocket>

namespace portico::test {

namespace {

bool waitForMore(QIODevice& dev, QDeadlineTimer& deadline) {
    if (auto* l = qobject_cast<QLocalSocket*>(&dev)) {
        if (l->state() != QLocalSocket::ConnectedState && l->bytesAvailable() == 0) return false;
        return l->waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
    }
    auto* t = qobject_cast<QTcpSocket*>(&dev);
    if (t->state() != QAbstractSocket::ConnectedState && t->bytesAvailable() == 0) return false;
    return t->waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
}

bool isOpen(QIODevice& dev) {
    if (auto* l = qobject_cast<QLocalSocket*>(&dev))
        return l->state() == QLocalSocket::ConnectedState;
    return qobject_cast<QTcpSocket*>(&dev)->state() == QAbstractSocket::ConnectedState;
}

} // namespace

RawHttpClient RawHttpClient::unixSocket(const QString& path) {
    RawHttpClient c;
    c.m_path = path;
    return c;
}

RawHttpClient RawHttpClient::tcp(quint16 port) {
    RawHttpClient c;
    c.m_port = port;
    return c;
}

std::unique_ptr<QIODevice> RawHttpClient::open(const QByteArray& bytes, int timeoutMs) const {
    std::unique_ptr<QIODevice> dev;
    if (!m_path.isEmpty()) {
        auto s = std::make_unique<QLocalSocket>();
        s->connectToServer(m_path);
        if (!s->waitForConnected(timeoutMs)) return nullptr;
        s->write(bytes);
        s->waitForBytesWritten(timeoutMs);
        dev = std::move(s);
    } else {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QStringLiteral("127.0.0.1"), m_port);
        if (!s->waitForConnected(timeoutMs)) return nullptr;
        s->write(bytes);
        s->waitForBytesWritten(timeoutMs);
        dev = std::move(s);
    }
    return dev;
}

HttpReply RawHttpClient::readReply(QIODevice& dev, int timeoutMs) {
    // Reads exactly one reply and leaves whatever follows (a pipelined reply) in the device.
    HttpReply reply;
    QDeadlineTimer deadline(timeoutMs);
    auto more = [&] { return !deadline.hasExpired() && waitForMore(dev, deadline); };
    auto readUntil = [&](const QByteArray& delim, QByteArray& out) -> bool {
        for (;;) {
            const QByteArray have = dev.peek(dev.bytesAvailable());
            const int at = have.indexOf(delim);
            if (at >= 0) {
                out = dev.read(at + delim.size());
                return true;
            }
            if (!more()) return false;
        }
    };
    auto readExactly = [&](qint64 n, QByteArray& out) -> bool {
        while (dev.bytesAvailable() < n)
            if (!more()) break;
        out = dev.read(n);
        return out.size() == n;
    };
    QByteArray head;
    for (;;) {
        if (!readUntil("\r\n\r\n", head)) {
            reply.closed = !isOpen(dev);
            return reply;
        }
        if (!head.startsWith("HTTP/1.1 1")) break; // skip interim 1xx replies (100 Continue)
    }
    const QList<QByteArray> lines = head.left(head.size() - 4).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    reply.status = statusLine.value(1).toInt();
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const int colon = line.indexOf(':');
        if (colon > 0)
            reply.headers.insert(line.left(colon).toLower(), line.mid(colon + 1).trimmed());
    }
    const bool noBody = reply.status == 204 || reply.status == 304;
    if (noBody) {
        reply.body.clear();
    } else if (reply.headers.contains("content-length")) {
        readExactly(reply.headers.value("content-length").toLongLong(), reply.body);
    } else if (reply.headers.value("transfer-encoding").toLower() == "chunked") {
        for (;;) {
            QByteArray sizeLine, data, crlf;
            if (!readUntil("\r\n", sizeLine)) break;
            const int size = sizeLine.trimmed().toInt(nullptr, 16);
            if (size == 0) {
                readUntil("\r\n", crlf); // end of the (empty) trailer section
                break;
            }
            if (!readExactly(size, data) || !readExactly(2, crlf)) break;
            reply.body += data;
        }
    } else {
        while (more()) {
        }
        reply.body = dev.readAll();
    }
    if (reply.headers.value("connection").toLower() == "close") {
        // The server promised to close: wait for it, so `closed` reports what it did.
        QDeadlineTimer closeDeadline(2000);
        while (isOpen(dev) && !closeDeadline.hasExpired())
            waitForMore(dev, closeDeadline);
    }
    reply.closed = !isOpen(dev);
    return reply;
}

HttpReply RawHttpClient::raw(const QByteArray& bytes, int timeoutMs) const {
    auto dev = open(bytes, timeoutMs);
    if (!dev) return {};
    return readReply(*dev, timeoutMs);
}

HttpReply RawHttpClient::request(const QByteArray& method, const QByteArray& target,
                                 const QByteArray& body,
                                 const QMap<QByteArray, QByteArray>& headers, int timeoutMs) const {
    QByteArray out = method + " " + target + " HTTP/1.1\r\n";
    bool hasHost = false, hasLength = false;
    for (auto it = headers.begin(); it != headers.end(); ++it) {
        out += it.key() + ": " + it.value() + "\r\n";
        hasHost = hasHost || it.key().toLower() == "host";
        hasLength = hasLength || it.key().toLower() == "content-length";
    }
    if (!hasHost) out += "Host: localhost\r\n";
    if (!body.isEmpty() && !hasLength)
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + body;
    return raw(out, timeoutMs);
}

HttpReply RawHttpClient::json(const QByteArray& method, const QByteArray& target,
                              const nlohmann::json& body,
                              const QMap<QByteArray, QByteArray>& headers) const {
    auto h = headers;
    h.insert("Content-Type", "application/json");
    return request(method, target, QByteArray::fromStdString(body.dump()), h);
}

HttpReply RawHttpClient::form(const QByteArray& method, const QByteArray& target,
                              const QByteArray& body) const {
    return request(method, target, body, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

} // namespace portico::test
