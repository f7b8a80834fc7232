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
                // Cascaded deletions come as change events of their own. Changes are applied
                // together a moment later: an import of thousands of entities then reloads the
                // lists it touched instead of fetching each entity.
                m_pending.append({entity, id, op});
                m_settle.start();
                emit entityChanged(entity, id, op);
            });
    m_settle.setSingleShot(true);
    m_settle.setInterval(50);
    connect(&m_settle, &QTimer::timeout, this, &Session::applyPending);
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

void Session::applyPending() {
    QHash<QString, int> perEntity;
    for (const auto& c : std::as_const(m_pending))
        ++perEntity[c.entity];
    for (const auto& c : std::as_const(m_pending)) {
        EntityModel* m = m_models.value(c.entity);
        if (!m || perEntity.value(c.entity) > kReloadAbove) continue;
        m->applyChange(c.id, c.op);
    }
    for (auto it = perEntity.begin(); it != perEntity.end(); ++it)
        if (it.value() > kReloadAbove)
            if (EntityModel* m = m_models.value(it.key())) m->reload();
    m_pending.clear();
    refreshStatus();
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
