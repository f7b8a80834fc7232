#include "client/socket_device.h"

#include <QLocalSocket>
#include <QTcpSocket>
#include <memory>

namespace portico::gui {

void openDevice(QIODevice*& slot, const Endpoint& endpoint, QObject* owner,
                std::function<void()> opened, std::function<void()> ended) {
    // An error and the disconnection that may follow it are one end.
    auto once = [done = std::make_shared<bool>(false), ended = std::move(ended)] {
        if (*done) return;
        *done = true;
        ended();
    };
    if (endpoint.isLocal()) {
        auto* local = new QLocalSocket(owner);
        QObject::connect(local, &QLocalSocket::connected, owner, opened);
        QObject::connect(local, &QLocalSocket::disconnected, owner, once);
        QObject::connect(local, &QLocalSocket::errorOccurred, owner, once);
        slot = local;
        local->connectToServer(endpoint.socketPath);
        return;
    }
    auto* tcp = new QTcpSocket(owner);
    QObject::connect(tcp, &QTcpSocket::connected, owner, opened);
    QObject::connect(tcp, &QTcpSocket::disconnected, owner, once);
    QObject::connect(tcp, &QTcpSocket::errorOccurred, owner, once);
    slot = tcp;
    tcp->connectToHost(endpoint.url.host(), static_cast<quint16>(endpoint.url.port(80)));
}

void dropDevice(QIODevice*& device, QObject* owner) {
    if (!device) return;
    device->disconnect(owner);
    device->close();
    device->deleteLater();
    device = nullptr;
}

} // namespace portico::gui
