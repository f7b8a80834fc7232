#include "screenshot_run.h"

#include "main_window.h"
#include "models/entity_columns.h"
#include "models/entity_model.h"
#include "session.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QSet>
#include <QTextStream>
#include <QThread>

namespace portico::gui {

ScreenshotRun::ScreenshotRun(MainWindow* window, Session* session, const QString& dir,
                             QObject* parent)
    : QObject(parent), m_window(window), m_session(session), m_dir(dir) {
    m_poll.setInterval(100);
    connect(&m_poll, &QTimer::timeout, this, &ScreenshotRun::poll);
}

void ScreenshotRun::start() {
    m_window->resize(1280, 800);
    m_window->show();
    m_poll.start();
}

void ScreenshotRun::poll() {
    m_waitedMs += m_poll.interval();
    bool loaded = m_session->client()->state() == AdminClient::State::Connected;
    for (const QString& entity : editableEntities())
        loaded = loaded && !m_session->model(entity)->isLoading();
    // Three seconds of metrics make the charts show lines rather than dots.
    const bool charted = m_session->metrics()->points().size() >= 3;
    if ((loaded && charted) || m_waitedMs >= 15000) {
        m_poll.stop();
        if (!loaded)
            QTextStream(stderr) << "screenshot: not connected or not loaded; shooting anyway\n";
        shoot();
    }
}

int ScreenshotRun::colourCount(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4) {
            colours.insert(image.pixel(x, y));
            if (colours.size() > 64) return static_cast<int>(colours.size());
        }
    return static_cast<int>(colours.size());
}

void ScreenshotRun::shoot() {
    QDir().mkpath(m_dir);
    bool ok = true;
    for (const QString& name : m_window->pageNames()) {
        m_window->showPage(name);
        for (int i = 0; i < 5; ++i) {
            QApplication::processEvents();
            QThread::msleep(20);
        }
        const QImage image = m_window->grab().toImage();
        const QString path = QDir(m_dir).filePath(name + QStringLiteral(".png"));
        const bool saved = image.save(path);
        const int colours = colourCount(image);
        QTextStream(stdout) << path << ' ' << image.width() << 'x' << image.height() << ' '
                            << colours << " colours\n";
        ok = ok && saved && colours > 8;
    }
    QApplication::exit(ok ? 0 : 1);
}

} // namespace portico::gui
