#include "support/fake_upstream.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::test {

FakeUpstream::FakeUpstream(unsigned short port, bool ipv6) {
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
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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
    auto fill = [&]() -> bool {
        pollfd p{fd, POLLIN, 0};
        while (!m_stop) {
            int r = ::poll(&p, 1, 50);
            if (r > 0) break;
        }
        if (m_stop) return false;
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
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
            if (reply.delayMs > 0) {
                for (int waited = 0; waited < reply.delayMs && !m_stop; waited += 10)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            if (!reply.raw.empty()) {
                if (::send(fd, reply.raw.data(), reply.raw.size(), MSG_NOSIGNAL) < 0 ||
                    reply.closeAfter)
                    goto done;
                if (reply.echoAfter) {
                    // Whatever followed the head, then everything after it, comes back.
                    do {
                        if (!buf.empty() && ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) < 0)
                            goto done;
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
            if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) goto done;
        }
    }
done:
    std::lock_guard lock(m_mutex);
    std::erase(m_fds, fd);
    ::close(fd);
}

} // namespace portico::test
