#pragma once
// A recording HTTP/1.1 upstream for proxy tests: listens on 127.0.0.1 (port 0), records every
// request exactly as received, answers with a configurable reply, keeps connections alive.
// Optionally over TLS, asking for and verifying a client certificate (mTLS to the upstream).
// Its own threads; the accessors are safe from the test thread.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace portico::test {

class FakeUpstream {
public:
    struct Reply {
        int status = 200;
        std::string body = "ok";
        std::vector<std::pair<std::string, std::string>> headers;
        bool chunked = false;
        std::string raw;         // when set, sent verbatim instead of the fields above
        bool closeAfter = false; // close the connection after replying
        int delayMs = 0;         // wait before replying
        bool dropReused = false; // close, without replying, a connection's second request
        bool echoAfter = false;  // after the reply, send back every byte received (a tunnel)

        static Reply with(int status, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers = {},
                          bool chunked = false) {
            Reply r;
            r.status = status;
            r.body = std::move(body);
            r.headers = std::move(headers);
            r.chunked = chunked;
            return r;
        }
    };

    // port 0: an ephemeral one; else that port (a target coming back where it was). ipv6:
    // on [::1] instead of 127.0.0.1. port() is 0 when the address could not be bound.
    explicit FakeUpstream(unsigned short port = 0, bool ipv6 = false);
    // On another loopback IPv4 address (127.0.0.2, ...), for a name that resolves to several.
    struct At {
        std::string ipv4;
        unsigned short port = 0;
    };
    explicit FakeUpstream(const At& at);

    // TLS with this certificate; when clientCa is set, a client certificate signed by it (or
    // that certificate itself) is required, and a handshake without one fails.
    struct Tls {
        std::string cert, key; // PEM
        std::string clientCa;  // PEM, empty: no client certificate asked for
        int maxVersion = 0;    // TLS1_2_VERSION etc.; 0 = library default
    };
    explicit FakeUpstream(const Tls& tls);
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    unsigned short port() const { return m_port; }
    void setReply(Reply r);
    // Raw bytes (head and body) of each request received, in order.
    std::vector<std::string> requests() const;
    // For each request in requests(), the serial number of the connection it came on.
    std::vector<int> requestConnections() const;
    void clear();
    int connections() const { return m_connections; }
    // The most requests it was answering at one time (a reply's delay counts as answering).
    int maxBusy() const { return m_maxBusy; }
    // Over TLS, per connection in order: the common name of the client certificate, "" when
    // none was sent, "handshake failed: <reason>" when the handshake did not complete.
    std::vector<std::string> clientNames() const;
    // Over TLS, the handshakes that resumed an earlier session.
    int resumedHandshakes() const { return m_resumed; }

private:
    void listenOn(unsigned short port, bool ipv6, const std::string& ipv4 = "127.0.0.1");
    void acceptLoop();
    void serve(int fd, int connection);

    int m_listenFd = -1;
    unsigned short m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::atomic<int> m_busy{0};
    std::atomic<int> m_maxBusy{0};
    std::atomic<int> m_resumed{0};
    mutable std::mutex m_mutex; // guards m_reply, m_requests, m_threads, m_fds
    Reply m_reply;
    std::vector<std::string> m_requests;
    std::vector<int> m_requestConnections;
    std::vector<std::thread> m_threads;
    std::vector<int> m_fds;
    std::vector<std::string> m_clientNames;
    ::ssl_ctx_st* m_tls = nullptr; // null for plain HTTP
    std::thread m_acceptor;
};

} // namespace portico::test
