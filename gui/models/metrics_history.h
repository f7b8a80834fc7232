#pragma once
// The last 15 minutes of the gateway's per-second figures, from the event stream's `metrics`
// events: requests per second, 4xx and 5xx rates, latency percentiles, connections, and the
// busiest routes and services of the last second. Bounded (one point per second). GUI thread.

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>

namespace portico::gui {

struct MetricsPoint {
    double time = 0; // seconds since the epoch
    double requests = 0;
    double errors4xx = 0;
    double errors5xx = 0;
    double p50 = 0, p95 = 0, p99 = 0; // total latency, ms
    double connections = 0;
};

class MetricsHistory : public QObject {
    Q_OBJECT
public:
    static constexpr int kSeconds = 15 * 60;

    using QObject::QObject;
    void add(const QJsonObject& metrics);
    const QList<MetricsPoint>& points() const { return m_points; }
    // Totals since the console started listening.
    double totalRequests() const { return m_totalRequests; }
    double totalErrors() const { return m_totalErrors; }
    QJsonArray lastRoutes() const { return m_lastRoutes; }
    QJsonArray lastServices() const { return m_lastServices; }

signals:
    void pointAdded(const portico::gui::MetricsPoint& point);

private:
    QList<MetricsPoint> m_points;
    double m_totalRequests = 0;
    double m_totalErrors = 0;
    QJsonArray m_lastRoutes, m_lastServices;
};

} // namespace portico::gui
