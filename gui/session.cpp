#include "session.h"

#include "models/entity_columns.h"
#include "models/entity_model.h"

namespace portico::gui {

Session::Session(QObject* parent) : QObject(parent) {
    for (const QString& entity : editableEntities()) {
        auto* model = new EntityModel(&m_client, entity, this);
        model->setNameLookup([this](const QString& collection, const QString& id) {
            return nameOf(collection, id);
        });
        m_models.insert(entity, model);
    }
    connect(&m_client, &AdminClient::stateChanged, this, [this](AdminClient::State s) {
        if (s == AdminClient::State::Connected || s == AdminClient::State::WrongVersion)
            reloadAll();
    });
    connect(&m_events, &EventStream::changed, this,
            [this](const QString& entity, const QString& id, const QString& op) {
                if (EntityModel* m = m_models.value(entity)) m->applyChange(id, op);
                // Deleting a service or an upstream deletes what hangs off it.
                if (op == QLatin1String("delete"))
                    for (EntityModel* m : std::as_const(m_models))
                        if (m->entity() != entity && m->rowCount() > 0 &&
                            (entity == QLatin1String("services") ||
                             entity == QLatin1String("upstreams") ||
                             entity == QLatin1String("certificates") ||
                             entity == QLatin1String("consumers")))
                            m->reload();
                refreshStatus();
                emit entityChanged(entity, id, op);
            });
    m_traffic.setNameLookup(
        [this](const QString& collection, const QString& id) { return nameOf(collection, id); });
    connect(&m_events, &EventStream::reset, this, &Session::reloadAll);
    connect(&m_events, &EventStream::metrics, &m_metrics, &MetricsHistory::add);
    connect(&m_events, &EventStream::requests, &m_traffic, &TrafficModel::add);
}

void Session::open(const Endpoint& endpoint) {
    m_client.setEndpoint(endpoint);
    m_events.stop();
    m_events.setEndpoint(endpoint);
    m_client.open();
    m_events.start();
}

void Session::reloadAll() {
    for (EntityModel* m : std::as_const(m_models))
        m->reload();
    refreshStatus();
    m_client.get(QStringLiteral("/"), this, [this](const AdminResponse& r) {
        if (!r.ok()) return;
        m_info = r.json();
        emit infoChanged();
    });
}

void Session::refreshStatus() {
    m_client.get(QStringLiteral("/status"), this, [this](const AdminResponse& r) {
        if (!r.ok()) return;
        m_status = r.json();
        emit statusChanged(m_status);
    });
}

QString Session::nameOf(const QString& entity, const QString& id) const {
    if (const EntityModel* m = m_models.value(entity)) {
        const int row = m->rowOf(id);
        if (row >= 0) {
            const QJsonObject e = m->entityAt(row);
            for (const char* key : {"name", "username", "target"})
                if (const QString n = e.value(QLatin1String(key)).toString(); !n.isEmpty())
                    return n;
        }
    }
    return id;
}

} // namespace portico::gui
