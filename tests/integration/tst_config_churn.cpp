// Configuration changes under traffic: a bounded load runs against the proxy while the Admin
// API replaces the whole configuration 30 times (three of them with 10,000 routes). Requests
// in flight finish on the snapshot they started with: no request may fail.
#include "support/fake_upstream.h"
#include "support/porticod_process.h"

#include <QtTest>
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using portico::test::FakeUpstream;
using portico::test::PorticodProcess;

namespace {

using Clock = std::chrono::steady_clock;

// One keep-alive client on blocking POSIX sockets (its own thread): GET /churn in a loop,
// recording each latency, counting any failure (error, close mid-request, non-200).
struct Loader {
    unsigned short port;
    std::atomic<bool>& stop;
    std::vector<double> latenciesMs;
    std::vector<bool> duringChanges;
    const std::atomic<bool>& changing;
    int failures = 0;
    std::string lastFailure;

    int connect() const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    void run() {
        int fd = connect();
        const std::string req = "GET /churn HTTP/1.1\r\nHost: gw.test\r\n\r\n";
        std::string buf;
        char chunk[4096];
        const auto deadline = Clock::now() + std::chrono::seconds(180);
        while (!stop && Clock::now() < deadline) {
            if (fd < 0) {
                ++failures;
                lastFailure = "connect failed";
                return;
            }
            const auto t0 = Clock::now();
            const bool during = changing;
            if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
                ++failures;
                lastFailure = "send failed";
                return;
            }
            buf.clear();
            std::size_t end;
            bool ok = true;
            while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
                const auto n = ::recv(fd, chunk, sizeof chunk, 0);
                if (n <= 0) {
                    ok = false;
                    break;
                }
                buf.append(chunk, static_cast<std::size_t>(n));
            }
            if (ok) {
                const auto cl = buf.find("Content-Length: ");
                const std::size_t len =
                    cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
                while (buf.size() < end + 4 + len) {
                    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
                    if (n <= 0) {
                        ok = false;
                        break;
                    }
                    buf.append(chunk, static_cast<std::size_t>(n));
                }
            }
            if (!ok || buf.rfind("HTTP/1.1 200", 0) != 0) {
                ++failures;
                lastFailure = buf.substr(0, buf.find("\r\n"));
                ::close(fd);
                fd = connect();
                continue;
            }
            latenciesMs.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            duringChanges.push_back(during);
        }
        if (fd >= 0) ::close(fd);
    }
};

double p99(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(static_cast<double>(v.size() - 1) * 0.99)];
}

json configFor(int round, unsigned short upstreamPort, int extraRoutes) {
    json routes = json::array({{{"name", "churn"}, {"paths", {"/churn"}}}});
    for (int i = 0; i < extraRoutes; ++i)
        routes.push_back({{"name", "r" + std::to_string(round) + "-" + std::to_string(i)},
                          {"paths", {"/p" + std::to_string(i) + "/x"}},
                          {"hosts", {"h" + std::to_string(i % 500) + ".example.com"}}});
    return {{"_format_version", "3.0"},
            {"services",
             {{{"name", "up"},
               {"url", "http://127.0.0.1:" + std::to_string(upstreamPort)},
               {"tags", {"round-" + std::to_string(round)}},
               {"routes", routes}}}}};
}

} // namespace

class TestConfigChurn : public QObject {
    Q_OBJECT
private slots:
    void replaceUnderLoad();
};

void TestConfigChurn::replaceUnderLoad() {
    FakeUpstream upstream;
    PorticodProcess node;
    QVERIFY2(node.start(), qPrintable(node.log()));
    QCOMPARE(node.local().json("POST", "/config", configFor(0, upstream.port(), 10)).status, 201);

    std::atomic<bool> stop{false}, changing{false};
    std::vector<Loader> loaders(2, Loader{node.proxyPort(), stop, {}, {}, changing, 0, {}});
    std::vector<std::thread> threads;
    // Stops and joins the load even when a check below fails and returns early.
    struct JoinGuard {
        std::atomic<bool>& stop;
        std::vector<std::thread>& threads;
        ~JoinGuard() {
            stop = true;
            for (auto& t : threads)
                if (t.joinable()) t.join();
        }
    } joinGuard{stop, threads};
    for (auto& l : loaders)
        threads.emplace_back([&l] { l.run(); });

    std::this_thread::sleep_for(std::chrono::seconds(1)); // a baseline outside changes
    changing = true;
    int bigOnes = 0;
    for (int round = 1; round <= 30; ++round) {
        const bool big = round % 10 == 0;
        bigOnes += big;
        // A 10,000-route configuration takes seconds to validate and store (more under the
        // sanitizers): a generous client timeout.
        const json doc = configFor(round, upstream.port(), big ? 10000 : 10 + round);
        auto r = node.local().request("POST", "/config", QByteArray::fromStdString(doc.dump()),
                                      {{"Content-Type", "application/json"}}, 120000);
        QVERIFY2(r.status == 201,
                 qPrintable(QString::number(r.status) + " " + QString::fromUtf8(r.body.left(300))));
    }
    changing = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
    for (auto& t : threads)
        t.join();

    std::vector<double> during, outside;
    int failures = 0;
    for (const auto& l : loaders) {
        failures += l.failures;
        if (l.failures) qWarning("loader failure: %s", l.lastFailure.c_str());
        for (std::size_t i = 0; i < l.latenciesMs.size(); ++i)
            (l.duringChanges[i] ? during : outside).push_back(l.latenciesMs[i]);
    }
    qInfo("%zu requests during the %d replacements (%d with 10,000 routes), %zu outside; p99 %.2f "
          "ms during, %.2f ms outside",
          during.size(), 30, bigOnes, outside.size(), p99(during), p99(outside));
    QCOMPARE(failures, 0);
    QVERIFY(during.size() > 100);
    QVERIFY(!outside.empty());
    QCOMPARE(node.local().request("GET", "/status").json()["entities"]["routes"], 10001);
    QCOMPARE(node.terminate(), 0);
}

QTEST_GUILESS_MAIN(TestConfigChurn)
#include "tst_config_churn.moc"
