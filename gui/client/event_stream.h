#pragma once
// The console's subscription to the Admin API's /events (Server-Sent Events) on a connection
// of its own: change events (entity, id, op), live `metrics` and `requests` events. A dropped
// stream is reopened with backoff and resumes with Last-Event-ID; when the service can no
// longer replay what was missed it says `reset`, and listeners reload everything.
// GUI thread only.

#include "client/endpoint.h"
#include "client/http_response_parser.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

class QIODevice;

namespace portico::gui {

class EventStream : public QObject {
    Q_OBJECT
public:
    explicit EventStream(QObject* parent = nullptr);
    ~EventStream() override;

    void setEndpoint(const Endpoint& endpoint) { m_endpoint = endpoint; }
    void start();
    void stop();
    bool isStreaming() const { return m_streaming; }
    QByteArray lastEventId() const { return m_lastId; }

signals:
    // A configuration change: entity ("services", ...), id, op ("create", "update", "delete").
    void changed(const QString& entity, const QString& id, const QString& op);
    void metrics(const QJsonObject& data);
    void requests(const QJsonObject& data);
    // Events were missed and cannot be replayed: reload.
    void reset();
    void streamingChanged(bool streaming);

private:
    void connectNow();
    void onReadyRead();
    void onClosed();
    void dispatch(const QByteArray& type, const QByteArray& data);
    void setStreaming(bool on);

    Endpoint m_endpoint;
    QIODevice* m_device = nullptr;
    bool m_running = false;
    bool m_streaming = false;
    QByteArray m_buffer; // raw bytes not yet parsed
    QByteArray m_text;   // decoded body not yet split into lines
    QByteArray m_type, m_data, m_id;
    QByteArray m_lastId;
    HttpResponseParser m_parser;
    QTimer m_retry;
    int m_backoffMs = 250;
};

} // namespace portico::gui
