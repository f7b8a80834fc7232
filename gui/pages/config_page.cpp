#include "pages/config_page.h"

#include "models/entity_columns.h"
#include "session.h"

#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace portico::gui {

ConfigPage::ConfigPage(Session* session, QWidget* parent) : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("configPage"));
    auto* layout = new QVBoxLayout(this);
    auto* importBox = new QGroupBox(tr("Import and export"));
    auto* importLayout = new QVBoxLayout(importBox);
    auto* buttons = new QHBoxLayout;
    auto* open = new QPushButton(tr("Import a file…"));
    open->setShortcut(QKeySequence::Open);
    auto* save = new QPushButton(tr("Export…"));
    save->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_apply = new QPushButton(tr("Apply"));
    m_apply->setEnabled(false);
    buttons->addWidget(open);
    buttons->addWidget(m_apply);
    buttons->addStretch();
    buttons->addWidget(save);
    importLayout->addLayout(buttons);
    m_message = new QLabel(tr("An import is previewed first: nothing changes until you apply it."));
    m_message->setWordWrap(true);
    importLayout->addWidget(m_message);
    m_diff = new QTreeWidget;
    m_diff->setObjectName(QStringLiteral("diffView"));
    m_diff->setHeaderLabels({tr("Change"), tr("Entity"), tr("Name or id")});
    importLayout->addWidget(m_diff);
    layout->addWidget(importBox, 1);

    auto* historyBox = new QGroupBox(tr("History"));
    auto* historyLayout = new QVBoxLayout(historyBox);
    m_history = new QTableWidget(0, 4);
    m_history->setObjectName(QStringLiteral("historyView"));
    m_history->setHorizontalHeaderLabels({tr("Revision"), tr("Time"), tr("By"), tr("Changes")});
    m_history->horizontalHeader()->setStretchLastSection(true);
    m_history->verticalHeader()->hide();
    m_history->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_history->setSelectionMode(QAbstractItemView::SingleSelection);
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    historyLayout->addWidget(m_history);
    auto* rollback = new QPushButton(tr("Roll back to the selected revision"));
    historyLayout->addWidget(rollback, 0, Qt::AlignLeft);
    layout->addWidget(historyBox, 1);

    connect(open, &QPushButton::clicked, this, &ConfigPage::importFile);
    connect(save, &QPushButton::clicked, this, &ConfigPage::exportFile);
    connect(m_apply, &QPushButton::clicked, this, &ConfigPage::applyImport);
    connect(rollback, &QPushButton::clicked, this, &ConfigPage::rollbackSelected);
    connect(session, &Session::statusChanged, this, &ConfigPage::refreshHistory);
}

QString ConfigPage::message() const {
    return m_message->text();
}

void ConfigPage::importFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Import a configuration"), {},
                                                      tr("Configuration (*.yml *.yaml *.json)"));
    if (path.isEmpty()) return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        m_message->setText(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return;
    }
    previewImport(f.readAll(), !path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive));
}

void ConfigPage::previewImport(const QByteArray& document, bool yaml) {
    m_document = document;
    m_yaml = yaml;
    m_apply->setEnabled(false);
    m_diff->clear();
    m_session->client()->request(
        "POST", QStringLiteral("/config?dry_run=1"), document, this,
        [this](const AdminResponse& r) {
            if (!r.ok()) {
                m_message->setText(tr("This file cannot be applied: %1").arg(r.message()));
                emit previewReady();
                return;
            }
            const QJsonObject diff = r.json();
            int changes = 0;
            for (const char* kind : {"created", "updated", "deleted"}) {
                const QJsonObject byEntity = diff.value(QLatin1String(kind)).toObject();
                const QString label = QLatin1String(kind) == QLatin1String("created") ? tr("create")
                                      : QLatin1String(kind) == QLatin1String("updated")
                                          ? tr("update")
                                          : tr("delete");
                for (auto it = byEntity.begin(); it != byEntity.end(); ++it)
                    for (const auto& e : it.value().toArray()) {
                        const QJsonObject o = e.toObject();
                        QString name = o.value(QStringLiteral("name")).toString();
                        if (name.isEmpty()) name = o.value(QStringLiteral("id")).toString();
                        new QTreeWidgetItem(m_diff, {label, entityTitle(it.key()), name});
                        ++changes;
                    }
            }
            m_message->setText(
                changes == 0 ? tr("The file matches the live configuration.")
                             : tr("%n change(s) would be made. Apply them?", nullptr, changes));
            m_apply->setEnabled(changes > 0);
            emit previewReady();
        },
        yaml ? "application/yaml" : "application/json");
}

void ConfigPage::applyImport() {
    m_apply->setEnabled(false);
    m_session->client()->request(
        "POST", QStringLiteral("/config"), m_document, this,
        [this](const AdminResponse& r) {
            m_message->setText(r.ok() ? tr("Applied.") : tr("Not applied: %1").arg(r.message()));
            if (r.ok()) m_diff->clear();
            emit applied(r.ok());
        },
        m_yaml ? "application/yaml" : "application/json");
}

void ConfigPage::exportFile() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the configuration"),
                                                      QStringLiteral("kong.yml"),
                                                      tr("YAML (*.yml *.yaml);;JSON (*.json)"));
    if (path.isEmpty()) return;
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    m_session->client()->get(
        json ? QStringLiteral("/config") : QStringLiteral("/config?format=yaml"), this,
        [this, path](const AdminResponse& r) {
            QFile f(path);
            if (!r.ok() || !f.open(QIODevice::WriteOnly) || f.write(r.body) != r.body.size())
                m_message->setText(
                    tr("Export failed: %1").arg(r.ok() ? f.errorString() : r.message()));
            else
                m_message->setText(tr("Exported to %1.").arg(path));
        });
}

void ConfigPage::refreshHistory() {
    m_session->client()->get(
        QStringLiteral("/config/history?size=100"), this, [this](const AdminResponse& r) {
            if (!r.ok()) return;
            const QJsonArray list = r.json().value(QStringLiteral("data")).toArray();
            m_history->setRowCount(static_cast<int>(list.size()));
            for (int i = 0; i < list.size(); ++i) {
                const QJsonObject h = list[i].toObject();
                QStringList changes;
                for (const auto& c : h.value(QStringLiteral("changes")).toArray()) {
                    const QJsonObject o = c.toObject();
                    changes << o.value(QStringLiteral("op")).toString() + QLatin1Char(' ') +
                                   o.value(QStringLiteral("entity")).toString();
                }
                const auto when = QDateTime::fromMSecsSinceEpoch(
                    static_cast<qint64>(h.value(QStringLiteral("time")).toDouble() * 1000));
                const QStringList cells = {
                    QString::number(h.value(QStringLiteral("revision")).toInteger()),
                    when.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                    h.value(QStringLiteral("actor")).toString(),
                    changes.join(QStringLiteral(", "))};
                for (int c = 0; c < cells.size(); ++c)
                    m_history->setItem(i, c, new QTableWidgetItem(cells[c]));
            }
        });
}

void ConfigPage::rollbackSelected() {
    const auto rows = m_history->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    const QString revision = m_history->item(rows.first().row(), 0)->text();
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Roll back"),
                        tr("Make revision %1's configuration the live one again?").arg(revision),
                        QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("rollbackConfirmation"));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, revision](int answer) {
        if (answer != QMessageBox::Yes) return;
        m_session->client()->sendJson(
            "POST", QStringLiteral("/config/rollback"),
            QJsonObject{{QStringLiteral("revision"), revision.toLongLong()}}, this,
            [this](const AdminResponse& r) {
                m_message->setText(r.ok() ? tr("Rolled back.")
                                          : tr("Not rolled back: %1").arg(r.message()));
                emit rolledBack(r.ok());
            });
    });
    box->open();
}

} // namespace portico::gui
