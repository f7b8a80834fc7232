#pragma once
// What the gateway is doing now: requests per second, 4xx and 5xx rates and latency
// percentiles as live line charts over the last 15 minutes, totals, the busiest routes and
// services of the last second, and the gateway's status (version, role, revision, uptime,
// connections). Fed by the session's metrics history. GUI thread only.

#include <QWidget>

class QLabel;
class QTableWidget;
class QLineSeries;
class QValueAxis;
class QDateTimeAxis;
class QChart;

namespace portico::gui {

class Session;
struct MetricsPoint;

class DashboardPage : public QWidget {
    Q_OBJECT
public:
    explicit DashboardPage(Session* session, QWidget* parent = nullptr);
    // For tests: points in the requests-per-second series.
    int requestPoints() const;
    // How often the charts are redrawn (points arrive each second and are drawn in batches).
    void setRefreshSeconds(int seconds);

private:
    struct Chart {
        QChart* chart = nullptr;
        QDateTimeAxis* x = nullptr;
        QValueAxis* y = nullptr;
        QList<QLineSeries*> series;
    };
    Chart makeChart(const QString& title, const QStringList& names, const QString& unit);
    void addPoint(const MetricsPoint& p);
    void drawPending();
    void updateStatus();
    void updateTop();

    Session* m_session;
    Chart m_traffic, m_errors, m_latency;
    QLabel* m_status;
    QLabel* m_totals;
    QTableWidget* m_top;
    QList<MetricsPoint> m_pending;
    class QTimer* m_redraw;
};

} // namespace portico::gui
