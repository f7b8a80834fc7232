#include "client/admin_client.h"

#include "client/socket_device.h"

#include <QIODevice>

namespace portico::gui {

QString AdminResponse::message() const {
    if (status == 0) return error;
    const QString m = json().value(QStringLiteral("message")).toString();
    return m.isEmpty() ? QString::fromUtf8(body.left(200)) : m;
}

AdminClient::AdminClient(QObject* parent) : QObject(parent) {
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &AdminClient::connectNow);
}

AdminClient::~AdminClient() {
    m_open = false;
    if (m_device) m_device->disconnect(this);
}

QString AdminClient::stateText(State s) {
    switch (s) {
    case State::Disconnected:
        return tr("Disconnected");
    case State::Connecting:
        return tr("Connecting");
    case State::Connected:
        return tr("Connected");
    case State::Reconnecting:
        return tr("Reconnecting");
    case State::Refused:
        return tr("Refused (check the token)");
    case State::WrongVersion:
        return tr("Connected to a different version");
    }
    return {};
}

void AdminClient::setEndpoint(const Endpoint& endpoint) {
    const bool reopen = m_open;
    close();
    m_endpoint = endpoint;
    if (reopen) open();
}

void AdminClient::open() {
    m_open = true;
    m_backoffMs = 250;
    setState(State::Connecting);
    connectNow();
}

void AdminClient::close() {
    m_open = false;
    m_reconnect.stop();
    dropDevice(m_device, this);
    m_connected = false;
    m_inFlight = false;
    failAll(tr("connection closed"));
    setState(State::Disconnected);
}

void AdminClient::setState(State s) {
    if (s == m_state) return;
    m_state = s;
    emit stateChanged(s);
}

QByteArray AdminClient::requestHead(const Endpoint& e, const QByteArray& method,
                                    const QString& path, qsizetype bodySize,
                                    const QByteArray& contentType,
                                    const QList<QPair<QByteArray, QByteArray>>& extra) {
    QByteArray head = method + ' ' + path.toUtf8() + " HTTP/1.1\r\n";
    if (e.isLocal())
        head += "Host: localhost\r\n";
    else
        head +=
            "Host: " + e.url.host().toUtf8() + ':' + QByteArray::number(e.url.port(80)) + "\r\n";
    if (!e.isLocal() && !e.token.isEmpty())
        head += "Authorization: Bearer " + e.token.toUtf8() + "\r\n";
    head += "User-Agent: portico-console/" PORTICO_CONSOLE_VERSION "\r\n";
    for (const auto& [name, value] : extra)
        head += name + ": " + value + "\r\n";
    if (bodySize > 0 || method == "POST" || method == "PUT" || method == "PATCH") {
        head += "Content-Type: " + contentType + "\r\n";
        head += "Content-Length: " + QByteArray::number(bodySize) + "\r\n";
    }
    head += "\r\n";
    return head;
}

void AdminClient::connectNow() {
    if (!m_open) return;
    dropDevice(m_device, this);
    m_connected = false;
    m_inFlight = false;
    m_buffer.clear();
    openDevice(
        m_device, m_endpoint, this, [this] { onConnected(); }, [this] { onDisconnected(); });
    if (m_device) connect(m_device, &QIODevice::readyRead, this, &AdminClient::onReadyRead);
}

void AdminClient::onConnected() {
    m_connected = true;
    checkVersion();
}

void AdminClient::checkVersion() {
    // Ahead of whatever waits: nothing is sent to a service that refuses us or is not porticod.
    Pending p;
    p.method = "GET";
    p.path = QStringLiteral("/");
    p.internal = true;
    p.done = [this](const AdminResponse& r) {
        if (r.status == 401 || r.status == 403) {
            setState(State::Refused);
            return;
        }
        m_backoffMs = 250;
        m_serverVersion = r.json().value(QStringLiteral("version")).toString();
        const QString mine = QStringLiteral(PORTICO_CONSOLE_VERSION);
        auto majorMinor = [](const QString& v) { return v.section(QLatin1Char('.'), 0, 1); };
        setState(r.ok() && majorMinor(m_serverVersion) == majorMinor(mine) ? State::Connected
                                                                           : State::WrongVersion);
    };
    m_queue.prepend(std::move(p));
    sendNext();
}

void AdminClient::request(const QByteArray& method, const QString& path, const QByteArray& body,
                          QObject* context, Callback done, const QByteArray& contentType) {
    Pending p{method, path, body, contentType, context, context != nullptr, std::move(done)};
    if (!m_open || m_state == State::Reconnecting || m_state == State::Disconnected) {
        // Not queued behind a connection that is not there: the caller shows the error and
        // the models reload once the connection is back.
        AdminResponse r;
        r.error = tr("not connected to %1").arg(m_endpoint.describe());
        if (!p.hasContext || p.context)
            QTimer::singleShot(0, context ? context : this, [p, r] {
                if (!p.hasContext || p.context) p.done(r);
            });
        return;
    }
    m_queue.enqueue(std::move(p));
    sendNext();
}

void AdminClient::sendNext() {
    if (!m_connected || m_inFlight || m_queue.isEmpty()) return;
    Pending& p = m_queue.head();
    ++p.attempts;
    m_inFlight = true;
    m_body.clear();
    m_parser.reset(p.method == "HEAD");
    m_device->write(requestHead(m_endpoint, p.method, p.path, p.body.size(), p.contentType) +
                    p.body);
}

void AdminClient::onReadyRead() {
    m_buffer += m_device->readAll();
    while (m_inFlight && !m_buffer.isEmpty()) {
        const qsizetype used = m_parser.feed(m_buffer);
        m_buffer.remove(0, used);
        m_body += m_parser.takeBody();
        if (m_parser.failed()) {
            // Framing is in doubt: the connection cannot carry another response.
            AdminResponse r;
            r.error = tr("bad response from the service: %1").arg(m_parser.error());
            m_device->close();
            finish(r);
            return;
        }
        if (!m_parser.done()) break;
        AdminResponse r;
        r.status = m_parser.head().status;
        r.contentType = m_parser.head().header("Content-Type");
        r.body = std::move(m_body);
        const bool keepAlive = m_parser.head().keepAlive;
        finish(r);
        if (!keepAlive && m_device) {
            m_device->close(); // reopened by onDisconnected
            return;
        }
    }
}

void AdminClient::finish(const AdminResponse& response) {
    if (m_queue.isEmpty()) return;
    Pending p = m_queue.dequeue();
    m_inFlight = false;
    sendNext();
    if (!p.hasContext || p.context) p.done(response);
}

void AdminClient::onDisconnected() {
    if (!m_device) return;
    const bool wasConnected = m_connected;
    m_connected = false;
    if (m_inFlight && !m_queue.isEmpty()) {
        m_parser.feedEof();
        m_body += m_parser.takeBody();
        if (m_parser.done()) {
            AdminResponse r;
            r.status = m_parser.head().status;
            r.contentType = m_parser.head().header("Content-Type");
            r.body = std::move(m_body);
            m_inFlight = false;
            Pending p = m_queue.dequeue();
            if (!p.hasContext || p.context) p.done(r);
        } else {
            m_inFlight = false;
            // Only what is safe to repeat is sent again on the next connection.
            Pending& p = m_queue.head();
            if (!((p.method == "GET" || p.method == "HEAD") && p.attempts < 2)) {
                Pending failed = m_queue.dequeue();
                AdminResponse r;
                r.error = tr("connection lost");
                if (!failed.hasContext || failed.context) failed.done(r);
            }
        }
    }
    if (!m_open) return;
    if (wasConnected) {
        // A connection closed after use (or by the server): reconnect at once.
        connectNow();
        return;
    }
    failAll(tr("cannot reach %1").arg(m_endpoint.describe()));
    setState(State::Reconnecting);
    scheduleReconnect();
}

void AdminClient::failAll(const QString& why) {
    QQueue<Pending> pending;
    pending.swap(m_queue);
    for (auto& p : pending) {
        if (p.internal) continue;
        AdminResponse r;
        r.error = why;
        if (!p.hasContext || p.context) p.done(r);
    }
}

void AdminClient::scheduleReconnect() {
    m_reconnect.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, 5000);
}

} // namespace portico::gui
