#include "pages/traffic_page.h"

#include "session.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace portico::gui {

TrafficPage::TrafficPage(Session* session, QWidget* parent) : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("trafficPage"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    m_pause = new QPushButton(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        m_session->traffic()->setPaused(paused);
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    });
    auto* clear = new QPushButton(tr("Clear"));
    connect(clear, &QPushButton::clicked, session->traffic(), &TrafficModel::clear);
    m_search = new QLineEdit;
    m_search->setPlaceholderText(tr("Filter by method, host, path, status…"));
    m_search->setClearButtonEnabled(true);
    bar->addWidget(m_pause);
    bar->addWidget(clear);
    bar->addWidget(m_search, 1);
    layout->addLayout(bar);

    m_filter = new QSortFilterProxyModel(this);
    m_filter->setSourceModel(session->traffic());
    m_filter->setFilterKeyColumn(-1);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_search, &QLineEdit::textChanged, m_filter,
            &QSortFilterProxyModel::setFilterFixedString);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("trafficTable"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(TrafficModel::Path, QHeaderView::Stretch);
    m_details = new QPlainTextEdit;
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a request to see all it recorded."));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    layout->addWidget(split, 1);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TrafficPage::showDetails);
}

void TrafficPage::showDetails() {
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid()) return;
    const QJsonObject sample = current.data(TrafficModel::SampleRole).toJsonObject();
    m_details->setPlainText(QString::fromUtf8(QJsonDocument(sample).toJson()));
}

} // namespace portico::gui
