#include "pages/entity_page.h"

#include "models/entity_columns.h"
#include "models/entity_filter.h"
#include "models/entity_model.h"
#include "schema/schemas.h"
#include "session.h"
#include "widgets/entity_dialog.h"

#include <QAction>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace portico::gui {

EntityPage::EntityPage(Session* session, const QString& entity, QWidget* parent)
    : QWidget(parent), m_session(session), m_entity(entity), m_model(session->model(entity)) {
    setObjectName(entity + QStringLiteral("Page"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QToolBar;
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    QAction* add = bar->addAction(QIcon(QStringLiteral(":/icons/add.svg")), tr("New"), this,
                                  &EntityPage::createNew);
    add->setShortcut(QKeySequence::New);
    m_edit = bar->addAction(QIcon(QStringLiteral(":/icons/edit.svg")), tr("Edit"), this,
                            &EntityPage::editSelected);
    m_edit->setShortcut(QKeySequence(Qt::Key_Return));
    m_duplicate = bar->addAction(QIcon(QStringLiteral(":/icons/copy.svg")), tr("Duplicate"), this,
                                 &EntityPage::duplicateSelected);
    m_duplicate->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_toggle = bar->addAction(QIcon(QStringLiteral(":/icons/toggle.svg")), tr("Enable/Disable"),
                              this, &EntityPage::toggleSelected);
    m_delete = bar->addAction(QIcon(QStringLiteral(":/icons/delete.svg")), tr("Delete"), this,
                              &EntityPage::deleteSelected);
    m_delete->setShortcut(QKeySequence::Delete);
    for (QAction* a : {add, m_edit, m_duplicate, m_toggle, m_delete})
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    // Only entities with an `enabled` field can be switched off.
    const auto* schema = schema::findSchema(entity.toStdString());
    bool hasEnabled = false;
    if (schema)
        for (const auto& f : schema->fields)
            hasEnabled = hasEnabled || f.name == "enabled";
    m_toggle->setVisible(hasEnabled);
    bar->addSeparator();
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Filter by text, or tag:name"));
    m_search->setClearButtonEnabled(true);
    bar->addWidget(m_search);
    auto* find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, m_search, [this] { m_search->setFocus(); });
    addAction(find);
    layout->addWidget(bar);

    m_filter = new EntityFilter(this);
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(Qt::DisplayRole);
    connect(m_search, &QLineEdit::textChanged, m_filter, &EntityFilter::setQuery);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("table"));
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(0, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    connect(m_table, &QTableView::doubleClicked, this, &EntityPage::editSelected);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &EntityPage::updateActions);
    layout->addWidget(m_table, 1);
    if (entity == QLatin1String("upstreams")) {
        // The selected upstream's targets as the proxy sees them right now.
        m_health = new QTableWidget(0, 4);
        m_health->setObjectName(QStringLiteral("healthTable"));
        m_health->setHorizontalHeaderLabels(
            {tr("Target"), tr("Weight"), tr("Health"), tr("Addresses")});
        m_health->horizontalHeader()->setStretchLastSection(true);
        m_health->verticalHeader()->hide();
        m_health->setEditTriggers(QAbstractItemView::NoEditTriggers);
        m_health->setMaximumHeight(180);
        layout->addWidget(new QLabel(tr("Targets and their health")));
        layout->addWidget(m_health);
        m_healthTimer = new QTimer(this);
        m_healthTimer->setInterval(2000);
        connect(m_healthTimer, &QTimer::timeout, this, &EntityPage::refreshHealth);
        m_healthTimer->start();
        connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
                &EntityPage::refreshHealth);
        connect(session, &Session::entityChanged, this, [this](const QString& e) {
            if (e == QLatin1String("targets")) refreshHealth();
        });
    }
    m_summary = new QLabel;
    layout->addWidget(m_summary);
    auto summarize = [this] {
        m_summary->setStyleSheet({});
        m_summary->setText(m_model->lastError().isEmpty()
                               ? tr("%n item(s)", nullptr, m_model->rowCount())
                               : tr("Could not load: %1").arg(m_model->lastError()));
        updateActions();
    };
    connect(m_model, &EntityModel::loaded, this, summarize);
    connect(m_model, &EntityModel::failed, this, summarize);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, summarize);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, summarize);
    summarize();
}

QString EntityPage::summary() const {
    return m_summary->text();
}

int EntityPage::selectedSourceRow() const {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return -1;
    return m_filter->mapToSource(rows.first()).row();
}

void EntityPage::updateActions() {
    const bool selected = selectedSourceRow() >= 0;
    for (QAction* a : {m_edit, m_duplicate, m_toggle, m_delete})
        a->setEnabled(selected);
}

void EntityPage::refreshHealth() {
    const int row = selectedSourceRow();
    if (!m_health || !isVisible() || row < 0) {
        if (m_health && row < 0) m_health->setRowCount(0);
        return;
    }
    const QString id = m_model->entityAt(row).value(QStringLiteral("id")).toString();
    m_session->client()->get(
        QStringLiteral("/upstreams/%1/health").arg(id), this, [this, id](const AdminResponse& r) {
            const int now = selectedSourceRow();
            if (!r.ok() || now < 0 ||
                m_model->entityAt(now).value(QStringLiteral("id")).toString() != id)
                return;
            const QJsonArray targets = r.json().value(QStringLiteral("data")).toArray();
            m_health->setRowCount(static_cast<int>(targets.size()));
            for (int i = 0; i < targets.size(); ++i) {
                const QJsonObject t = targets[i].toObject();
                QStringList addresses;
                for (const auto& a : t.value(QStringLiteral("data"))
                                         .toObject()
                                         .value(QStringLiteral("addresses"))
                                         .toArray())
                    addresses << a.toObject().value(QStringLiteral("ip")).toString() +
                                     QLatin1Char(':') +
                                     displayValue(a.toObject().value(QStringLiteral("port")));
                const QString health = t.value(QStringLiteral("health")).toString();
                const QStringList cells = {t.value(QStringLiteral("target")).toString(),
                                           displayValue(t.value(QStringLiteral("weight"))), health,
                                           addresses.join(QStringLiteral(", "))};
                for (int c = 0; c < cells.size(); ++c) {
                    auto* item = new QTableWidgetItem(cells[c]);
                    if (c == 2 && health == QLatin1String("UNHEALTHY"))
                        item->setForeground(QColor(0xc6, 0x28, 0x28));
                    m_health->setItem(i, c, item);
                }
            }
        });
}

void EntityPage::openDialog(int mode) {
    const auto m = static_cast<EntityDialog::Mode>(mode);
    const int row = selectedSourceRow();
    if (m != EntityDialog::Mode::Create && row < 0) return;
    auto* dialog = new EntityDialog(
        m_session, m_entity, m,
        row >= 0 && m != EntityDialog::Mode::Create ? m_model->entityAt(row) : QJsonObject(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void EntityPage::createNew() {
    openDialog(static_cast<int>(EntityDialog::Mode::Create));
}

void EntityPage::editSelected() {
    openDialog(static_cast<int>(EntityDialog::Mode::Edit));
}

void EntityPage::duplicateSelected() {
    openDialog(static_cast<int>(EntityDialog::Mode::Duplicate));
}

void EntityPage::toggleSelected() {
    const int row = selectedSourceRow();
    if (row < 0) return;
    const QJsonObject e = m_model->entityAt(row);
    const bool enabled = e.value(QStringLiteral("enabled")).toBool(true);
    m_session->client()->sendJson(
        "PATCH", QStringLiteral("/%1/%2").arg(m_entity, e.value(QStringLiteral("id")).toString()),
        QJsonObject{{QStringLiteral("enabled"), !enabled}}, this, [this](const AdminResponse& r) {
            if (!r.ok()) showFailure(tr("Enable/Disable"), r.message());
        });
}

QString EntityPage::deleteQuestion(int sourceRow) const {
    const QJsonObject e = m_model->entityAt(sourceRow);
    const QString id = e.value(QStringLiteral("id")).toString();
    QString text =
        tr("Delete %1 \"%2\"?").arg(entityTitle(m_entity), m_session->nameOf(m_entity, id));
    // What refers to it: deleted along (cascade) or in the way (restrict).
    QStringList cascade, blocking;
    for (const auto* other : schema::allSchemas())
        for (const auto& f : other->fields) {
            if (f.reference != m_entity.toStdString()) continue;
            const QString collection = QString::fromStdString(other->name);
            const EntityModel* m = m_session->model(collection);
            if (!m) continue;
            int count = 0;
            for (int r = 0; r < m->rowCount(); ++r)
                count += m->entityAt(r)
                             .value(QString::fromStdString(f.name))
                             .toObject()
                             .value(QStringLiteral("id"))
                             .toString() == id;
            if (count == 0) continue;
            const QString what = QStringLiteral("%1 %2").arg(count).arg(entityTitle(collection));
            (f.onDelete == schema::OnDelete::Cascade ? cascade : blocking) << what;
        }
    if (!cascade.isEmpty())
        text +=
            QLatin1Char('\n') + tr("Deleted with it: %1.").arg(cascade.join(QStringLiteral(", ")));
    if (!blocking.isEmpty())
        text += QLatin1Char('\n') + tr("Still referring to it, so the service will refuse: %1.")
                                        .arg(blocking.join(QStringLiteral(", ")));
    return text;
}

void EntityPage::deleteSelected() {
    const int row = selectedSourceRow();
    if (row < 0) return;
    const QString id = m_model->entityAt(row).value(QStringLiteral("id")).toString();
    // Not modal to the whole application: the page keeps updating behind it.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete"), deleteQuestion(row),
                                QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("deleteConfirmation"));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, id](int answer) {
        if (answer != QMessageBox::Yes) return;
        m_session->client()->request("DELETE", QStringLiteral("/%1/%2").arg(m_entity, id), {}, this,
                                     [this](const AdminResponse& r) {
                                         if (!r.ok()) showFailure(tr("Delete"), r.message());
                                     });
    });
    box->open();
}

void EntityPage::showFailure(const QString& what, const QString& why) {
    m_summary->setText(tr("%1 failed: %2").arg(what, why));
    m_summary->setStyleSheet(QStringLiteral("color: #c62828;"));
}

} // namespace portico::gui
