#pragma once
// One box of the route map: an entity (its kind, id and the lines that describe it) and the
// plugins on it. Emits when it is selected, opened (double-click) or, for a service, dragged
// out to somewhere else on the map. GUI thread only; owned by its scene.

#include <QGraphicsObject>
#include <QJsonObject>
#include <QStringList>

namespace portico::gui {

class MapNode : public QGraphicsObject {
    Q_OBJECT
public:
    static constexpr qreal kWidth = 220;

    MapNode(const QString& kind, const QJsonObject& entity, const QString& title,
            const QStringList& lines, const QStringList& plugins);

    QString kind() const { return m_kind; }
    QString id() const { return m_entity.value(QStringLiteral("id")).toString(); }
    QJsonObject entity() const { return m_entity; }
    void setHighlighted(bool on);
    bool isHighlighted() const { return m_highlighted; }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

signals:
    void chosen(portico::gui::MapNode* node);
    void opened(portico::gui::MapNode* node);
    void draggedTo(portico::gui::MapNode* node, QPointF scenePos);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;

private:
    QString m_kind;
    QJsonObject m_entity;
    QString m_title;
    QStringList m_lines;
    QStringList m_plugins;
    qreal m_height;
    bool m_highlighted = false;
    class QGraphicsLineItem* m_drag = nullptr;
};

} // namespace portico::gui
