#pragma once
// Everything the console knows of one gateway: the Admin API client, the event stream, one
// model per entity list, the metrics history and the live traffic. Pages read from here and
// never touch a socket. Change events refresh only the model of the changed entity; a
// reconnect or a `reset` reloads them all. GUI thread only; owns what it holds.

#include "client/admin_client.h"
#include "client/event_stream.h"
#include "models/metrics_history.h"
#include "models/traffic_model.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace portico::gui {

class EntityModel;

class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);

    void open(const Endpoint& endpoint);
    AdminClient* client() { return &m_client; }
    EventStream* events() { return &m_events; }
    EntityModel* model(const QString& entity) const { return m_models.value(entity); }
    MetricsHistory* metrics() { return &m_metrics; }
    TrafficModel* traffic() { return &m_traffic; }
    // The last GET /status answer (version, role, revision, counts, proxy totals).
    QJsonObject status() const { return m_status; }
    // The last GET / answer (version, configuration incl. proxy_listen, plugins).
    QJsonObject nodeInfo() const { return m_info; }
    // Reloads every model and the status, e.g. after a reconnect.
    void reloadAll();
    // The name of an entity by id when its model holds it, else the id.
    QString nameOf(const QString& entity, const QString& id) const;

signals:
    void statusChanged(const QJsonObject& status);
    void infoChanged();
    // An entity changed anywhere (this console, curl, another console).
    void entityChanged(const QString& entity, const QString& id, const QString& op);

private:
    struct Change {
        QString entity, id, op;
    };
    // More changes than this to one list in one burst: reload it rather than fetch each.
    static constexpr int kReloadAbove = 50;
    void applyPending();
    void refreshStatus();

    AdminClient m_client;
    EventStream m_events;
    QHash<QString, EntityModel*> m_models;
    MetricsHistory m_metrics;
    TrafficModel m_traffic;
    QJsonObject m_status;
    QJsonObject m_info;
    QList<Change> m_pending;
    QTimer m_settle;
};

} // namespace portico::gui
