#pragma once
// An entity form drawn from the Admin API's /schemas: one editor per field chosen by its type
// (text, number, choice, yes/no, list, map, nested record, reference to another entity),
// defaults filled in, required fields marked, each field's description as help. A new plugin
// or entity field needs no new form code. Server-side field errors (Kong's "fields" object)
// are shown under the exact field. GUI thread only.

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QWidget>
#include <functional>

class QFormLayout;
class QLabel;

namespace portico::gui {

class Session;

class SchemaForm : public QWidget {
    Q_OBJECT
public:
    explicit SchemaForm(Session* session, QWidget* parent = nullptr);

    // `fields`: the schema's "fields" array. Builds the editors, filled with the defaults.
    void setSchema(const QJsonArray& fields);
    // Fills the editors from an entity (fields it lacks keep their defaults).
    void setValues(const QJsonObject& entity);
    // The entity as edited. `forUpdate`: cleared optional fields are sent as null (so that a
    // PATCH clears them) instead of being left out.
    QJsonObject values(bool forUpdate) const;
    // Kong's error "fields" object; returns how many fields it named that the form shows.
    int showErrors(const QJsonObject& fields);
    void clearErrors();
    // For tests: the editor and the error shown for a field path ("name",
    // "healthchecks.active.type").
    QWidget* editor(const QString& path) const;
    QString errorText(const QString& path) const;

private:
    struct Field {
        QString path;
        QWidget* editor = nullptr;
        QLabel* error = nullptr;
        std::function<void(const QJsonValue&)> set;
        std::function<QJsonValue()> get; // Undefined when empty
    };

    void addFields(QFormLayout* layout, const QJsonArray& fields, const QString& prefix);
    Field makeField(const QString& path, const QJsonObject& spec);

    Session* m_session;
    QList<Field> m_fields;
    QHash<QString, int> m_byPath;
};

} // namespace portico::gui
