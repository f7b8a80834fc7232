#pragma once
// The console's one connection to the Admin API: HTTP/1.1 over the local socket (QLocalSocket:
// a Unix socket, a named pipe on Windows) or over TCP with a bearer token. Requests are queued
// and sent one at a time on a kept-alive connection; responses are read with a real HTTP
// parser. A lost connection is reopened with backoff, and requests that are safe to repeat are
// sent again. Nothing blocks: results arrive through callbacks on the GUI thread.
// GUI thread only.

#include "client/endpoint.h"
#include "client/http_response_parser.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QQueue>
#include <QTimer>
#include <functional>

class QIODevice;

namespace portico::gui {

struct AdminResponse {
    int status = 0; // 0: no response (see error)
    QString error;  // transport failure, when status is 0
    QByteArray body;
    QByteArray contentType;

    bool ok() const { return status >= 200 && status < 300; }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    // Kong's error body: "message", or the transport error.
    QString message() const;
};

class AdminClient : public QObject {
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting, Refused, WrongVersion };
    Q_ENUM(State)
    using Callback = std::function<void(const AdminResponse&)>;

    explicit AdminClient(QObject* parent = nullptr);
    ~AdminClient() override;

    void setEndpoint(const Endpoint& endpoint);
    Endpoint endpoint() const { return m_endpoint; }
    // Connects (and keeps reconnecting until close()); the version is checked first.
    void open();
    void close();
    State state() const { return m_state; }
    QString serverVersion() const { return m_serverVersion; }
    static QString stateText(State s);

    // Queues a request. `context`: the callback is dropped if it is destroyed first.
    void request(const QByteArray& method, const QString& path, const QByteArray& body,
                 QObject* context, Callback done,
                 const QByteArray& contentType = "application/json");
    void get(const QString& path, QObject* context, Callback done) {
        request("GET", path, {}, context, std::move(done));
    }
    void sendJson(const QByteArray& method, const QString& path, const QJsonObject& body,
                  QObject* context, Callback done) {
        request(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact), context,
                std::move(done));
    }

    // Bytes that open a request on a fresh connection (shared with the event stream).
    static QByteArray requestHead(const Endpoint& e, const QByteArray& method, const QString& path,
                                  qsizetype bodySize, const QByteArray& contentType,
                                  const QList<QPair<QByteArray, QByteArray>>& extra = {});

signals:
    void stateChanged(portico::gui::AdminClient::State state);

private:
    struct Pending {
        QByteArray method;
        QString path;
        QByteArray body;
        QByteArray contentType;
        QPointer<QObject> context;
        bool hasContext = false;
        Callback done;
        int attempts = 0;
        bool internal = false; // the version check, re-sent on each connection
    };

    void setState(State s);
    void connectNow();
    void onConnected();
    void onReadyRead();
    void onDisconnected();
    void sendNext();
    void finish(const AdminResponse& response);
    void failAll(const QString& why);
    void scheduleReconnect();
    void checkVersion();

    Endpoint m_endpoint;
    State m_state = State::Disconnected;
    QString m_serverVersion;
    QIODevice* m_device = nullptr;
    bool m_open = false;
    bool m_connected = false;
    bool m_inFlight = false;
    QQueue<Pending> m_queue;
    QByteArray m_buffer;
    QByteArray m_body;
    HttpResponseParser m_parser;
    QTimer m_reconnect;
    int m_backoffMs = 250;
};

} // namespace portico::gui
