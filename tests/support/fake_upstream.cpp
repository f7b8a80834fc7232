#include "support/fake_upstream.h"

#include "support/test_certs.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::test {

FakeUpstream::FakeUpstream(unsigned short port, bool ipv6) {
    listenOn(port, ipv6);
}

FakeUpstream::FakeUpstream(const At& at) {
    listenOn(at.port, false, at.ipv4);
}

FakeUpstream::FakeUpstream(const Tls& tls) {
    m_tls = makeServerContext({tls.cert, tls.key});
    if (tls.maxVersion) SSL_CTX_set_max_proto_version(m_tls, tls.maxVersion);
    if (!tls.clientCa.empty()) {
        BIO* caBio = BIO_new_mem_buf(tls.clientCa.data(), static_cast<int>(tls.clientCa.size()));
        X509* ca = PEM_read_bio_X509(caBio, nullptr, nullptr, nullptr);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(m_tls), ca);
        X509_free(ca);
        BIO_free(caBio);
        SSL_CTX_set_verify(m_tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    listenOn(0, false);
}

std::vector<std::string> FakeUpstream::clientNames() const {
    std::lock_guard lock(m_mutex);
    return m_clientNames;
}

void FakeUpstream::listenOn(unsigned short port, bool ipv6, const std::string& ipv4) {
    m_listenFd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = false;
    if (ipv6) {
        ::setsockopt(m_listenFd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        addr.sin6_addr = in6addr_loopback;
        ok = ::bind(m_listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
             ::listen(m_listenFd, 64) == 0;
        socklen_t len = sizeof addr;
        ::getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ok ? ntohs(addr.sin6_port) : 0;
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        ::inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr);
        ok = ::bind(m_listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
             ::listen(m_listenFd, 64) == 0;
        socklen_t len = sizeof addr;
        ::getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ok ? ntohs(addr.sin_port) : 0;
    }
    m_acceptor = std::thread([this] { acceptLoop(); });
}

FakeUpstream::~FakeUpstream() {
    m_stop = true;
    m_acceptor.join();
    ::close(m_listenFd);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_fds)
            ::shutdown(fd, SHUT_RDWR);
        threads.swap(m_threads);
    }
    for (auto& t : threads)
        t.join();
    if (m_tls) SSL_CTX_free(m_tls);
}

void FakeUpstream::setReply(Reply r) {
    std::lock_guard lock(m_mutex);
    m_reply = std::move(r);
}

std::vector<std::string> FakeUpstream::requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
}

std::vector<int> FakeUpstream::requestConnections() const {
    std::lock_guard lock(m_mutex);
    return m_requestConnections;
}

void FakeUpstream::clear() {
    std::lock_guard lock(m_mutex);
    m_requests.clear();
    m_requestConnections.clear();
}

void FakeUpstream::acceptLoop() {
    while (!m_stop) {
        pollfd p{m_listenFd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        const int serial = ++m_connections;
        std::lock_guard lock(m_mutex);
        m_fds.push_back(fd);
        m_threads.emplace_back([this, fd, serial] { serve(fd, serial); });
    }
}

void FakeUpstream::serve(int fd, int connection) {
    std::string buf;
    int served = 0;
    char chunk[8192];
    SSL* ssl = nullptr;
    if (m_tls) {
        ssl = SSL_new(m_tls);
        SSL_set_fd(ssl, fd);
        std::string name;
        if (SSL_accept(ssl) != 1) {
            char reason[256] = "connection closed";
            if (const unsigned long code = ERR_get_error())
                ERR_error_string_n(code, reason, sizeof reason);
            ERR_clear_error();
            name = std::string("handshake failed: ") + reason;
        } else {
            if (SSL_session_reused(ssl)) ++m_resumed;
            if (X509* peer = SSL_get1_peer_certificate(ssl)) {
                char cn[256] = "";
                X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn,
                                          sizeof cn);
                name = cn;
                X509_free(peer);
            }
        }
        std::lock_guard lock(m_mutex);
        m_clientNames.push_back(name);
        if (name.starts_with("handshake failed")) {
            SSL_free(ssl);
            std::erase(m_fds, fd);
            ::close(fd);
            return;
        }
    }
    auto send = [&](const char* data, std::size_t size) -> ssize_t {
        if (!ssl) return ::send(fd, data, size, MSG_NOSIGNAL);
        return SSL_write(ssl, data, static_cast<int>(size)) > 0 ? static_cast<ssize_t>(size) : -1;
    };
    auto fill = [&]() -> bool {
        pollfd p{fd, POLLIN, 0};
        while (!m_stop && !(ssl && SSL_pending(ssl) > 0)) {
            int r = ::poll(&p, 1, 50);
            if (r > 0) break;
        }
        if (m_stop) return false;
        const ssize_t n =
            ssl ? SSL_read(ssl, chunk, sizeof chunk) : ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buf.append(chunk, static_cast<std::size_t>(n));
        return true;
    };
    for (;;) {
        std::size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) goto done;
        {
            std::string head = buf.substr(0, end + 4);
            std::string lowerHead = head;
            for (auto& c : lowerHead)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::size_t total = end + 4;
            if (auto cl = lowerHead.find("\r\ncontent-length:"); cl != std::string::npos) {
                total += std::stoul(head.substr(cl + 17));
                while (buf.size() < total)
                    if (!fill()) goto done;
            } else if (lowerHead.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
                while (buf.find("\r\n0\r\n\r\n", end) == std::string::npos)
                    if (!fill()) goto done;
                total = buf.find("\r\n0\r\n\r\n", end) + 7;
            }
            Reply reply;
            {
                std::lock_guard lock(m_mutex);
                m_requests.push_back(buf.substr(0, total));
                m_requestConnections.push_back(connection);
                reply = m_reply;
            }
            buf.erase(0, total);
            if (reply.dropReused && ++served > 1) goto done;
            // Busy from the request's arrival until its reply is on its way.
            struct Busy {
                std::atomic<int>& busy;
                explicit Busy(std::atomic<int>& b, std::atomic<int>& most) : busy(b) {
                    const int now = ++busy;
                    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);)
                        ;
                }
                ~Busy() { --busy; }
            } busy(m_busy, m_maxBusy);
            if (reply.delayMs > 0) {
                for (int waited = 0; waited < reply.delayMs && !m_stop; waited += 10)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            if (!reply.raw.empty()) {
                if (send(reply.raw.data(), reply.raw.size()) < 0 || reply.closeAfter) goto done;
                if (reply.echoAfter) {
                    // Whatever followed the head, then everything after it, comes back.
                    do {
                        if (!buf.empty() && send(buf.data(), buf.size()) < 0) goto done;
                        buf.clear();
                    } while (fill());
                    goto done;
                }
                continue;
            }
            std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n";
            for (const auto& [k, v] : reply.headers)
                out += k + ": " + v + "\r\n";
            if (reply.chunked) {
                out += "Transfer-Encoding: chunked\r\n\r\n";
                for (std::size_t i = 0; i < reply.body.size(); i += 5) {
                    std::string piece = reply.body.substr(i, 5);
                    char size[16];
                    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
                    out += size + piece + "\r\n";
                }
                out += "0\r\n\r\n";
            } else {
                out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" +
                       reply.body;
            }
            if (send(out.data(), out.size()) < 0) goto done;
        }
    }
done:
    if (ssl) SSL_free(ssl);
    std::lock_guard lock(m_mutex);
    std::erase(m_fds, fd);
    ::close(fd);
}

} // namespace portico::test
