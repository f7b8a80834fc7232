#pragma once
// A blocking TLS client for proxy tests (OpenSSL over a loopback socket): handshakes with a
// chosen SNI, ALPN offer and protocol range, reports what the server presented, and can send
// raw request bytes and read the reply until the server closes. Test thread only.

#include <string>
#include <vector>

namespace portico::test {

struct TlsOptions {
    std::string sni;               // none when empty
    std::vector<std::string> alpn; // offered protocols, none when empty
    int minVersion = 0;            // TLS1_2_VERSION etc.; 0 = library default
    int maxVersion = 0;
    std::string tls12Ciphers; // e.g. "ECDHE-RSA-AES128-GCM-SHA256"; default when empty
    int timeoutMs = 5000;
    bool closeNotify = true; // false: the socket is closed without TLS's close_notify
};

struct TlsResult {
    bool handshake = false;
    std::string error;       // why the connection or the handshake failed
    std::string subjectCn;   // of the certificate the server presented
    std::string keyType;     // "RSA" or "EC"
    std::string fingerprint; // SHA-256 of the certificate, hex
    std::string alpn;        // selected protocol, empty when none
    std::string version;     // "TLSv1.2", "TLSv1.3"
    std::string reply;       // bytes read after sending the request
};

// Connects to 127.0.0.1:port, handshakes, sends `request` when non-empty and reads until the
// server closes the connection or the timeout passes.
TlsResult tlsExchange(unsigned short port, const TlsOptions& options,
                      const std::string& request = {});

} // namespace portico::test
