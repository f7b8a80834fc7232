#include "client/event_stream.h"

#include "client/admin_client.h"
#include "client/socket_device.h"

#include <QIODevice>
#include <QJsonDocument>

namespace portico::gui {

EventStream::EventStream(QObject* parent) : QObject(parent) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream() {
    if (m_device) m_device->disconnect(this);
}

void EventStream::start() {
    m_running = true;
    m_backoffMs = 250;
    connectNow();
}

void EventStream::stop() {
    m_running = false;
    m_retry.stop();
    dropDevice(m_device, this);
    setStreaming(false);
}

void EventStream::setStreaming(bool on) {
    if (on == m_streaming) return;
    m_streaming = on;
    emit streamingChanged(on);
}

void EventStream::connectNow() {
    if (!m_running) return;
    dropDevice(m_device, this);
    m_buffer.clear();
    m_text.clear();
    m_type.clear();
    m_data.clear();
    m_id.clear();
    m_parser.reset();
    auto opened = [this] {
        QList<QPair<QByteArray, QByteArray>> extra = {{"Accept", "text/event-stream"}};
        if (!m_lastId.isEmpty()) extra.append({"Last-Event-ID", m_lastId});
        m_device->write(
            AdminClient::requestHead(m_endpoint, "GET", QStringLiteral("/events"), 0, {}, extra));
    };
    openDevice(m_device, m_endpoint, this, opened, [this] { onClosed(); });
    if (m_device) connect(m_device, &QIODevice::readyRead, this, &EventStream::onReadyRead);
}

void EventStream::onReadyRead() {
    m_buffer += m_device->readAll();
    const qsizetype used = m_parser.feed(m_buffer);
    m_buffer.remove(0, used);
    if (m_parser.failed() || (m_parser.headDone() && m_parser.head().status != 200)) {
        m_device->close();
        return;
    }
    if (m_parser.headDone() && !m_streaming) {
        m_backoffMs = 250;
        setStreaming(true);
    }
    m_text += m_parser.takeBody();
    // Lines end with LF (or CRLF); an empty line ends an event.
    qsizetype start = 0;
    for (qsizetype nl; (nl = m_text.indexOf('\n', start)) >= 0; start = nl + 1) {
        QByteArray line = m_text.mid(start, nl - start);
        if (line.endsWith('\r')) line.chop(1);
        if (line.isEmpty()) {
            if (!m_id.isEmpty()) m_lastId = m_id;
            if (!m_data.isEmpty() || !m_type.isEmpty())
                dispatch(m_type.isEmpty() ? QByteArray("message") : m_type, m_data);
            m_type.clear();
            m_data.clear();
            m_id.clear();
            continue;
        }
        if (line.startsWith(':')) continue; // a comment (keep-alive)
        const qsizetype colon = line.indexOf(':');
        const QByteArray field = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' ')) value.remove(0, 1);
        if (field == "event")
            m_type = value;
        else if (field == "data")
            m_data += (m_data.isEmpty() ? QByteArray() : QByteArray("\n")) + value;
        else if (field == "id")
            m_id = value;
    }
    m_text.remove(0, start);
}

void EventStream::dispatch(const QByteArray& type, const QByteArray& data) {
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    if (type == "change")
        emit changed(o.value(QStringLiteral("entity")).toString(),
                     o.value(QStringLiteral("id")).toString(),
                     o.value(QStringLiteral("op")).toString());
    else if (type == "metrics")
        emit metrics(o);
    else if (type == "requests")
        emit requests(o);
    else if (type == "reset")
        emit reset();
}

void EventStream::onClosed() {
    if (!m_device) return;
    dropDevice(m_device, this);
    const bool wasStreaming = m_streaming;
    setStreaming(false);
    if (!m_running) return;
    // Resumed from the last id; a stream that had been flowing is reopened at once.
    m_retry.start(wasStreaming ? 0 : m_backoffMs);
    if (!wasStreaming) m_backoffMs = std::min(m_backoffMs * 2, 5000);
}

} // namespace portico::gui
