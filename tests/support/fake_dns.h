#pragma once
// A tiny authoritative DNS server for tests: UDP on 127.0.0.1 (port 0), answers A queries for
// the names it was given (with the TTL given), NODATA for their other types, NXDOMAIN for
// anything else, and counts the queries per name. Its own thread; the accessors are safe from
// the test thread.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace portico::test {

class FakeDns {
public:
    FakeDns();
    ~FakeDns();
    FakeDns(const FakeDns&) = delete;
    FakeDns& operator=(const FakeDns&) = delete;

    unsigned short port() const { return m_port; }
    // Answer `name` (lower case, no trailing dot) with this IPv4 address and TTL.
    void setRecord(const std::string& name, const std::string& ipv4, unsigned ttl);
    // A queries received for the name so far.
    int queries(const std::string& name) const;

private:
    void serve();

    struct Record {
        std::string ipv4;
        unsigned ttl = 0;
    };
    int m_fd = -1;
    unsigned short m_port = 0;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex; // guards m_records, m_queries
    std::map<std::string, Record> m_records;
    std::map<std::string, int> m_queries;
    std::thread m_thread;
};

} // namespace portico::test
