#include "support/porticod_process.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>
#include <QThread>
#include <csignal>

namespace portico::test {

QString porticodPath() {
    return QStringLiteral(PORTICOD_PATH);
}

PorticodProcess::PorticodProcess(QStringList extraArgs) : m_args(std::move(extraArgs)) {
    // The temp folder is private (0700), as a prefix parent must be.
    QFile::setPermissions(m_dir.path(),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_prefix = m_dir.path() + QStringLiteral("/prefix");
    m_proc.setProcessChannelMode(QProcess::MergedChannels);
}

PorticodProcess::~PorticodProcess() {
    if (running()) kill();
}

bool PorticodProcess::start(int timeoutMs) {
    m_log.clear();
    m_tcpPort = 0;
    m_proxyPort = 0;
    m_tlsPort = 0;
    m_statusPort = 0;
    QStringList args = {QStringLiteral("--prefix"),        m_prefix,
                        QStringLiteral("--admin-listen"),  QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--proxy-listen"),  QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--status-listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--log-level"),     QStringLiteral("info")};
    args += m_args;
    if (m_wrapper.isEmpty())
        m_proc.start(porticodPath(), args);
    else
        m_proc.start(m_wrapper.first(), m_wrapper.mid(1) + QStringList{porticodPath()} + args);
    if (!m_proc.waitForStarted(timeoutMs)) return false;
    QDeadlineTimer deadline(timeoutMs);
    static const QRegularExpression proxyLine(
        QStringLiteral("\\] proxy listening on 127\\.0\\.0\\.1:(\\d+)"));
    static const QRegularExpression tlsLine(
        QStringLiteral("TLS proxy listening on 127\\.0\\.0\\.1:(\\d+)"));
    static const QRegularExpression statusLine(
        QStringLiteral("Status API listening on 127\\.0\\.0\\.1:(\\d+)"));
    static const QRegularExpression portLine(
        QStringLiteral("Admin API listening on 127\\.0\\.0\\.1:(\\d+)"));
    while (!deadline.hasExpired()) {
        m_proc.waitForReadyRead(50);
        m_log += m_proc.readAll();
        const QString text = QString::fromUtf8(m_log);
        if (auto m = portLine.match(text); m.hasMatch())
            m_tcpPort = static_cast<quint16>(m.captured(1).toUInt());
        if (auto m = proxyLine.match(text); m.hasMatch())
            m_proxyPort = static_cast<quint16>(m.captured(1).toUInt());
        if (auto m = statusLine.match(text); m.hasMatch())
            m_statusPort = static_cast<quint16>(m.captured(1).toUInt());
        if (auto m = tlsLine.match(text); m.hasMatch())
            m_tlsPort = static_cast<quint16>(m.captured(1).toUInt());
        if (text.contains(QStringLiteral("] porticod ")) &&
            text.contains(QStringLiteral(" started (")))
            return true;
        if (m_proc.state() == QProcess::NotRunning) return false;
    }
    return false;
}

int PorticodProcess::terminate(int timeoutMs) {
    if (m_proc.state() == QProcess::NotRunning) return m_proc.exitCode();
    m_proc.terminate();
    if (!m_proc.waitForFinished(timeoutMs)) {
        m_proc.kill();
        m_proc.waitForFinished(5000);
        return -1;
    }
    m_log += m_proc.readAll();
    return m_proc.exitStatus() == QProcess::NormalExit ? m_proc.exitCode() : -1;
}

void PorticodProcess::kill() {
    m_proc.kill();
    m_proc.waitForFinished(5000);
    m_log += m_proc.readAll();
}

bool PorticodProcess::running() const {
    return m_proc.state() != QProcess::NotRunning;
}

QString PorticodProcess::log() {
    // Collect what the process has written so far; it may still be in the pipe.
    while (m_proc.state() != QProcess::NotRunning && m_proc.waitForReadyRead(100))
        m_log += m_proc.readAll();
    m_log += m_proc.readAll();
    return QString::fromUtf8(m_log);
}

int PorticodProcess::runOnce(const QStringList& args, QByteArray* out, QByteArray* err,
                             const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(porticodPath(), args);
    if (!p.waitForFinished(30000)) {
        p.kill();
        return -1;
    }
    if (out) *out = p.readAllStandardOutput();
    if (err) *err = p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace portico::test
