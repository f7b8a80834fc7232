// `portico-console --screenshot DIR` as CI runs it: offscreen, against a real porticod with the
// sample configuration and some traffic; every page must come out as a PNG that is not blank.
#include "screenshot_run.h"
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <thread>

using portico::gui::ScreenshotRun;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

class TestConsoleScreenshots : public QObject {
    Q_OBJECT
private slots:
    void everyPageIsRendered();
};

void TestConsoleScreenshots::everyPageIsRendered() {
    PorticodProcess node({"--declarative-config", QStringLiteral(PORTICO_SAMPLE_CONFIG)});
    QVERIFY2(node.start(), qPrintable(node.log()));
    FakeUpstream upstream;
    auto api = node.local();
    QCOMPARE(api.json("POST", "/services",
                      {{"name", "shots"},
                       {"url", "http://127.0.0.1:" + std::to_string(upstream.port())}})
                 .status,
             201);
    QCOMPARE(api.json("POST", "/services/shots/routes", {{"paths", {"/shots"}}}).status, 201);
    // Traffic while the console waits for its charts: bounded, it stops by itself.
    std::atomic<bool> stop{false};
    std::thread load([&] {
        for (int i = 0; i < 400 && !stop; ++i) {
            node.proxy().request("GET", i % 5 == 0 ? "/missing" : "/shots");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    QTemporaryDir out;
    QProcess console;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", out.filePath("config")); // no saved settings
    console.setProcessEnvironment(env);
    console.start(QStringLiteral(PORTICO_CONSOLE_PATH),
                  {"--socket", node.socketPath(), "--screenshot", out.filePath("shots")});
    const bool finished = console.waitForFinished(60000);
    stop = true;
    load.join();
    QVERIFY2(finished, console.readAllStandardError().constData());
    QCOMPARE(console.exitCode(), 0);
    const QStringList expected = {"dashboard",     "routemap", "services",        "routes",
                                  "upstreams",     "targets",  "consumers",       "plugins",
                                  "certificates",  "snis",     "ca_certificates", "traffic",
                                  "configuration", "settings"};
    for (const QString& page : expected) {
        const QImage image(out.filePath("shots/" + page + ".png"));
        QVERIFY2(!image.isNull(), qPrintable(page));
        QVERIFY(image.width() >= 1000 && image.height() >= 600);
        QVERIFY2(ScreenshotRun::colourCount(image) > 8, qPrintable(page));
    }
    QCOMPARE(QDir(out.filePath("shots")).entryList({"*.png"}).size(), expected.size());
}

QTEST_MAIN(TestConsoleScreenshots)
#include "tst_console_screenshots.moc"
