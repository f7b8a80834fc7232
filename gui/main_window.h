#pragma once
// The console's window: navigation on the left (dashboard, each entity list, live traffic,
// configuration, settings), the page on the right, the connection state in the status bar and
// a tray icon. Remembers its geometry. GUI thread only.

#include <QMainWindow>

class QListWidget;
class QStackedWidget;
class QLabel;
class QSystemTrayIcon;

namespace portico::gui {

class Session;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Page names, in navigation order; also the screenshot file names.
    QStringList pageNames() const;
    void showPage(const QString& name);
    QWidget* page(const QString& name) const;
    // Rebuilds the pages (after a language change).
    void rebuild();

signals:
    void languageChosen(const QString& language);

protected:
    void changeEvent(QEvent* event) override;

private:
    void buildPages();
    void updateState();

    Session* m_session;
    QListWidget* m_nav;
    QStackedWidget* m_pages;
    QStringList m_names;
    QLabel* m_state;
    QLabel* m_stream;
    QSystemTrayIcon* m_tray = nullptr;
};

} // namespace portico::gui
