#pragma once
// What the console shows of each entity in its table: column titles (translated) and the field
// each reads. Arrays are joined, references show the referenced id, maps their keys.

#include <QJsonObject>
#include <QList>
#include <QString>

namespace portico::gui {

struct EntityColumn {
    const char* title; // untranslated ("EntityColumns" context); see columnTitle()
    QString field;     // a top-level field of the entity
};

// The entity lists the console edits, in the order of its navigation.
QStringList editableEntities();
// The translated plural title ("Services").
QString entityTitle(const QString& entity);
// The entity's columns; the first is what names a row.
const QList<EntityColumn>& entityColumns(const QString& entity);
// A column's title in the current language (translated when asked, so a language switch
// shows at once).
QString columnTitle(const EntityColumn& column);
// A field value as one line of text.
QString displayValue(const QJsonValue& value);

} // namespace portico::gui
