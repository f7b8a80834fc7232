#pragma once
// The configuration as a graph: the listeners, the routes (hosts, paths, methods), the services
// they forward to and the upstreams and targets those reach, with the plugins on each hop.
// Selecting a node shows its details, double-clicking opens its editor, dragging from a
// service onto the routes column creates a route for it. "Test a request" asks the service
// which route a request would take (POST /router/match) and highlights it. GUI thread only.

#include <QHash>
#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;

namespace portico::gui {

class Session;
class MapNode;

class RouteMapPage : public QWidget {
    Q_OBJECT
public:
    explicit RouteMapPage(Session* session, QWidget* parent = nullptr);

    // Redraws from the session's models (also after each change, coalesced).
    void rebuild();
    // Asks the service which route the request takes and highlights it.
    void testRequest(const QString& method, const QString& host, const QString& path);
    // For tests: nodes by kind ("listener", "route", "service", "upstream", "target"), the
    // highlighted route's id, the last test's answer.
    int nodeCount(const QString& kind) const;
    QString highlightedRoute() const { return m_highlighted; }
    QString testResult() const;
    MapNode* node(const QString& kind, const QString& id) const;
    // What dragging from a service does: a new-route dialog bound to it.
    void createRouteFor(const QString& serviceId);

signals:
    void tested();

private:
    void showDetails(const QString& kind, const QJsonObject& entity);
    void highlight(const QString& routeId, const QString& serviceId);

    Session* m_session;
    QGraphicsScene* m_scene;
    QGraphicsView* m_view;
    QComboBox* m_method;
    QLineEdit* m_host;
    QLineEdit* m_path;
    QLabel* m_result;
    QPlainTextEdit* m_details;
    QTimer* m_rebuild;
    QHash<QString, MapNode*> m_nodes; // "kind/id"
    QString m_highlighted;
    qreal m_routesColumnRight = 0;
};

} // namespace portico::gui
