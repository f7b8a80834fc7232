#pragma once
// The console's own settings: where to connect (local socket, or remote URL and token),
// theme (follow the system, light, dark) and language; kept in QSettings. GUI thread only.

#include <QWidget>

class QLineEdit;
class QComboBox;
class QRadioButton;

namespace portico::gui {

class Session;

class SettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit SettingsPage(Session* session, QWidget* parent = nullptr);

    // Applies a stored theme ("system", "light", "dark") to the application.
    static void applyTheme(const QString& theme);

signals:
    void languageChosen(const QString& language); // "en", "de", "zh_CN"
    void refreshChosen(int seconds);

private:
    void connectNow();

    Session* m_session;
    QRadioButton* m_local;
    QLineEdit* m_socket;
    QLineEdit* m_url;
    QLineEdit* m_token;
    QComboBox* m_theme;
    QComboBox* m_language;
    QComboBox* m_refresh;
};

} // namespace portico::gui
