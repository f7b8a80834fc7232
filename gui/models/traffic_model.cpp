#include "models/traffic_model.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonArray>

namespace portico::gui {

void TrafficModel::add(const QJsonObject& event) {
    if (m_paused) return;
    const QJsonArray samples = event.value(QStringLiteral("data")).toArray();
    if (samples.isEmpty()) return;
    const int n = static_cast<int>(std::min<qsizetype>(samples.size(), kMaxRows));
    beginInsertRows({}, 0, n - 1);
    // The event lists them oldest first.
    for (int i = 0; i < n; ++i)
        m_rows.prepend(samples[samples.size() - n + i].toObject());
    endInsertRows();
    if (m_rows.size() > kMaxRows) {
        beginRemoveRows({}, kMaxRows, static_cast<int>(m_rows.size()) - 1);
        m_rows.resize(kMaxRows);
        endRemoveRows();
    }
}

void TrafficModel::clear() {
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int TrafficModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TrafficModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Columns;
}

QVariant TrafficModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject& s = m_rows[index.row()];
    if (role == SampleRole) return s;
    const int status = s.value(QStringLiteral("status")).toInt();
    if (role == Qt::ForegroundRole && index.column() == Status)
        return status >= 500   ? QBrush(QColor(0xc6, 0x28, 0x28))
               : status >= 400 ? QBrush(QColor(0xef, 0x6c, 0x00))
                               : QVariant();
    if (role != Qt::DisplayRole) return {};
    auto text = [&](const char* key) { return s.value(QLatin1String(key)).toString(); };
    auto named = [&](const char* collection, const char* key) {
        const QString id = text(key);
        return m_nameOf && !id.isEmpty() ? m_nameOf(QLatin1String(collection), id) : id;
    };
    switch (index.column()) {
    case Time:
        return QDateTime::fromMSecsSinceEpoch(
                   static_cast<qint64>(s.value(QStringLiteral("time")).toDouble() * 1000))
            .toString(QStringLiteral("HH:mm:ss.zzz"));
    case Method:
        return text("method");
    case Host:
        return text("host");
    case Path:
        return text("path");
    case Status:
        return status;
    case Latency:
        return QString::number(s.value(QStringLiteral("latency_ms")).toDouble(), 'f', 2);
    case Route:
        return named("routes", "route");
    case Service:
        return named("services", "service");
    case Consumer:
        return named("consumers", "consumer");
    default:
        return {};
    }
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Method:
        return tr("Method");
    case Host:
        return tr("Host");
    case Path:
        return tr("Path");
    case Status:
        return tr("Status");
    case Latency:
        return tr("Latency (ms)");
    case Route:
        return tr("Route");
    case Service:
        return tr("Service");
    case Consumer:
        return tr("Consumer");
    default:
        return {};
    }
}

} // namespace portico::gui
