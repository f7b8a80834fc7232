#pragma once
// One entity list of the Admin API ("services", "routes", ...) as a table model: loaded page
// by page, then kept current by the event stream's change events (only the changed entity is
// fetched again). Columns come from entity_columns.h. GUI thread only; owns its rows.

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <functional>

namespace portico::gui {

class AdminClient;
struct EntityColumn;

class EntityModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int IdRole = Qt::UserRole + 1;
    static constexpr int EntityRole = Qt::UserRole + 2; // the whole entity, a QJsonObject
    static constexpr int TagsRole = Qt::UserRole + 3;   // QStringList

    EntityModel(AdminClient* client, const QString& entity, QObject* parent = nullptr);

    // Shows references ({"id": ...}) by the referenced entity's name: (collection, id) -> text.
    void setNameLookup(std::function<QString(const QString&, const QString&)> lookup) {
        m_nameOf = std::move(lookup);
    }
    QString entity() const { return m_entity; }
    // Reloads every row (first load, reconnects, resets).
    void reload();
    // A change event for this model's entity.
    void applyChange(const QString& id, const QString& op);
    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_lastError; }
    QJsonObject entityAt(int row) const { return m_rows.value(row); }
    int rowOf(const QString& id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void loaded();
    void failed(const QString& message);

private:
    void fetchPage(const QString& offset, QList<QJsonObject> collected, int generation);
    void upsert(const QJsonObject& entity);
    void remove(const QString& id);
    // Brings the id -> row index up to date for the rows from `from` on.
    void indexRows(int from);

    AdminClient* m_client;
    QString m_entity;
    QList<QJsonObject> m_rows;
    // rowOf() is asked for every reference drawn (names in other tables, the route map).
    QHash<QString, int> m_rowById;
    bool m_loading = false;
    int m_generation = 0;
    QString m_lastError;
    std::function<QString(const QString&, const QString&)> m_nameOf;
};

} // namespace portico::gui
