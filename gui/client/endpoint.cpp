#include "client/endpoint.h"

#include <QDir>
#include <QFileInfo>

namespace portico::gui {

Endpoint Endpoint::localDefault() {
    Endpoint e;
    if (const QString env = qEnvironmentVariable("PORTICO_ADMIN_SOCKET"); !env.isEmpty()) {
        e.socketPath = env;
        return e;
    }
    const QStringList candidates = {
        QStringLiteral("/var/lib/portico/admin.sock"),
        QDir::current().filePath(QStringLiteral(".portico/admin.sock"))};
    e.socketPath = candidates.first();
    for (const QString& c : candidates)
        if (QFileInfo::exists(c)) {
            e.socketPath = c;
            break;
        }
    return e;
}

} // namespace portico::gui
