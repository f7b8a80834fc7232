#pragma once
// Recent proxied requests from the event stream's `requests` events (the service samples at
// most 50 per worker and second), newest first, bounded. Pausing keeps the rows still while
// new samples are dropped. GUI thread only.

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <functional>

namespace portico::gui {

class TrafficModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int kMaxRows = 1000;
    static constexpr int SampleRole = Qt::UserRole + 1; // the whole sample, a QJsonObject
    // Consumer is filled once authentication plugins identify consumers.
    enum Column { Time, Method, Host, Path, Status, Latency, Route, Service, Consumer, Columns };

    using QAbstractTableModel::QAbstractTableModel;
    // A `requests` event: {"data": [sample, ...]}.
    void add(const QJsonObject& event);
    void setPaused(bool paused) { m_paused = paused; }
    bool isPaused() const { return m_paused; }
    void clear();
    // Shows route, service and consumer ids by name: (collection, id) -> text.
    void setNameLookup(std::function<QString(const QString&, const QString&)> lookup) {
        m_nameOf = std::move(lookup);
    }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<QJsonObject> m_rows; // newest first
    bool m_paused = false;
    std::function<QString(const QString&, const QString&)> m_nameOf;
};

} // namespace portico::gui
