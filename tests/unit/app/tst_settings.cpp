// porticod settings: defaults < portico.conf < PORTICO_* environment < flags, and errors that
// name the key.
#include "app/settings.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace portico;

namespace {
// argv/environ arrays built from string lists for loadSettings.
struct Argv {
    std::vector<std::string> store;
    std::vector<char*> ptrs;
    explicit Argv(const QStringList& items, bool leadingProgram) {
        if (leadingProgram) store.push_back("porticod");
        for (const auto& i : items)
            store.push_back(i.toStdString());
        for (auto& s : store)
            ptrs.push_back(s.data());
        ptrs.push_back(nullptr);
    }
};
} // namespace

class TestSettings : public QObject {
    Q_OBJECT
private slots:
    void load_data();
    void load();
    void defaults();
};

void TestSettings::load_data() {
    QTest::addColumn<QString>("file");    // portico.conf contents; empty for none
    QTest::addColumn<QStringList>("env"); // KEY=VALUE
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("error"); // expected error fragment; empty when valid
    QTest::addColumn<QString>("key");   // a setting to check when valid
    QTest::addColumn<QString>("value");

    QTest::newRow("file") << "worker_threads = 3\n"
                          << QStringList() << QStringList() << ""
                          << "worker_threads"
                          << "3";
    QTest::newRow("env beats file")
        << "worker_threads = 3\n"
        << QStringList{"PORTICO_WORKER_THREADS=4"} << QStringList() << ""
        << "worker_threads"
        << "4";
    QTest::newRow("flag beats env")
        << "worker_threads = 3\n"
        << QStringList{"PORTICO_WORKER_THREADS=4"} << QStringList{"--worker-threads", "5"} << ""
        << "worker_threads"
        << "5";
    QTest::newRow("comments and spaces") << "# a comment\n\n  log_level   =  debug   # trailing\n"
                                         << QStringList() << QStringList() << ""
                                         << "log_level"
                                         << "debug";
    QTest::newRow("escaped hash") << "cluster_control_plane = cp\\#1\n"
                                  << QStringList() << QStringList() << ""
                                  << "cluster_control_plane"
                                  << "cp#1";
    QTest::newRow("listen list") << "proxy_listen = 127.0.0.1:8000, [::1]:8443 ssl\n"
                                 << QStringList() << QStringList() << ""
                                 << "proxy_listen"
                                 << "127.0.0.1:8000,[::1]:8443 ssl";
    QTest::newRow("listener off") << "admin_listen = off\nadmin_socket = off\n"
                                  << QStringList() << QStringList() << ""
                                  << "admin_listen"
                                  << "off";
    QTest::newRow("socket under prefix")
        << "" << QStringList() << QStringList{"--prefix", "/srv/p"} << ""
        << "admin_socket"
        << "/srv/p/admin.sock";
    QTest::newRow("flag with equals")
        << "" << QStringList() << QStringList{"--log_level=warn"} << ""
        << "log_level"
        << "warn";
    QTest::newRow("unknown file key")
        << "worker_thread = 3\n"
        << QStringList() << QStringList() << "portico.conf:1: unknown key 'worker_thread'"
        << ""
        << "";
    QTest::newRow("line without equals")
        << "\nlog_level debug\n"
        << QStringList() << QStringList() << "portico.conf:2: expected 'key = value'"
        << ""
        << "";
    QTest::newRow("unknown env key") << "" << QStringList{"PORTICO_COLOUR=red"} << QStringList()
                                     << "PORTICO_COLOUR: unknown key 'colour'"
                                     << ""
                                     << "";
    QTest::newRow("bad level") << "log_level = loud\n"
                               << QStringList() << QStringList()
                               << "portico.conf:1): expected one of: debug"
                               << ""
                               << "";
    QTest::newRow("bad port")
        << "" << QStringList{"PORTICO_PROXY_LISTEN=0.0.0.0:99999"} << QStringList()
        << "proxy_listen (environment variable PORTICO_PROXY_LISTEN): '99999' is not a port number"
        << ""
        << "";
    QTest::newRow("bad address")
        << "" << QStringList() << QStringList{"--status-listen", "example.com:80"}
        << "status_listen (option --status_listen): 'example.com' is not an IP address"
        << ""
        << "";
    QTest::newRow("bad flag word")
        << "" << QStringList() << QStringList{"--proxy-listen", "0.0.0.0:80 tls"}
        << "unknown listener flag 'tls'"
        << ""
        << "";
    QTest::newRow("bad workers")
        << "" << QStringList() << QStringList{"--worker-threads", "0"}
        << "worker_threads (option --worker_threads): expected 'auto' or a number"
        << ""
        << "";
    QTest::newRow("bad role") << "role = primary\n"
                              << QStringList() << QStringList()
                              << "portico.conf:1): expected one of: standalone"
                              << ""
                              << "";
    QTest::newRow("headers off") << "headers = off\n"
                                 << QStringList() << QStringList() << ""
                                 << "headers"
                                 << "off";
    QTest::newRow("headers subset")
        << "" << QStringList{"PORTICO_HEADERS=request_id"} << QStringList() << ""
        << "headers"
        << "request_id";
    QTest::newRow("bad header group")
        << "headers = server_tokens\n"
        << QStringList() << QStringList() << "unknown header group 'server_tokens'"
        << ""
        << "";
    QTest::newRow("nameservers") << "" << QStringList()
                                 << QStringList{"--dns-resolver", "10.0.0.53, 127.0.0.1:5353"} << ""
                                 << "dns_resolver"
                                 << "10.0.0.53:53, 127.0.0.1:5353";
    QTest::newRow("bad nameserver")
        << "dns_resolver = dns.example.com\n"
        << QStringList() << QStringList()
        << "expected IPv4 nameservers as ip or ip:port, comma-separated (got 'dns.example.com')"
        << ""
        << "";
    QTest::newRow("bad nameserver port") << "dns_resolver = 127.0.0.1:0\n"
                                         << QStringList() << QStringList() << "(got '127.0.0.1:0')"
                                         << ""
                                         << "";
    QTest::newRow("timeout") << "client_header_timeout = 5\n"
                             << QStringList() << QStringList() << ""
                             << "client_header_timeout"
                             << "5";
    QTest::newRow("bad timeout") << "" << QStringList{"PORTICO_KEEPALIVE_TIMEOUT=0"}
                                 << QStringList()
                                 << "expected a number of seconds from 1 to 3600 (got '0')"
                                 << ""
                                 << "";
    QTest::newRow("size with unit") << "client_max_body_size = 8m\n"
                                    << QStringList() << QStringList() << ""
                                    << "client_max_body_size"
                                    << "8388608";
    QTest::newRow("size off") << "" << QStringList() << QStringList{"--client-max-body-size", "0"}
                              << ""
                              << "client_max_body_size"
                              << "0";
    QTest::newRow("bad size unit") << "client_max_header_size = 64q\n"
                                   << QStringList() << QStringList() << "expected a size such as"
                                   << ""
                                   << "";
    QTest::newRow("head limit too small")
        << "client_max_header_size = 100\n"
        << QStringList() << QStringList() << "from 1024 to 1048576 bytes"
        << ""
        << "";
    QTest::newRow("upstream pool size") << "upstream_keepalive_pool_size = 64\n"
                                        << QStringList() << QStringList() << ""
                                        << "upstream_keepalive_pool_size"
                                        << "64";
    QTest::newRow("no upstream pooling")
        << "" << QStringList{"PORTICO_UPSTREAM_KEEPALIVE_POOL_SIZE=0"} << QStringList() << ""
        << "upstream_keepalive_pool_size"
        << "0";
    QTest::newRow("upstream requests per connection")
        << "" << QStringList() << QStringList{"--upstream-keepalive-max-requests", "100"} << ""
        << "upstream_keepalive_max_requests"
        << "100";
    QTest::newRow("bad upstream idle timeout")
        << "upstream_keepalive_idle_timeout = -1\n"
        << QStringList() << QStringList() << "expected a whole number from 0 to 3600"
        << ""
        << "";
    QTest::newRow("trusted ips") << "trusted_ips = 10.0.0.0/8, ::1\n"
                                 << QStringList() << QStringList() << ""
                                 << "trusted_ips"
                                 << "10.0.0.0/8, ::1";
    QTest::newRow("bad trusted ip")
        << "trusted_ips = 10.0.0.0/8, proxy.local\n"
        << QStringList() << QStringList() << "'proxy.local' is not an IP address or CIDR range"
        << ""
        << "";
    QTest::newRow("public admin")
        << "admin_listen = 0.0.0.0:8001\n"
        << QStringList() << QStringList()
        << "refusing to expose the Admin API on non-loopback address 0.0.0.0 without TLS"
        << ""
        << "";
}

void TestSettings::load() {
    QFETCH(QString, file);
    QFETCH(QStringList, env);
    QFETCH(QStringList, flags);
    QFETCH(QString, error);
    QFETCH(QString, key);
    QFETCH(QString, value);

    QTemporaryDir dir;
    QStringList args = flags;
    if (!file.isEmpty()) {
        QFile f(dir.path() + "/portico.conf");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(file.toUtf8());
        f.close();
        args = QStringList{"--config", f.fileName()} + args;
    }
    Argv argv(args, true);
    Argv environ(env, false);
    auto cli = app::parseCommandLine(static_cast<int>(argv.ptrs.size() - 1), argv.ptrs.data());
    if (!cli) {
        QVERIFY2(!error.isEmpty() && QString::fromStdString(cli.error()).contains(error),
                 cli.error().c_str());
        return;
    }
    auto s = app::loadSettings(*cli, environ.ptrs.data());
    if (!error.isEmpty()) {
        QVERIFY2(!s.hasValue(), "expected an error");
        QVERIFY2(QString::fromStdString(s.error()).contains(error), s.error().c_str());
        return;
    }
    QVERIFY2(s.hasValue(), s.hasValue() ? "" : s.error().c_str());
    QString actual;
    if (key == "worker_threads")
        actual = QString::number(s->workerThreads);
    else if (key == "log_level")
        actual = log::levelName(s->logLevel);
    else if (key == "cluster_control_plane")
        actual = QString::fromStdString(s->clusterControlPlane);
    else if (key == "headers")
        actual = !s->latencyHeaders && !s->requestIdHeader ? "off"
                 : s->latencyHeaders && s->requestIdHeader ? "latency_tokens, request_id"
                 : s->latencyHeaders                       ? "latency_tokens"
                                                           : "request_id";
    else if (key == "admin_socket")
        actual = QString::fromStdString(s->adminSocket);
    else if (key == "client_header_timeout")
        actual = QString::number(s->limits.headerTimeoutS);
    else if (key == "client_max_body_size")
        actual = QString::number(s->limits.maxBodySize);
    else if (key == "upstream_keepalive_pool_size")
        actual = QString::number(s->limits.upstreamPoolSize);
    else if (key == "upstream_keepalive_max_requests")
        actual = QString::number(s->limits.upstreamMaxRequests);
    else if (key == "trusted_ips")
        actual = QString::fromStdString(s->trustedIps);
    else if (key == "dns_resolver") {
        QStringList servers;
        for (const auto& server : s->dnsResolver)
            servers << QString::fromStdString(server);
        actual = servers.join(", ");
    } else if (key == "admin_listen")
        actual = s->adminListen ? QString::fromStdString(s->adminListen->text()) : "off";
    else if (key == "proxy_listen") {
        QStringList parts;
        for (const auto& a : s->proxyListen)
            parts << QString::fromStdString(a.text());
        actual = parts.join(',');
    }
    QCOMPARE(actual, value);
}

void TestSettings::defaults() {
    Argv argv({}, true);
    Argv environ({}, false);
    auto cli = app::parseCommandLine(1, argv.ptrs.data());
    QVERIFY(cli.hasValue());
    auto s = app::loadSettings(*cli, environ.ptrs.data());
    QVERIFY(s.hasValue());
    QCOMPARE(QString::fromStdString(s->role), QString("standalone"));
    QCOMPARE(QString::fromStdString(s->adminListen->text()), QString("127.0.0.1:8001"));
    QCOMPARE(QString::fromStdString(s->statusListen->text()), QString("127.0.0.1:8100"));
    QCOMPARE(s->proxyListen.size(), 2u);
    QVERIFY(s->proxyListen[1].ssl);
    QCOMPARE(QString::fromStdString(s->adminSocket), QString(".portico/admin.sock"));
    QVERIFY(s->workerThreads >= 1);
    QCOMPARE(s->limits.upstreamPoolSize, 512);
    QCOMPARE(s->limits.upstreamMaxRequests, 10000);
    QCOMPARE(s->limits.upstreamIdleTimeoutS, 60);
}

QTEST_APPLESS_MAIN(TestSettings)
#include "tst_settings.moc"
