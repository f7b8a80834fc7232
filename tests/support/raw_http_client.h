#pragma once
// A deliberately small HTTP/1.1 client for tests: it writes exactly the bytes it is given and
// parses the reply strictly (Content-Length, chunked, or close-delimited), over the local
// socket or TCP. Blocking; test thread only.

#include <QByteArray>
#include <QMap>
#include <QString>
#include <memory>
#include <nlohmann/json.hpp>

class QIODevice;

namespace portico::test {

struct HttpReply {
    int status = 0;                       // 0 when no reply arrived
    QMap<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    bool closed = false; // the server closed the connection after this reply

    nlohmann::json json() const {
        return nlohmann::json::parse(body.toStdString(), nullptr, false);
    }
    QByteArray header(const QByteArray& lowerName) const { return headers.value(lowerName); }
};

class RawHttpClient {
public:
    static RawHttpClient unixSocket(const QString& path);
    static RawHttpClient tcp(quint16 port);

    // One request on a fresh connection. Body and headers are sent as given; Content-Length
    // is added when body is non-empty and no length header was given.
    HttpReply request(const QByteArray& method, const QByteArray& target,
                      const QByteArray& body = {}, const QMap<QByteArray, QByteArray>& headers = {},
                      int timeoutMs = 10000) const;
    HttpReply json(const QByteArray& method, const QByteArray& target, const nlohmann::json& body,
                   const QMap<QByteArray, QByteArray>& headers = {}) const;
    HttpReply form(const QByteArray& method, const QByteArray& target,
                   const QByteArray& body) const;
    // Sends raw bytes and reads one reply.
    HttpReply raw(const QByteArray& bytes, int timeoutMs = 10000) const;

    // Opens a connection, sends the request and returns the open device (for SSE streams).
    std::unique_ptr<QIODevice> open(const QByteArray& bytes, int timeoutMs = 5000) const;

    static HttpReply readReply(QIODevice& dev, int timeoutMs);

private:
    QString m_path;
    quint16 m_port = 0;
};

} // namespace portico::test
