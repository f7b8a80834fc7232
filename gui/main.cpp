// portico-console: the desktop console for a Portico gateway.
#include "main_window.h"
#include "pages/settings_page.h"
#include "screenshot_run.h"
#include "session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTranslator>

using namespace portico::gui;

namespace {
// Swaps the installed translation; widgets rebuild on the LanguageChange that follows.
void useLanguage(QTranslator& translator, const QString& language) {
    QApplication::removeTranslator(&translator);
    if (language == QLatin1String("en") || language.isEmpty()) return;
    if (translator.load(QStringLiteral(":/i18n/portico_%1.qm").arg(language)))
        QApplication::installTranslator(&translator);
}
} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Portico"));
    QApplication::setApplicationName(QStringLiteral("portico-console"));
    QApplication::setApplicationVersion(QStringLiteral(PORTICO_CONSOLE_VERSION));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Desktop console for the Portico API gateway."));
    cli.addHelpOption();
    cli.addVersionOption();
    const QCommandLineOption socket(QStringLiteral("socket"),
                                    QStringLiteral("Admin socket of the local service."),
                                    QStringLiteral("PATH"));
    const QCommandLineOption url(QStringLiteral("url"),
                                 QStringLiteral("Remote Admin API, e.g. http://127.0.0.1:8001."),
                                 QStringLiteral("URL"));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("Bearer token for --url."), QStringLiteral("T"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render every page to DIR/<page>.png and exit."), QStringLiteral("DIR"));
    const QCommandLineOption language(QStringLiteral("language"),
                                      QStringLiteral("en, de or zh_CN (else the saved choice)."),
                                      QStringLiteral("LANG"));
    cli.addOptions({socket, url, token, screenshot, language});
    cli.process(app);

    QSettings settings;
    QTranslator translator;
    useLanguage(translator, cli.isSet(language)
                                ? cli.value(language)
                                : settings.value(QStringLiteral("language")).toString());
    SettingsPage::applyTheme(settings.value(QStringLiteral("theme"), "system").toString());

    Endpoint endpoint;
    if (cli.isSet(socket)) {
        endpoint.socketPath = cli.value(socket);
    } else if (cli.isSet(url)) {
        endpoint.url = QUrl(cli.value(url));
        endpoint.token = cli.value(token);
    } else if (const QString saved = settings.value(QStringLiteral("url")).toString();
               !saved.isEmpty() && settings.value(QStringLiteral("socket")).toString().isEmpty()) {
        endpoint.url = QUrl(saved);
    } else if (const QString path = settings.value(QStringLiteral("socket")).toString();
               !path.isEmpty()) {
        endpoint.socketPath = path;
    } else {
        endpoint = Endpoint::localDefault();
    }

    Session session;
    MainWindow window(&session);
    QObject::connect(&window, &MainWindow::languageChosen, &app,
                     [&translator](const QString& l) { useLanguage(translator, l); });
    session.open(endpoint);
    if (cli.isSet(screenshot)) {
        ScreenshotRun run(&window, &session, cli.value(screenshot));
        run.start();
        return QApplication::exec();
    }
    window.show();
    return QApplication::exec();
}
