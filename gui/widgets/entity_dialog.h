#pragma once
// Create, edit or duplicate one entity through a SchemaForm: the schema is asked of the
// service (/schemas/{entity}), the result is sent as POST (create, duplicate) or PATCH (edit),
// and a refusal shows the service's message on the exact fields. GUI thread only.

#include <QDialog>
#include <QJsonObject>

class QLabel;
class QDialogButtonBox;

namespace portico::gui {

class Session;
class SchemaForm;

class EntityDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Create, Edit, Duplicate };

    // `entity`: the collection ("services"); `current`: the entity to edit or copy.
    EntityDialog(Session* session, const QString& entity, Mode mode,
                 const QJsonObject& current = {}, QWidget* parent = nullptr);

    SchemaForm* form() const { return m_form; }
    // Sends the form; accepted() follows on success. Also what the Save button does.
    void save();
    // The entity the service returned after a successful save.
    QJsonObject saved() const { return m_saved; }
    bool isReady() const { return m_ready; }

signals:
    void ready();      // the schema arrived and the form is built
    void saveFailed(); // the service refused; errors are on the form

private:
    Session* m_session;
    QString m_entity;
    Mode m_mode;
    QJsonObject m_current;
    QJsonObject m_saved;
    SchemaForm* m_form = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    bool m_ready = false;
};

} // namespace portico::gui
