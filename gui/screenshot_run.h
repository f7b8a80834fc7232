#pragma once
// `portico-console --screenshot DIR`: waits until the console is connected, its lists are
// loaded and the charts have a few points, renders every page to DIR/<page>.png, and quits
// with 0 when each image was written and is not blank (also under QT_QPA_PLATFORM=offscreen).

#include <QObject>
#include <QString>
#include <QTimer>

namespace portico::gui {

class MainWindow;
class Session;

class ScreenshotRun : public QObject {
    Q_OBJECT
public:
    ScreenshotRun(MainWindow* window, Session* session, const QString& dir,
                  QObject* parent = nullptr);
    void start();
    // Distinct colours in an image: a blank page has one or two.
    static int colourCount(const class QImage& image);

private:
    void poll();
    void shoot();

    MainWindow* m_window;
    Session* m_session;
    QString m_dir;
    QTimer m_poll;
    int m_waitedMs = 0;
};

} // namespace portico::gui
