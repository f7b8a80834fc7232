#include "widgets/entity_dialog.h"

#include "models/entity_columns.h"
#include "session.h"
#include "widgets/schema_form.h"

#include <QDialogButtonBox>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace portico::gui {

EntityDialog::EntityDialog(Session* session, const QString& entity, Mode mode,
                           const QJsonObject& current, QWidget* parent)
    : QDialog(parent), m_session(session), m_entity(entity), m_mode(mode), m_current(current) {
    const QString title = entityTitle(entity);
    setWindowTitle(mode == Mode::Create      ? tr("New: %1").arg(title)
                   : mode == Mode::Duplicate ? tr("Duplicate: %1").arg(title)
                                             : tr("Edit: %1").arg(title));
    setObjectName(QStringLiteral("entityDialog"));
    auto* layout = new QVBoxLayout(this);
    m_message = new QLabel(tr("Loading the form…"));
    m_message->setWordWrap(true);
    layout->addWidget(m_message);
    m_form = new SchemaForm(session);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_form);
    layout->addWidget(scroll, 1);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    m_buttons->button(QDialogButtonBox::Save)->setShortcut(QKeySequence::Save);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &EntityDialog::save);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);
    resize(640, 720);

    session->client()->get(
        QStringLiteral("/schemas/") + entity, this, [this](const AdminResponse& r) {
            if (!r.ok()) {
                m_message->setText(tr("The form could not be loaded: %1").arg(r.message()));
                return;
            }
            m_form->setSchema(r.json().value(QStringLiteral("fields")).toArray());
            // Create takes `current` as a prefill (a route made from a service on the map).
            if (m_mode != Mode::Create || !m_current.isEmpty()) {
                QJsonObject values = m_current;
                if (m_mode == Mode::Duplicate) {
                    // A copy is a new entity: no id, and a name that does not clash.
                    values.remove(QStringLiteral("id"));
                    for (const char* key : {"name", "username"})
                        if (values.value(QLatin1String(key)).isString())
                            values.insert(QLatin1String(key),
                                          values.value(QLatin1String(key)).toString() +
                                              QStringLiteral("-copy"));
                }
                m_form->setValues(values);
            }
            m_message->setText(tr("Fields marked * are required; hover a field for its help."));
            m_buttons->button(QDialogButtonBox::Save)->setEnabled(true);
            m_ready = true;
            emit ready();
        });
}

void EntityDialog::save() {
    m_form->clearErrors();
    const bool edit = m_mode == Mode::Edit;
    const QJsonObject body = m_form->values(edit);
    const QString path = edit ? QStringLiteral("/%1/%2").arg(
                                    m_entity, m_current.value(QStringLiteral("id")).toString())
                              : QLatin1Char('/') + m_entity;
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    m_session->client()->sendJson(
        edit ? "PATCH" : "POST", path, body, this, [this](const AdminResponse& r) {
            m_buttons->button(QDialogButtonBox::Save)->setEnabled(true);
            if (r.ok()) {
                m_saved = r.json();
                accept();
                return;
            }
            const QJsonObject error = r.json();
            const int shown = m_form->showErrors(error.value(QStringLiteral("fields")).toObject());
            m_message->setText(shown > 0 ? tr("Not saved: correct the fields shown in red.")
                                         : tr("Not saved: %1").arg(r.message()));
            m_message->setStyleSheet(QStringLiteral("color: #c62828;"));
            emit saveFailed();
        });
}

} // namespace portico::gui
