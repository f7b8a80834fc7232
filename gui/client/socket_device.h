#pragma once
// The connection the Admin API client and the event stream both open: a QLocalSocket for the
// local service (a named pipe on Windows) or a QTcpSocket for a remote Admin API, behind
// QIODevice. GUI thread only; the device is owned by `owner`.

#include "client/endpoint.h"

#include <functional>

class QIODevice;
class QObject;

namespace portico::gui {

// Puts into `slot` a device connecting to the endpoint (set before connecting starts: a local
// socket may connect at once). `opened` runs once it is connected; `ended` runs once when it
// closes or fails to connect, whichever comes first.
void openDevice(QIODevice*& slot, const Endpoint& endpoint, QObject* owner,
                std::function<void()> opened, std::function<void()> ended);
// Stops the owner hearing from the device, closes it and lets it be deleted.
void dropDevice(QIODevice*& device, QObject* owner);

} // namespace portico::gui
