#pragma once
// Where the console finds the Admin API: the local service's socket (the default), another
// socket path, or a remote Admin API URL with a bearer token.

#include <QString>
#include <QUrl>

namespace portico::gui {

struct Endpoint {
    QString socketPath; // a Unix socket (named pipe on Windows); used when set
    QUrl url;           // http://host:port of a remote Admin API otherwise
    QString token;      // bearer token for the URL

    bool isLocal() const { return !socketPath.isEmpty(); }
    QString describe() const { return isLocal() ? socketPath : url.toString(); }

    // The socket a locally installed porticod uses: $PORTICO_ADMIN_SOCKET, else the first of
    // the usual places that exists (the packaged service's, then ./.portico's), else the
    // packaged service's path.
    static Endpoint localDefault();
};

} // namespace portico::gui
