#include "pages/route_map_page.h"

#include "models/entity_columns.h"
#include "models/entity_model.h"
#include "session.h"
#include "widgets/entity_dialog.h"
#include "widgets/map_node.h"

#include <QComboBox>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace portico::gui {

namespace {
constexpr qreal kColumn = 270;
constexpr qreal kGap = 14;
constexpr int kMaxRoutes = 400; // beyond this the map is a list; the Routes page filters

QString refId(const QJsonObject& e, const char* field) {
    return e.value(QLatin1String(field)).toObject().value(QStringLiteral("id")).toString();
}

QList<QJsonObject> rows(EntityModel* m) {
    QList<QJsonObject> out;
    for (int r = 0; m && r < m->rowCount(); ++r)
        out << m->entityAt(r);
    return out;
}
} // namespace

RouteMapPage::RouteMapPage(Session* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("routeMapPage"));
    auto* layout = new QVBoxLayout(this);
    auto* test = new QHBoxLayout;
    test->addWidget(new QLabel(tr("Test a request:")));
    m_method = new QComboBox;
    m_method->addItems({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"});
    m_host = new QLineEdit;
    m_host->setPlaceholderText(tr("host, e.g. api.example.com"));
    m_path = new QLineEdit;
    m_path->setPlaceholderText(tr("path, e.g. /orders/42"));
    auto* go = new QPushButton(tr("Test"));
    go->setDefault(true);
    connect(go, &QPushButton::clicked, this,
            [this] { testRequest(m_method->currentText(), m_host->text(), m_path->text()); });
    connect(m_path, &QLineEdit::returnPressed, go, &QPushButton::click);
    test->addWidget(m_method);
    test->addWidget(m_host, 1);
    test->addWidget(m_path, 2);
    test->addWidget(go);
    layout->addLayout(test);
    m_result = new QLabel(tr("Drag from a service to the routes column to add a route to it; "
                             "double-click a box to edit it."));
    m_result->setWordWrap(true);
    layout->addWidget(m_result);

    m_scene = new QGraphicsScene(this);
    m_view = new QGraphicsView(m_scene);
    m_view->setObjectName(QStringLiteral("routeMap"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_details = new QPlainTextEdit;
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a box to see its details."));
    auto* split = new QSplitter;
    split->addWidget(m_view);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({900, 300});
    layout->addWidget(split, 1);

    // Many change events in a row (an import) make one redraw.
    m_rebuild = new QTimer(this);
    m_rebuild->setSingleShot(true);
    m_rebuild->setInterval(150);
    connect(m_rebuild, &QTimer::timeout, this, &RouteMapPage::rebuild);
    for (const char* e : {"routes", "services", "upstreams", "targets", "plugins", "consumers"}) {
        EntityModel* m = session->model(QLatin1String(e));
        auto later = [this] { m_rebuild->start(); };
        connect(m, &QAbstractItemModel::modelReset, m_rebuild, later);
        connect(m, &QAbstractItemModel::rowsInserted, m_rebuild, later);
        connect(m, &QAbstractItemModel::rowsRemoved, m_rebuild, later);
        connect(m, &QAbstractItemModel::dataChanged, m_rebuild, later);
    }
    connect(session, &Session::infoChanged, m_rebuild, [this] { m_rebuild->start(); });
    rebuild();
}

void RouteMapPage::rebuild() {
    m_scene->clear();
    m_nodes.clear();
    m_highlighted.clear();
    const QList<QJsonObject> plugins = rows(m_session->model("plugins"));
    auto pluginsOn = [&](const char* field, const QString& id) {
        QStringList names;
        for (const auto& p : plugins) {
            const bool global = refId(p, "service").isEmpty() && refId(p, "route").isEmpty() &&
                                refId(p, "consumer").isEmpty();
            if ((field == nullptr && global) || (field && refId(p, field) == id))
                names << p.value(QStringLiteral("name")).toString();
        }
        return names;
    };
    auto place = [&](MapNode* n, qreal column, qreal& y) {
        m_scene->addItem(n);
        n->setPos(column * kColumn, y);
        y += n->boundingRect().height() + kGap;
        m_nodes.insert(n->kind() + QLatin1Char('/') + n->id(), n);
        connect(n, &MapNode::chosen, this,
                [this](MapNode* node) { showDetails(node->kind(), node->entity()); });
        connect(n, &MapNode::opened, this, [this](MapNode* node) {
            const QString collection = node->kind() + QLatin1Char('s');
            if (!m_session->model(collection)) return;
            auto* d = new EntityDialog(m_session, collection, EntityDialog::Mode::Edit,
                                       node->entity(), this);
            d->setAttribute(Qt::WA_DeleteOnClose);
            d->open();
        });
        connect(n, &MapNode::draggedTo, this, [this](MapNode* node, QPointF at) {
            if (at.x() < m_routesColumnRight) createRouteFor(node->id());
        });
    };
    auto edge = [&](MapNode* from, MapNode* to, QColor colour) {
        if (!from || !to) return;
        const QPointF a = from->pos() + QPointF(MapNode::kWidth, from->boundingRect().height() / 2);
        const QPointF b = to->pos() + QPointF(0, to->boundingRect().height() / 2);
        QPainterPath path(a);
        path.cubicTo(a + QPointF(30, 0), b - QPointF(30, 0), b);
        auto* item = m_scene->addPath(path, QPen(colour, 1.2));
        item->setZValue(-1);
    };

    // Column 0: the listeners, with the global plugins.
    QStringList listen;
    for (const auto& part : m_session->nodeInfo()
                                .value(QStringLiteral("configuration"))
                                .toObject()
                                .value(QStringLiteral("proxy_listen"))
                                .toString()
                                .split(QLatin1Char(','), Qt::SkipEmptyParts))
        listen << part.trimmed();
    qreal y0 = 0;
    auto* listener = new MapNode(
        QStringLiteral("listener"), {{QStringLiteral("id"), "proxy"}}, tr("Proxy listeners"),
        listen.isEmpty() ? QStringList{tr("(unknown)")} : listen, pluginsOn(nullptr, {}));
    place(listener, 0, y0);
    // Under it, the consumers that carry plugins of their own: those run on every hop of an
    // identified consumer's requests.
    for (const auto& c : rows(m_session->model("consumers"))) {
        const QString cid = c.value(QStringLiteral("id")).toString();
        const QStringList own = pluginsOn("consumer", cid);
        if (own.isEmpty()) continue;
        auto* n = new MapNode(QStringLiteral("consumer"), c, m_session->nameOf("consumers", cid),
                              {tr("consumer")}, own);
        place(n, 0, y0);
    }

    // Column 1: routes, grouped by service; column 2: their services.
    const QList<QJsonObject> routes = rows(m_session->model("routes"));
    const QList<QJsonObject> services = rows(m_session->model("services"));
    qreal yRoutes = 0, yServices = 0;
    int drawn = 0;
    QHash<QString, MapNode*> serviceNodes;
    auto addService = [&](const QJsonObject& s) {
        const QString id = s.value(QStringLiteral("id")).toString();
        if (serviceNodes.contains(id)) return serviceNodes.value(id);
        QString target = s.value(QStringLiteral("protocol")).toString() + QStringLiteral("://") +
                         s.value(QStringLiteral("host")).toString() + QLatin1Char(':') +
                         displayValue(s.value(QStringLiteral("port"))) +
                         s.value(QStringLiteral("path")).toString();
        QStringList lines{target};
        if (s.contains(QStringLiteral("enabled")) && !s.value(QStringLiteral("enabled")).toBool())
            lines << tr("disabled");
        auto* n = new MapNode(QStringLiteral("service"), s, m_session->nameOf("services", id),
                              lines, pluginsOn("service", id));
        yServices = std::max(yServices, yRoutes);
        place(n, 2, yServices);
        serviceNodes.insert(id, n);
        return n;
    };
    for (const auto& s : services) {
        const QString sid = s.value(QStringLiteral("id")).toString();
        const qreal top = yRoutes;
        for (const auto& r : routes) {
            if (refId(r, "service") != sid || drawn >= kMaxRoutes) continue;
            QStringList lines;
            for (const char* f : {"hosts", "paths", "methods"})
                if (const QString v = displayValue(r.value(QLatin1String(f))); !v.isEmpty())
                    lines << v;
            const QString rid = r.value(QStringLiteral("id")).toString();
            auto* n = new MapNode(QStringLiteral("route"), r, m_session->nameOf("routes", rid),
                                  lines, pluginsOn("route", rid));
            place(n, 1, yRoutes);
            ++drawn;
            edge(listener, n, QColor(0x9e, 0x9e, 0x9e));
        }
        yServices = std::max(yServices, top);
        MapNode* sn = addService(s);
        for (MapNode* n : std::as_const(m_nodes))
            if (n->kind() == QLatin1String("route") && refId(n->entity(), "service") == sid)
                edge(n, sn, QColor(0x35, 0x74, 0xf0));
        yRoutes = std::max(yRoutes, yServices);
    }
    // Routes without a service still show (they answer 503 until one is set).
    for (const auto& r : routes)
        if (refId(r, "service").isEmpty() && drawn < kMaxRoutes) {
            auto* n = new MapNode(QStringLiteral("route"), r,
                                  m_session->nameOf("routes", r.value("id").toString()),
                                  {tr("no service")}, {});
            place(n, 1, yRoutes);
            ++drawn;
            edge(listener, n, QColor(0x9e, 0x9e, 0x9e));
        }
    m_routesColumnRight = 2 * kColumn - (kColumn - MapNode::kWidth) / 2;

    // Columns 3 and 4: upstreams a service names as its host, and their targets.
    const QList<QJsonObject> targets = rows(m_session->model("targets"));
    qreal yUp = 0, yTargets = 0;
    for (const auto& u : rows(m_session->model("upstreams"))) {
        const QString name = u.value(QStringLiteral("name")).toString();
        const QString uid = u.value(QStringLiteral("id")).toString();
        auto* un = new MapNode(QStringLiteral("upstream"), u, name,
                               {u.value(QStringLiteral("algorithm")).toString()}, {});
        yUp = std::max(yUp, yTargets);
        place(un, 3, yUp);
        for (MapNode* sn : std::as_const(serviceNodes))
            if (sn->entity().value(QStringLiteral("host")).toString() == name)
                edge(sn, un, QColor(0x2e, 0x7d, 0x32));
        yTargets = std::max(yTargets, un->pos().y());
        for (const auto& t : targets) {
            if (refId(t, "upstream") != uid) continue;
            auto* tn = new MapNode(QStringLiteral("target"), t,
                                   t.value(QStringLiteral("target")).toString(),
                                   {tr("weight %1").arg(displayValue(t.value("weight")))}, {});
            place(tn, 4, yTargets);
            edge(un, tn, QColor(0xef, 0x6c, 0x00));
        }
    }
    if (drawn >= kMaxRoutes)
        m_result->setText(
            tr("The first %1 routes are drawn; the Routes page lists them all.").arg(kMaxRoutes));
    m_scene->setSceneRect(m_scene->itemsBoundingRect().adjusted(-10, -10, 10, 10));
}

MapNode* RouteMapPage::node(const QString& kind, const QString& id) const {
    return m_nodes.value(kind + QLatin1Char('/') + id);
}

int RouteMapPage::nodeCount(const QString& kind) const {
    int n = 0;
    for (MapNode* node : std::as_const(m_nodes))
        n += node->kind() == kind;
    return n;
}

QString RouteMapPage::testResult() const {
    return m_result->text();
}

void RouteMapPage::showDetails(const QString& kind, const QJsonObject& entity) {
    m_details->setPlainText(kind + QStringLiteral("\n\n") +
                            QString::fromUtf8(QJsonDocument(entity).toJson()));
}

void RouteMapPage::highlight(const QString& routeId, const QString& serviceId) {
    for (MapNode* n : std::as_const(m_nodes))
        n->setHighlighted((n->kind() == QLatin1String("route") && n->id() == routeId) ||
                          (n->kind() == QLatin1String("service") && n->id() == serviceId));
    m_highlighted = routeId;
    if (MapNode* n = node(QStringLiteral("route"), routeId)) m_view->ensureVisible(n);
}

void RouteMapPage::testRequest(const QString& method, const QString& host, const QString& path) {
    const QJsonObject query{{QStringLiteral("method"), method},
                            {QStringLiteral("host"), host},
                            {QStringLiteral("path"), path.isEmpty() ? QStringLiteral("/") : path}};
    m_session->client()->sendJson(
        "POST", QStringLiteral("/router/match"), query, this, [this](const AdminResponse& r) {
            if (!r.ok()) {
                highlight({}, {});
                m_result->setText(tr("Cannot test this request: %1").arg(r.message()));
            } else if (const QJsonObject a = r.json(); a.value(QStringLiteral("route")).isNull()) {
                highlight({}, {});
                m_result->setText(tr("No route matches: the proxy answers 404."));
            } else {
                const QJsonObject route = a.value(QStringLiteral("route")).toObject();
                const QString rid = route.value(QStringLiteral("id")).toString();
                const QString sid = refId(a, "service");
                highlight(rid, sid);
                QString text =
                    tr("Route %1 → service %2 (matched \"%3\")")
                        .arg(m_session->nameOf("routes", rid),
                             sid.isEmpty() ? tr("(none)") : m_session->nameOf("services", sid),
                             a.value(QStringLiteral("matched_path")).toString());
                if (a.value(QStringLiteral("protocol_redirect")).toBool())
                    text += QLatin1Char(' ') + tr("— over http the client is redirected to https.");
                m_result->setText(text);
                showDetails(QStringLiteral("route"), route);
            }
            emit tested();
        });
}

void RouteMapPage::createRouteFor(const QString& serviceId) {
    auto* d = new EntityDialog(
        m_session, QStringLiteral("routes"), EntityDialog::Mode::Create,
        QJsonObject{{QStringLiteral("service"), QJsonObject{{QStringLiteral("id"), serviceId}}}},
        this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->open();
}

} // namespace portico::gui
