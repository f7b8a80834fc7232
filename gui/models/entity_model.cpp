#include "models/entity_model.h"

#include "client/admin_client.h"
#include "models/entity_columns.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace portico::gui {

EntityModel::EntityModel(AdminClient* client, const QString& entity, QObject* parent)
    : QAbstractTableModel(parent), m_client(client), m_entity(entity) {}

void EntityModel::reload() {
    m_loading = true;
    fetchPage({}, {}, ++m_generation);
}

void EntityModel::fetchPage(const QString& offset, QList<QJsonObject> collected, int generation) {
    QString path = QLatin1Char('/') + m_entity + QStringLiteral("?size=1000");
    if (!offset.isEmpty())
        path += QStringLiteral("&offset=") + QString::fromUtf8(QUrl::toPercentEncoding(offset));
    m_client->get(path, this, [this, collected, generation](const AdminResponse& r) mutable {
        if (generation != m_generation) return; // a newer reload is under way
        if (!r.ok()) {
            m_loading = false;
            m_lastError = r.message();
            emit failed(m_lastError);
            return;
        }
        const QJsonObject page = r.json();
        for (const auto& v : page.value(QStringLiteral("data")).toArray())
            collected.append(v.toObject());
        const QString next = page.value(QStringLiteral("offset")).toString();
        if (!next.isEmpty()) {
            fetchPage(next, std::move(collected), generation);
            return;
        }
        beginResetModel();
        m_rows = std::move(collected);
        indexRows(0);
        endResetModel();
        m_loading = false;
        m_lastError.clear();
        emit loaded();
    });
}

void EntityModel::applyChange(const QString& id, const QString& op) {
    if (op == QLatin1String("delete")) {
        remove(id);
        return;
    }
    m_client->get(QLatin1Char('/') + m_entity + QLatin1Char('/') + id, this,
                  [this, id](const AdminResponse& r) {
                      if (r.status == 404)
                          remove(id);
                      else if (r.ok())
                          upsert(r.json());
                  });
}

void EntityModel::indexRows(int from) {
    if (from == 0) m_rowById.clear();
    for (int i = from; i < m_rows.size(); ++i)
        m_rowById.insert(m_rows[i].value(QStringLiteral("id")).toString(), i);
}

int EntityModel::rowOf(const QString& id) const {
    return m_rowById.value(id, -1);
}

void EntityModel::upsert(const QJsonObject& entity) {
    const int row = rowOf(entity.value(QStringLiteral("id")).toString());
    if (row >= 0) {
        m_rows[row] = entity;
        emit dataChanged(index(row, 0), index(row, columnCount() - 1));
        return;
    }
    beginInsertRows({}, static_cast<int>(m_rows.size()), static_cast<int>(m_rows.size()));
    m_rows.append(entity);
    indexRows(static_cast<int>(m_rows.size()) - 1);
    endInsertRows();
}

void EntityModel::remove(const QString& id) {
    const int row = rowOf(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    m_rowById.remove(id);
    indexRows(row); // the rows after it moved up
    endRemoveRows();
}

int EntityModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EntityModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(entityColumns(m_entity).size());
}

QVariant EntityModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject& e = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: {
        const QString field = entityColumns(m_entity)[index.column()].field;
        const QJsonValue v = e.value(field);
        // A reference: "service" names a row of "services".
        if (m_nameOf && v.isObject() && v.toObject().size() == 1)
            if (const QString id = v.toObject().value(QStringLiteral("id")).toString();
                !id.isEmpty())
                return m_nameOf(field + QLatin1Char('s'), id);
        return displayValue(v);
    }
    case IdRole:
        return e.value(QStringLiteral("id")).toString();
    case EntityRole:
        return e;
    case TagsRole: {
        QStringList tags;
        for (const auto& t : e.value(QStringLiteral("tags")).toArray())
            tags << t.toString();
        return tags;
    }
    default:
        return {};
    }
}

QVariant EntityModel::headerData(int section, Qt::Orientation orientation, int role) const {
    const auto& columns = entityColumns(m_entity);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 ||
        section >= columns.size())
        return {};
    return columnTitle(columns[section]);
}

} // namespace portico::gui
