#include "models/metrics_history.h"

namespace portico::gui {

void MetricsHistory::add(const QJsonObject& m) {
    MetricsPoint p;
    p.time = m.value(QStringLiteral("time")).toDouble();
    p.requests = m.value(QStringLiteral("requests")).toDouble();
    const QJsonObject status = m.value(QStringLiteral("status")).toObject();
    p.errors4xx = status.value(QStringLiteral("4xx")).toDouble();
    p.errors5xx = status.value(QStringLiteral("5xx")).toDouble();
    const QJsonObject total =
        m.value(QStringLiteral("latency_ms")).toObject().value(QStringLiteral("total")).toObject();
    p.p50 = total.value(QStringLiteral("p50")).toDouble();
    p.p95 = total.value(QStringLiteral("p95")).toDouble();
    p.p99 = total.value(QStringLiteral("p99")).toDouble();
    p.connections = m.value(QStringLiteral("connections"))
                        .toObject()
                        .value(QStringLiteral("active"))
                        .toDouble();
    m_totalRequests += p.requests;
    m_totalErrors += p.errors4xx + p.errors5xx;
    m_lastRoutes = m.value(QStringLiteral("routes")).toArray();
    m_lastServices = m.value(QStringLiteral("services")).toArray();
    m_points.append(p);
    if (m_points.size() > kSeconds) m_points.removeFirst();
    emit pointAdded(p);
}

} // namespace portico::gui
