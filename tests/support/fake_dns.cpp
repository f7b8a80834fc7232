#include "support/fake_dns.h"

#include <arpa/inet.h>
#include <cctype>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::test {

FakeDns::FakeDns() {
    m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
    }
    m_thread = std::thread([this] { serve(); });
}

FakeDns::~FakeDns() {
    m_stop = true;
    m_thread.join();
    ::close(m_fd);
}

void FakeDns::setRecord(const std::string& name, const std::string& ipv4, unsigned ttl) {
    std::lock_guard lock(m_mutex);
    m_records[name] = Record{ipv4, ttl};
}

int FakeDns::queries(const std::string& name) const {
    std::lock_guard lock(m_mutex);
    auto it = m_queries.find(name);
    return it == m_queries.end() ? 0 : it->second;
}

void FakeDns::serve() {
    unsigned char in[512];
    while (!m_stop) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        sockaddr_in peer{};
        socklen_t peerLen = sizeof peer;
        const ssize_t n =
            ::recvfrom(m_fd, in, sizeof in, 0, reinterpret_cast<sockaddr*>(&peer), &peerLen);
        if (n < 12) continue;
        // The question: labels, then type and class.
        std::string name;
        std::size_t at = 12;
        while (at < static_cast<std::size_t>(n) && in[at] != 0) {
            const std::size_t len = in[at++];
            if (at + len > static_cast<std::size_t>(n)) break;
            if (!name.empty()) name += '.';
            for (std::size_t i = 0; i < len; ++i)
                name += static_cast<char>(std::tolower(in[at + i]));
            at += len;
        }
        if (at + 5 > static_cast<std::size_t>(n)) continue;
        const std::size_t questionEnd = at + 5;
        const int type = (in[at + 1] << 8) | in[at + 2];
        Record record;
        bool known = false;
        {
            std::lock_guard lock(m_mutex);
            if (auto it = m_records.find(name); it != m_records.end()) {
                record = it->second;
                known = true;
            }
            if (type == 1) ++m_queries[name];
        }
        std::string out(reinterpret_cast<const char*>(in), questionEnd);
        out[2] = static_cast<char>(0x84 | (in[2] & 0x01)); // response, authoritative, RD copied
        out[3] = static_cast<char>(known ? 0x00 : 0x03);   // NOERROR or NXDOMAIN
        out[4] = 0, out[5] = 1;                            // one question
        const bool answer = known && type == 1;
        out[6] = 0, out[7] = answer ? 1 : 0;
        for (int i = 8; i < 12; ++i)
            out[i] = 0;
        if (answer) {
            in_addr ip{};
            inet_pton(AF_INET, record.ipv4.c_str(), &ip);
            const unsigned char rr[] = {0xc0,
                                        0x0c, // the question's name
                                        0,
                                        1, // A
                                        0,
                                        1, // IN
                                        static_cast<unsigned char>(record.ttl >> 24),
                                        static_cast<unsigned char>(record.ttl >> 16),
                                        static_cast<unsigned char>(record.ttl >> 8),
                                        static_cast<unsigned char>(record.ttl),
                                        0,
                                        4};
            out.append(reinterpret_cast<const char*>(rr), sizeof rr);
            out.append(reinterpret_cast<const char*>(&ip), 4);
        }
        ::sendto(m_fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&peer), peerLen);
    }
}

} // namespace portico::test
