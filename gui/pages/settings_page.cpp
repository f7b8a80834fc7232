#include "pages/settings_page.h"

#include "session.h"

#include <QApplication>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLineEdit>
#include <QPalette>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QVBoxLayout>

namespace portico::gui {

SettingsPage::SettingsPage(Session* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("settingsPage"));
    auto* layout = new QVBoxLayout(this);
    const Endpoint current = session->client()->endpoint();

    auto* connection = new QGroupBox(tr("Connection"));
    auto* form = new QFormLayout(connection);
    m_local = new QRadioButton(tr("Local service (socket)"));
    auto* remote = new QRadioButton(tr("Remote Admin API (URL and token)"));
    (current.isLocal() ? m_local : remote)->setChecked(true);
    m_socket =
        new QLineEdit(current.isLocal() ? current.socketPath : Endpoint::localDefault().socketPath);
    m_url = new QLineEdit(current.url.toString());
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8001"));
    m_token = new QLineEdit(current.token);
    m_token->setEchoMode(QLineEdit::Password);
    form->addRow(m_local);
    form->addRow(tr("Socket path"), m_socket);
    form->addRow(remote);
    form->addRow(tr("URL"), m_url);
    form->addRow(tr("Token"), m_token);
    auto* go = new QPushButton(tr("Connect"));
    connect(go, &QPushButton::clicked, this, &SettingsPage::connectNow);
    form->addRow(go);
    layout->addWidget(connection);

    auto* look = new QGroupBox(tr("Appearance"));
    auto* lookForm = new QFormLayout(look);
    QSettings settings;
    m_theme = new QComboBox;
    m_theme->addItem(tr("Follow the system"), QStringLiteral("system"));
    m_theme->addItem(tr("Light"), QStringLiteral("light"));
    m_theme->addItem(tr("Dark"), QStringLiteral("dark"));
    m_theme->setCurrentIndex(
        std::max(0, m_theme->findData(settings.value(QStringLiteral("theme"), "system"))));
    connect(m_theme, &QComboBox::currentIndexChanged, this, [this] {
        const QString theme = m_theme->currentData().toString();
        QSettings().setValue(QStringLiteral("theme"), theme);
        applyTheme(theme);
    });
    m_language = new QComboBox;
    // Each language is named in itself.
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("Deutsch"), QStringLiteral("de"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    m_language->setCurrentIndex(
        std::max(0, m_language->findData(settings.value(QStringLiteral("language"), "en"))));
    connect(m_language, &QComboBox::currentIndexChanged, this, [this] {
        const QString language = m_language->currentData().toString();
        QSettings().setValue(QStringLiteral("language"), language);
        emit languageChosen(language);
    });
    m_refresh = new QComboBox;
    for (int seconds : {1, 2, 5, 10})
        m_refresh->addItem(tr("every %n second(s)", nullptr, seconds), seconds);
    m_refresh->setCurrentIndex(
        std::max(0, m_refresh->findData(settings.value(QStringLiteral("refresh"), 1))));
    connect(m_refresh, &QComboBox::currentIndexChanged, this, [this] {
        const int seconds = m_refresh->currentData().toInt();
        QSettings().setValue(QStringLiteral("refresh"), seconds);
        emit refreshChosen(seconds);
    });
    lookForm->addRow(tr("Theme"), m_theme);
    lookForm->addRow(tr("Language"), m_language);
    lookForm->addRow(tr("Charts redrawn"), m_refresh);
    layout->addWidget(look);
    layout->addStretch();
}

void SettingsPage::connectNow() {
    Endpoint e;
    if (m_local->isChecked()) {
        e.socketPath = m_socket->text().trimmed();
    } else {
        e.url = QUrl(m_url->text().trimmed());
        e.token = m_token->text();
    }
    QSettings settings;
    settings.setValue(QStringLiteral("socket"), e.socketPath);
    settings.setValue(QStringLiteral("url"), e.url.toString());
    // The token is not written to disk: it is asked again (or given with --token).
    m_session->open(e);
}

void SettingsPage::applyTheme(const QString& theme) {
    // The system's own palette, as found before the console changed anything (Qt 6.4 has no
    // colour-scheme query: a dark window colour says it).
    static const QPalette system = QGuiApplication::palette();
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    bool dark = theme == QLatin1String("dark");
    if (theme == QLatin1String("system")) dark = system.color(QPalette::Window).lightness() < 128;
    QPalette p = QApplication::style()->standardPalette();
    if (dark) {
        const QColor base(0x1e, 0x1f, 0x22), window(0x2b, 0x2d, 0x30), text(0xdf, 0xe1, 0xe5);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, window);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, window);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::ToolTipBase, window);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xf0));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
    }
    QApplication::setPalette(p);
}

} // namespace portico::gui
