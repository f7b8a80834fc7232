// TlsSocket on real loopback connections. As the server side of the proxy's TLS client
// connections, against a blocking OpenSSL client: bytes echoed whole in both directions (one
// byte to many records, written asynchronously or in place with sendNow, to a client that reads
// late so that the socket fills), the end of the stream with and without close_notify,
// close_notify on shutdown, a handshake refused for bytes that are not TLS, a deadline during a
// read, and a bound on what one write takes. As the client side of connections to https
// services, against a blocking OpenSSL server: the server name sent, the certificate verified
// (and refused for another name), and the connection still working after a move (as it is
// moved into the upstream pool and out again).
#include "proxy/tls_socket.h"
#include "support/test_certs.h"

#include <QtTest>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <thread>

using namespace portico;
using portico::proxy::Awaitable;
using portico::proxy::ProxyAcceptor;
using portico::proxy::TimedSocket;
using portico::proxy::TlsSocket;
using portico::proxy::useAwaitable;

namespace {

const test::Pem& localhostCertificate() {
    static const test::Pem pem = test::makeCertificate("localhost");
    return pem;
}

// A server context with a fresh self-signed certificate, buffers released between records as
// porticod's are.
SSL_CTX* serverContext() {
    static SSL_CTX* ctx = [] {
        SSL_CTX* c = test::makeServerContext(localhostCertificate());
        SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
        return c;
    }();
    return ctx;
}

// A blocking TLS client on its own thread, over a plain socket to `port`.
class Client {
public:
    explicit Client(unsigned short port) : m_port(port) {}
    ~Client() { join(); }
    template <class Fn> void run(Fn fn) {
        m_thread = std::thread([this, fn] {
            asio::io_context ioc;
            asio::ip::tcp::socket s(ioc);
            s.connect({asio::ip::make_address("127.0.0.1"), m_port});
            SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
            SSL* ssl = SSL_new(ctx);
            SSL_set_fd(ssl, s.native_handle());
            fn(s, ssl);
            SSL_free(ssl);
            SSL_CTX_free(ctx);
        });
    }
    void join() {
        if (m_thread.joinable()) m_thread.join();
    }

private:
    unsigned short m_port;
    std::thread m_thread;
};

std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

bool writeAll(SSL* ssl, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        std::size_t n = 0;
        if (SSL_write_ex(ssl, data.data() + done, data.size() - done, &n) != 1) return false;
        done += n;
    }
    return true;
}

std::string readExactly(SSL* ssl, std::size_t size) {
    std::string got(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        std::size_t n = 0;
        if (SSL_read_ex(ssl, got.data() + done, size - done, &n) != 1) break;
        done += n;
    }
    got.resize(done);
    return got;
}

// Runs the coroutine `body` on `ioc` until it finishes or 10 s pass.
template <class Body> bool runToEnd(asio::io_context& ioc, Body body) {
    bool finished = false;
    asio::co_spawn(
        ioc,
        [&]() -> Awaitable<void> {
            co_await body();
            finished = true;
        },
        asio::detached);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished && std::chrono::steady_clock::now() < end) {
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(20));
    }
    return finished;
}

// A listening socket and an io_context for the server side.
struct Server {
    asio::io_context ioc;
    ProxyAcceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    unsigned short port() const { return acceptor.local_endpoint().port(); }
    // Runs `session` on the next accepted connection until it finishes or 10 s pass.
    template <class Session> void serve(Session session) {
        const bool finished = runToEnd(ioc, [&]() -> Awaitable<void> {
            TlsSocket tls(TimedSocket(co_await acceptor.async_accept(useAwaitable)),
                          serverContext(), TlsSocket::Role::Server);
            co_await session(tls);
        });
        QVERIFY2(finished, "the server side did not finish");
    }
};

// A blocking TLS echo server on its own thread for one connection: the localhost certificate,
// the server name the client sent, every byte read written back until the client closes.
class EchoServer {
public:
    EchoServer() {
        m_thread = std::thread([this] {
            error_code ec;
            asio::ip::tcp::socket s = m_acceptor.accept(ec);
            if (ec) return;
            SSL* ssl = SSL_new(serverContext());
            SSL_set_fd(ssl, s.native_handle());
            if (SSL_accept(ssl) == 1) {
                const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
                m_serverName = name ? name : "";
                std::array<char, 16384> buf;
                std::size_t n = 0;
                while (SSL_read_ex(ssl, buf.data(), buf.size(), &n) == 1 &&
                       writeAll(ssl, std::string(buf.data(), n))) {
                }
            }
            SSL_free(ssl);
        });
    }
    ~EchoServer() { join(); }
    unsigned short port() const { return m_acceptor.local_endpoint().port(); }
    void join() {
        if (m_thread.joinable()) m_thread.join();
    }
    // After join().
    const std::string& serverName() const { return m_serverName; }

private:
    asio::io_context m_ioc;
    asio::ip::tcp::acceptor m_acceptor{m_ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    std::string m_serverName;
    std::thread m_thread;
};

} // namespace

class TestTlsSocket : public QObject {
    Q_OBJECT
private slots:
    void echo_data();
    void echo();
    void endOfStream_data();
    void endOfStream();
    void shutdownSendsCloseNotify();
    void handshakeRefusesOtherBytes();
    void deadlineEndsRead();
    void writeSomeTakesABoundedPart();
    void clientRole_data();
    void clientRole();
};

void TestTlsSocket::echo_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("inPlace");    // written with sendNow (else async_write)
    QTest::addColumn<int>("readAfterMs"); // the client starts reading the echo this late
    QTest::newRow("one byte") << 1 << false << 0;
    QTest::newRow("one byte, in place") << 1 << true << 0;
    QTest::newRow("a small response") << 5000 << false << 0;
    QTest::newRow("one whole record, in place") << 16384 << true << 0;
    QTest::newRow("many records") << 300000 << false << 0;
    QTest::newRow("many records, in place") << 300000 << true << 0;
    QTest::newRow("8 MB to a late reader") << 8 * 1024 * 1024 << false << 300;
    QTest::newRow("8 MB in place to a late reader") << 8 * 1024 * 1024 << true << 300;
}

void TestTlsSocket::echo() {
    QFETCH(int, size);
    QFETCH(bool, inPlace);
    QFETCH(int, readAfterMs);
    const std::string data = pattern(static_cast<std::size_t>(size));
    Server server;
    Client client(server.port());
    std::string echoed;
    bool clientHandshake = false;
    client.run([&](asio::ip::tcp::socket&, SSL* ssl) {
        clientHandshake = SSL_connect(ssl) == 1;
        if (!clientHandshake || !writeAll(ssl, data)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(readAfterMs));
        echoed = readExactly(ssl, data.size());
    });
    error_code handshake, read, write;
    std::string received;
    bool encrypted = true;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, handshake));
        if (handshake) co_return;
        std::vector<char> buf(7000); // smaller than a record: reads end mid-record
        while (received.size() < data.size()) {
            const std::size_t n = co_await tls.async_read_some(
                asio::buffer(buf), asio::redirect_error(useAwaitable, read));
            if (read) co_return;
            received.append(buf.data(), n);
        }
        // Two pieces, as a relay writes a head and a body.
        const std::size_t half = received.size() / 2;
        std::array<asio::const_buffer, 2> pieces{
            asio::buffer(received.data(), half),
            asio::buffer(received.data() + half, received.size() - half)};
        std::span<asio::const_buffer> pending(pieces);
        if (inPlace) encrypted = tls.sendNow(pending);
        if (!pending.empty() || tls.hasUnsent())
            co_await asio::async_write(tls, pending, asio::redirect_error(useAwaitable, write));
    });
    client.join();
    QVERIFY(clientHandshake);
    QVERIFY2(!handshake, handshake.message().c_str());
    QVERIFY2(!read, read.message().c_str());
    QVERIFY2(!write, write.message().c_str());
    QVERIFY(encrypted);
    QCOMPARE(received.size(), data.size());
    QVERIFY(received == data);
    QCOMPARE(echoed.size(), data.size());
    QVERIFY(echoed == data);
}

void TestTlsSocket::endOfStream_data() {
    QTest::addColumn<bool>("closeNotify");
    QTest::addColumn<QString>("expected");
    QTest::newRow("close_notify, then close") << true << "eof";
    QTest::newRow("close without close_notify") << false << "truncated";
}

void TestTlsSocket::endOfStream() {
    QFETCH(bool, closeNotify);
    QFETCH(QString, expected);
    Server server;
    Client client(server.port());
    client.run([&](asio::ip::tcp::socket& s, SSL* ssl) {
        if (SSL_connect(ssl) != 1) return;
        writeAll(ssl, "hello");
        if (closeNotify) SSL_shutdown(ssl);
        error_code ignored;
        s.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        // Waits for the server to close.
        char c;
        SSL_read(ssl, &c, 1);
    });
    error_code ec;
    std::string received;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, ec));
        if (ec) co_return;
        std::array<char, 64> buf;
        while (!ec) {
            const std::size_t n = co_await tls.async_read_some(
                asio::buffer(buf), asio::redirect_error(useAwaitable, ec));
            received.append(buf.data(), n);
        }
        tls.next_layer().socket().close();
    });
    client.join();
    QCOMPARE(QString::fromStdString(received), QString("hello"));
    const error_code want = expected == "eof" ? error_code(asio::error::eof)
                                              : error_code(asio::ssl::error::stream_truncated);
    QCOMPARE(QString::fromStdString(ec.message()), QString::fromStdString(want.message()));
}

void TestTlsSocket::shutdownSendsCloseNotify() {
    Server server;
    Client client(server.port());
    int readResult = 1, readError = 0;
    client.run([&](asio::ip::tcp::socket&, SSL* ssl) {
        if (SSL_connect(ssl) != 1) return;
        char c;
        readResult = SSL_read(ssl, &c, 1);
        readError = SSL_get_error(ssl, readResult);
    });
    error_code handshake, shutdown;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, handshake));
        if (handshake) co_return;
        co_await tls.async_shutdown(asio::redirect_error(useAwaitable, shutdown));
    });
    client.join();
    QVERIFY(!handshake);
    QVERIFY2(!shutdown, shutdown.message().c_str());
    QCOMPARE(readResult, 0);
    QCOMPARE(readError, SSL_ERROR_ZERO_RETURN);
}

void TestTlsSocket::handshakeRefusesOtherBytes() {
    Server server;
    Client client(server.port());
    client.run([&](asio::ip::tcp::socket& s, SSL*) {
        asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
        error_code ignored;
        char c;
        s.read_some(asio::buffer(&c, 1), ignored); // until the server closes
    });
    error_code ec;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, ec));
        tls.next_layer().socket().close();
    });
    client.join();
    QVERIFY(ec);
    QCOMPARE(ec.category().name(), asio::error::get_ssl_category().name());
}

void TestTlsSocket::deadlineEndsRead() {
    Server server;
    Client client(server.port());
    std::atomic<bool> serverDone{false};
    client.run([&](asio::ip::tcp::socket&, SSL* ssl) {
        if (SSL_connect(ssl) != 1) return;
        char c;
        SSL_read(ssl, &c, 1); // quiet until the server closes
    });
    error_code ec;
    bool expired = false;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, ec));
        if (ec) co_return;
        tls.next_layer().expires_after(std::chrono::milliseconds(100));
        std::array<char, 16> buf;
        co_await tls.async_read_some(asio::buffer(buf), asio::redirect_error(useAwaitable, ec));
        expired = tls.next_layer().expired();
    });
    client.join();
    QVERIFY(ec);
    QVERIFY(expired);
}

void TestTlsSocket::writeSomeTakesABoundedPart() {
    // One large buffer is taken a few records at a time: what the socket holds pending stays
    // bounded, and what was reported taken is what the peer gets.
    const std::string data = pattern(1024 * 1024);
    Server server;
    Client client(server.port());
    std::size_t taken = 0;
    std::string got;
    client.run([&](asio::ip::tcp::socket&, SSL* ssl) {
        if (SSL_connect(ssl) != 1) return;
        // Until the server's close_notify: everything it wrote arrives first.
        std::array<char, 16384> buf;
        for (;;) {
            std::size_t n = 0;
            if (SSL_read_ex(ssl, buf.data(), buf.size(), &n) != 1) break;
            got.append(buf.data(), n);
        }
    });
    error_code ec;
    server.serve([&](TlsSocket& tls) -> Awaitable<void> {
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, ec));
        if (ec) co_return;
        taken = co_await tls.async_write_some(asio::buffer(data),
                                              asio::redirect_error(useAwaitable, ec));
        co_await tls.async_shutdown(asio::redirect_error(useAwaitable, ec));
    });
    client.join();
    QVERIFY2(!ec, ec.message().c_str());
    QVERIFY(taken > 0);
    QVERIFY(taken <= 64 * 1024);
    QCOMPARE(got.size(), taken);
    QVERIFY(got == data.substr(0, taken));
}

void TestTlsSocket::clientRole_data() {
    QTest::addColumn<QString>("verifyName"); // the name verified against the certificate
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("not verified") << "" << 100 << true;
    QTest::newRow("verified, many records each way") << "localhost" << 300000 << true;
    QTest::newRow("verified under another name: refused") << "elsewhere" << 100 << false;
}

void TestTlsSocket::clientRole() {
    QFETCH(QString, verifyName);
    QFETCH(int, size);
    QFETCH(bool, accepted);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (!verifyName.isEmpty()) {
        // Trusting the server's self-signed certificate itself.
        const std::string& pem = localhostCertificate().cert;
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        QVERIFY(cert);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert);
        X509_free(cert);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
    const std::string data = pattern(static_cast<std::size_t>(size));
    EchoServer server;
    asio::io_context ioc;
    error_code handshake, exchange;
    std::string first, second; // echoed before and after the move
    auto roundTrip = [&](TlsSocket& tls, std::string& echoed) -> Awaitable<void> {
        co_await asio::async_write(tls, asio::buffer(data),
                                   asio::redirect_error(useAwaitable, exchange));
        if (exchange) co_return;
        echoed.resize(data.size());
        co_await asio::async_read(tls, asio::buffer(echoed),
                                  asio::redirect_error(useAwaitable, exchange));
    };
    const bool finished = runToEnd(ioc, [&]() -> Awaitable<void> {
        TimedSocket tcp(ioc.get_executor());
        co_await tcp.socket().async_connect({asio::ip::make_address("127.0.0.1"), server.port()},
                                            asio::redirect_error(useAwaitable, handshake));
        if (handshake) co_return;
        TlsSocket tls(std::move(tcp), ctx, TlsSocket::Role::Client);
        SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
        if (!verifyName.isEmpty()) SSL_set1_host(tls.native_handle(), qPrintable(verifyName));
        co_await tls.async_handshake(asio::redirect_error(useAwaitable, handshake));
        if (handshake) co_return;
        co_await roundTrip(tls, first);
        if (exchange) co_return;
        TlsSocket moved(std::move(tls));
        co_await roundTrip(moved, second);
        co_await moved.async_shutdown(asio::redirect_error(useAwaitable, exchange));
        moved.next_layer().socket().close();
    });
    QVERIFY(finished);
    server.join();
    SSL_CTX_free(ctx);
    if (!accepted) {
        QVERIFY(handshake);
        QCOMPARE(handshake.category().name(), asio::error::get_ssl_category().name());
        return;
    }
    QVERIFY2(!handshake, handshake.message().c_str());
    QVERIFY2(!exchange, exchange.message().c_str());
    QCOMPARE(server.serverName(), std::string("localhost"));
    QVERIFY(first == data);
    QVERIFY(second == data);
}

QTEST_GUILESS_MAIN(TestTlsSocket)
#include "tst_tls_socket.moc"
