#pragma once
// A real porticod started by a test on a private temporary prefix, with the admin TCP listener
// on an ephemeral loopback port. Test thread only.

#include "support/raw_http_client.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

namespace portico::test {

QString porticodPath();

class PorticodProcess {
public:
    // extraArgs are appended to --prefix/--admin-listen; a later flag overrides an earlier one.
    explicit PorticodProcess(QStringList extraArgs = {});
    ~PorticodProcess();

    // Starts porticod and waits until it reports it is serving. False when it exited or did not
    // come up in time; log() then says why.
    bool start(int timeoutMs = 15000);
    // SIGTERM, then waits for a clean exit. Returns the exit code (-1 on timeout or crash).
    int terminate(int timeoutMs = 15000);
    void kill();
    bool running() const;

    QString prefix() const { return m_prefix; }
    QString socketPath() const { return m_prefix + QStringLiteral("/admin.sock"); }
    QString storePath() const { return m_prefix + QStringLiteral("/portico.db"); }
    quint16 tcpPort() const { return m_tcpPort; }
    quint16 proxyPort() const { return m_proxyPort; }
    quint16 tlsPort() const { return m_tlsPort; } // 0 unless an "ssl" proxy listener was asked
    quint16 statusPort() const { return m_statusPort; }
    QString log();
    QProcess& process() { return m_proc; }
    void setPrefix(const QString& p) { m_prefix = p; }
    void setArgs(const QStringList& a) { m_args = a; }
    // Runs porticod through a program that execs it (e.g. prlimit --nofile=100 --).
    void setWrapper(const QStringList& w) { m_wrapper = w; }

    RawHttpClient local() const { return RawHttpClient::unixSocket(socketPath()); }
    RawHttpClient tcp() const { return RawHttpClient::tcp(m_tcpPort); }
    RawHttpClient proxy() const { return RawHttpClient::tcp(m_proxyPort); }
    RawHttpClient status() const { return RawHttpClient::tcp(m_statusPort); }

    // Runs porticod to completion with these arguments (e.g. admin-token create ci).
    static int runOnce(const QStringList& args, QByteArray* out = nullptr,
                       QByteArray* err = nullptr,
                       const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

private:
    QTemporaryDir m_dir;
    QString m_prefix;
    QStringList m_args;
    QStringList m_wrapper;
    QProcess m_proc;
    QByteArray m_log;
    quint16 m_tcpPort = 0;
    quint16 m_proxyPort = 0;
    quint16 m_tlsPort = 0;
    quint16 m_statusPort = 0;
};

} // namespace portico::test
