#include "widgets/map_node.h"

#include <QApplication>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QPalette>

namespace portico::gui {

namespace {
constexpr qreal kLine = 16;
QColor kindColour(const QString& kind) {
    if (kind == QLatin1String("listener")) return QColor(0x6a, 0x1b, 0x9a);
    if (kind == QLatin1String("route")) return QColor(0x35, 0x74, 0xf0);
    if (kind == QLatin1String("service")) return QColor(0x2e, 0x7d, 0x32);
    if (kind == QLatin1String("upstream")) return QColor(0xef, 0x6c, 0x00);
    if (kind == QLatin1String("consumer")) return QColor(0x8e, 0x24, 0xaa);
    return QColor(0x75, 0x75, 0x75);
}
} // namespace

MapNode::MapNode(const QString& kind, const QJsonObject& entity, const QString& title,
                 const QStringList& lines, const QStringList& plugins)
    : m_kind(kind), m_entity(entity), m_title(title), m_lines(lines), m_plugins(plugins) {
    m_height = 10 + kLine * (1 + m_lines.size() + (m_plugins.isEmpty() ? 0 : 1)) + 6;
    setFlag(ItemIsSelectable);
    setAcceptedMouseButtons(Qt::LeftButton);
    setToolTip(title);
}

QRectF MapNode::boundingRect() const {
    return QRectF(0, 0, kWidth, m_height);
}

void MapNode::setHighlighted(bool on) {
    m_highlighted = on;
    update();
}

void MapNode::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const QPalette pal = QApplication::palette();
    const QColor accent = kindColour(m_kind);
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(QPen(m_highlighted ? QColor(0xc6, 0x28, 0x28) : accent,
                   m_highlighted || isSelected() ? 3 : 1.5));
    p->setBrush(pal.color(QPalette::Base));
    p->drawRoundedRect(boundingRect().adjusted(1, 1, -1, -1), 6, 6);
    p->fillRect(QRectF(1, 1, 5, m_height - 2), accent);
    QFont bold = p->font();
    bold.setBold(true);
    p->setFont(bold);
    p->setPen(pal.color(QPalette::Text));
    qreal y = 6;
    const QFontMetrics fm(bold);
    p->drawText(QRectF(12, y, kWidth - 18, kLine), Qt::AlignLeft | Qt::AlignVCenter,
                fm.elidedText(m_title, Qt::ElideRight, static_cast<int>(kWidth - 18)));
    QFont plain = bold;
    plain.setBold(false);
    p->setFont(plain);
    const QFontMetrics pm(plain);
    for (const QString& line : m_lines) {
        y += kLine;
        p->drawText(QRectF(12, y, kWidth - 18, kLine), Qt::AlignLeft | Qt::AlignVCenter,
                    pm.elidedText(line, Qt::ElideRight, static_cast<int>(kWidth - 18)));
    }
    if (!m_plugins.isEmpty()) {
        y += kLine;
        p->setPen(QColor(0x8e, 0x24, 0xaa));
        p->drawText(QRectF(12, y, kWidth - 18, kLine), Qt::AlignLeft | Qt::AlignVCenter,
                    pm.elidedText(QStringLiteral("⚙ ") + m_plugins.join(QStringLiteral(", ")),
                                  Qt::ElideRight, static_cast<int>(kWidth - 18)));
    }
}

void MapNode::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    QGraphicsObject::mousePressEvent(event);
    emit chosen(this);
}

void MapNode::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (m_kind != QLatin1String("service")) return;
    // Dragging out of a service draws the route to be.
    if (!m_drag) {
        m_drag = new QGraphicsLineItem;
        m_drag->setPen(QPen(kindColour(QStringLiteral("route")), 2, Qt::DashLine));
        scene()->addItem(m_drag);
    }
    m_drag->setLine(QLineF(mapToScene(QPointF(0, m_height / 2)), event->scenePos()));
}

void MapNode::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_drag) {
        delete m_drag;
        m_drag = nullptr;
        if (!contains(event->pos())) emit draggedTo(this, event->scenePos());
    }
    QGraphicsObject::mouseReleaseEvent(event);
}

void MapNode::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
    QGraphicsObject::mouseDoubleClickEvent(event);
    emit opened(this);
}

} // namespace portico::gui
