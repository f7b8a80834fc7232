#include "main_window.h"

#include "models/entity_columns.h"
#include "pages/config_page.h"
#include "pages/dashboard_page.h"
#include "pages/entity_page.h"
#include "pages/route_map_page.h"
#include "pages/settings_page.h"
#include "pages/traffic_page.h"
#include "session.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace portico::gui {

MainWindow::MainWindow(Session* session, QWidget* parent)
    : QMainWindow(parent), m_session(session) {
    setWindowTitle(tr("Portico Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/portico.svg")));
    auto* split = new QSplitter;
    m_nav = new QListWidget;
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setMaximumWidth(220);
    m_nav->setIconSize(QSize(20, 20));
    m_pages = new QStackedWidget;
    split->addWidget(m_nav);
    split->addWidget(m_pages);
    split->setStretchFactor(1, 1);
    setCentralWidget(split);
    connect(m_nav, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    m_state = new QLabel;
    m_stream = new QLabel;
    statusBar()->addWidget(m_state);
    statusBar()->addPermanentWidget(m_stream);
    connect(session->client(), &AdminClient::stateChanged, this, &MainWindow::updateState);
    connect(session->events(), &EventStream::streamingChanged, this, &MainWindow::updateState);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        auto* menu = new QMenu(this);
        menu->addAction(tr("Open the console"), this, [this] {
            showNormal();
            raise();
            activateWindow();
        });
        menu->addAction(tr("Quit"), qApp, &QApplication::quit);
        m_tray->setContextMenu(menu);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            activateWindow();
        });
        m_tray->show();
    }

    buildPages();
    updateState();
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray())) {
        const QSize screen = QGuiApplication::primaryScreen()
                                 ? QGuiApplication::primaryScreen()->availableSize()
                                 : QSize(1440, 900);
        resize(std::min(1280, screen.width() * 9 / 10), std::min(800, screen.height() * 9 / 10));
    }
}

MainWindow::~MainWindow() {
    QSettings().setValue(QStringLiteral("geometry"), saveGeometry());
}

void MainWindow::buildPages() {
    const int current = std::max(0, m_nav->currentRow());
    m_nav->clear();
    while (m_pages->count() > 0) {
        QWidget* w = m_pages->widget(0);
        m_pages->removeWidget(w);
        w->deleteLater();
    }
    m_names.clear();
    auto add = [&](const QString& name, const QString& title, const QString& icon, QWidget* page) {
        auto* item = new QListWidgetItem(QIcon(icon), title);
        m_nav->addItem(item);
        m_pages->addWidget(page);
        m_names << name;
        // Alt+1..9 reach the first pages from anywhere.
        if (m_names.size() <= 9) {
            auto* jump = new QAction(page);
            jump->setShortcut(QKeySequence(
                QKeyCombination(Qt::ALT, static_cast<Qt::Key>(Qt::Key_0 + m_names.size()))));
            jump->setShortcutContext(Qt::ApplicationShortcut);
            const int row = static_cast<int>(m_names.size()) - 1;
            connect(jump, &QAction::triggered, m_nav, [this, row] { m_nav->setCurrentRow(row); });
            addAction(jump);
        }
    };
    auto* dashboard = new DashboardPage(m_session);
    add(QStringLiteral("dashboard"), tr("Dashboard"), QStringLiteral(":/icons/dashboard.svg"),
        dashboard);
    add(QStringLiteral("routemap"), tr("Route map"), QStringLiteral(":/icons/routemap.svg"),
        new RouteMapPage(m_session));
    for (const QString& entity : editableEntities())
        add(entity, entityTitle(entity), QStringLiteral(":/icons/%1.svg").arg(entity),
            new EntityPage(m_session, entity));
    add(QStringLiteral("traffic"), tr("Live traffic"), QStringLiteral(":/icons/traffic.svg"),
        new TrafficPage(m_session));
    add(QStringLiteral("configuration"), tr("Configuration"),
        QStringLiteral(":/icons/configuration.svg"), new ConfigPage(m_session));
    auto* settings = new SettingsPage(m_session);
    connect(settings, &SettingsPage::languageChosen, this, &MainWindow::languageChosen);
    connect(settings, &SettingsPage::refreshChosen, dashboard, &DashboardPage::setRefreshSeconds);
    add(QStringLiteral("settings"), tr("Settings"), QStringLiteral(":/icons/settings.svg"),
        settings);
    m_nav->setCurrentRow(std::min(current, m_nav->count() - 1));
}

QStringList MainWindow::pageNames() const {
    return m_names;
}

void MainWindow::showPage(const QString& name) {
    const auto at = m_names.indexOf(name);
    if (at >= 0) m_nav->setCurrentRow(static_cast<int>(at));
}

QWidget* MainWindow::page(const QString& name) const {
    const auto at = m_names.indexOf(name);
    return at >= 0 ? m_pages->widget(static_cast<int>(at)) : nullptr;
}

void MainWindow::rebuild() {
    setWindowTitle(tr("Portico Console"));
    buildPages();
    updateState();
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) rebuild();
    QMainWindow::changeEvent(event);
}

void MainWindow::updateState() {
    const auto* client = m_session->client();
    const QString state = AdminClient::stateText(client->state());
    m_state->setText(tr("%1 — %2").arg(client->endpoint().describe(), state));
    m_stream->setText(m_session->events()->isStreaming() ? tr("Live") : tr("Not live"));
    if (m_tray) m_tray->setToolTip(tr("Portico: %1").arg(state));
}

} // namespace portico::gui
