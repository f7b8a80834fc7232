#include "pages/dashboard_page.h"

#include "session.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineSeries>
#include <QSettings>
#include <QTableWidget>
#include <QTimer>
#include <QValueAxis>

namespace portico::gui {

DashboardPage::DashboardPage(Session* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("dashboardPage"));
    auto* grid = new QGridLayout(this);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("gatewayStatus"));
    m_status->setTextFormat(Qt::RichText);
    m_totals = new QLabel;
    grid->addWidget(m_status, 0, 0);
    grid->addWidget(m_totals, 0, 1);

    m_traffic = makeChart(tr("Requests per second"), {tr("requests/s")}, tr("req/s"));
    m_errors = makeChart(tr("Errors per second"), {tr("4xx"), tr("5xx")}, tr("req/s"));
    m_latency = makeChart(tr("Latency"), {tr("p50"), tr("p95"), tr("p99")}, tr("ms"));
    int at = 0;
    for (const Chart* c : {&m_traffic, &m_errors, &m_latency}) {
        auto* view = new QChartView(c->chart);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(200);
        grid->addWidget(view, 1 + at / 2, at % 2);
        ++at;
    }
    m_top = new QTableWidget(0, 4);
    m_top->setObjectName(QStringLiteral("topTable"));
    m_top->setHorizontalHeaderLabels(
        {tr("Busiest (last second)"), tr("Kind"), tr("Requests"), tr("Errors")});
    m_top->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_top->verticalHeader()->hide();
    m_top->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_top->setSortingEnabled(true); // by traffic (the default) or by errors
    grid->addWidget(m_top, 2, 1);
    grid->setRowStretch(1, 1);
    grid->setRowStretch(2, 1);

    for (const MetricsPoint& p : session->metrics()->points())
        addPoint(p);
    m_redraw = new QTimer(this);
    connect(m_redraw, &QTimer::timeout, this, &DashboardPage::drawPending);
    setRefreshSeconds(QSettings().value(QStringLiteral("refresh"), 1).toInt());
    connect(session->metrics(), &MetricsHistory::pointAdded, this,
            [this](const MetricsPoint& p) { m_pending.append(p); });
    connect(session, &Session::statusChanged, this, &DashboardPage::updateStatus);
    connect(session->client(), &AdminClient::stateChanged, this, &DashboardPage::updateStatus);
    updateStatus();
}

DashboardPage::Chart DashboardPage::makeChart(const QString& title, const QStringList& names,
                                              const QString& unit) {
    Chart c;
    c.chart = new QChart;
    c.chart->setTitle(title);
    c.chart->legend()->setVisible(names.size() > 1);
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    c.x = new QDateTimeAxis;
    c.x->setFormat(QStringLiteral("HH:mm:ss"));
    c.x->setTickCount(4);
    c.y = new QValueAxis;
    c.y->setLabelFormat(QStringLiteral("%g"));
    c.y->setTitleText(unit);
    c.y->setRange(0, 1);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    c.x->setRange(QDateTime::fromMSecsSinceEpoch(now - 15 * 60 * 1000),
                  QDateTime::fromMSecsSinceEpoch(now));
    for (const QString& name : names) {
        auto* s = new QLineSeries;
        s->setName(name);
        c.chart->addSeries(s);
        s->attachAxis(c.x);
        s->attachAxis(c.y);
        c.series << s;
    }
    return c;
}

void DashboardPage::addPoint(const MetricsPoint& p) {
    const qint64 ms = static_cast<qint64>(p.time * 1000);
    auto push = [&](Chart& c, const QList<double>& values) {
        double top = c.y->max();
        for (int i = 0; i < c.series.size(); ++i) {
            QLineSeries* s = c.series[i];
            s->append(static_cast<qreal>(ms), values[i]);
            if (s->count() > MetricsHistory::kSeconds)
                s->removePoints(0, s->count() - MetricsHistory::kSeconds);
            top = std::max(top, values[i] * 1.2);
        }
        c.y->setRange(0, std::max(1.0, top));
        c.y->applyNiceNumbers();
        // From the first point (at least a minute, at most the 15 minutes kept) to now.
        const qint64 first = static_cast<qint64>(c.series.first()->at(0).x());
        const qint64 from = std::clamp(first, ms - 15 * 60 * 1000, ms - 60 * 1000);
        c.x->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(ms));
    };
    push(m_traffic, {p.requests});
    push(m_errors, {p.errors4xx, p.errors5xx});
    push(m_latency, {p.p50, p.p95, p.p99});
    m_totals->setText(tr("Since the console connected: %1 requests, %2 errors; %3 open connections")
                          .arg(m_session->metrics()->totalRequests())
                          .arg(m_session->metrics()->totalErrors())
                          .arg(p.connections));
}

void DashboardPage::setRefreshSeconds(int seconds) {
    m_redraw->start(std::clamp(seconds, 1, 60) * 1000);
}

void DashboardPage::drawPending() {
    if (m_pending.isEmpty()) return;
    for (const MetricsPoint& p : std::as_const(m_pending))
        addPoint(p);
    m_pending.clear();
    updateTop();
}

int DashboardPage::requestPoints() const {
    return static_cast<int>(m_traffic.series.first()->count());
}

void DashboardPage::updateStatus() {
    const QJsonObject s = m_session->status();
    const auto* client = m_session->client();
    QString html =
        QStringLiteral("<b>%1</b><br>").arg(client->endpoint().describe().toHtmlEscaped());
    html += tr("State: %1").arg(AdminClient::stateText(client->state())) + QStringLiteral("<br>");
    if (!s.isEmpty()) {
        const QJsonObject proxy = s.value(QStringLiteral("proxy")).toObject();
        html += tr("Version %1, role %2, revision %3")
                    .arg(s.value(QStringLiteral("version")).toString(),
                         s.value(QStringLiteral("role")).toString())
                    .arg(s.value(QStringLiteral("revision")).toInteger()) +
                QStringLiteral("<br>");
        const qint64 uptime = s.value(QStringLiteral("uptime_seconds")).toInteger();
        html += tr("Up %1 h %2 min; %3 connections open")
                    .arg(uptime / 3600)
                    .arg((uptime / 60) % 60)
                    .arg(proxy.value(QStringLiteral("connections_active")).toInteger());
    }
    m_status->setText(html);
}

void DashboardPage::updateTop() {
    struct Row {
        QString name, kind;
        double requests, errors;
    };
    QList<Row> rows;
    auto collect = [&](const QJsonArray& list, const QString& entity, const QString& kind) {
        for (const auto& v : list) {
            const QJsonObject o = v.toObject();
            const QString id = o.value(QStringLiteral("id")).toString();
            const QJsonObject status = o.value(QStringLiteral("status")).toObject();
            rows.append({id.isEmpty() ? tr("(no route)") : m_session->nameOf(entity, id), kind,
                         o.value(QStringLiteral("requests")).toDouble(),
                         status.value(QStringLiteral("4xx")).toDouble() +
                             status.value(QStringLiteral("5xx")).toDouble()});
        }
    };
    collect(m_session->metrics()->lastRoutes(), QStringLiteral("routes"), tr("route"));
    collect(m_session->metrics()->lastServices(), QStringLiteral("services"), tr("service"));
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.requests > b.requests; });
    const int sortColumn = m_top->horizontalHeader()->sortIndicatorSection();
    const Qt::SortOrder order = m_top->horizontalHeader()->sortIndicatorOrder();
    m_top->setSortingEnabled(false);
    m_top->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        m_top->setItem(i, 0, new QTableWidgetItem(rows[i].name));
        m_top->setItem(i, 1, new QTableWidgetItem(rows[i].kind));
        // Numbers as numbers, so that sorting by errors orders them right.
        for (const auto& [column, value] : {std::pair{2, rows[i].requests}, {3, rows[i].errors}}) {
            auto* item = new QTableWidgetItem;
            item->setData(Qt::DisplayRole, value);
            m_top->setItem(i, column, item);
        }
    }
    m_top->setSortingEnabled(true);
    m_top->sortItems(sortColumn < 0 ? 2 : sortColumn, sortColumn < 0 ? Qt::DescendingOrder : order);
}

} // namespace portico::gui
