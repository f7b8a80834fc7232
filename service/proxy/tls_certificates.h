#pragma once
// Server certificates of the TLS proxy listeners.
//
// TlsCertificates is compiled into each config snapshot from the certificates and snis
// entities and is immutable afterwards: any worker reads it during a handshake. The listener
// context (makeServerContext) carries the default certificate and picks a snapshot's
// certificate by SNI in its servername callback; the session hands the snapshot in through
// attachCertificates() before the handshake and keeps the snapshot alive until it is done.

#include "core/error.h"
#include "core/expected.h"

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/types.h>
#include <string>
#include <string_view>
#include <vector>

struct stack_st_X509; // STACK_OF(X509), declared outside our namespace

namespace portico::proxy {

// One certificate entity: its main pair and, when set, the alternative pair of another key
// type (RSA next to ECDSA), each with the chain that followed the leaf in the PEM.
class ServerCertificate {
public:
    ServerCertificate() = default;
    ServerCertificate(const ServerCertificate&) = delete;
    ServerCertificate& operator=(const ServerCertificate&) = delete;
    ~ServerCertificate();

    // Parses PEM text; the message names what did not parse.
    static Expected<std::unique_ptr<ServerCertificate>, Error>
    fromPem(const std::string& cert, const std::string& key, const std::string& certAlt = {},
            const std::string& keyAlt = {});

    // Puts the pairs on a connection (replacing what the listener context set). False when
    // OpenSSL refused.
    bool install(SSL* ssl) const;
    // Makes the pairs the context's defaults.
    bool installDefault(SSL_CTX* ctx) const;

private:
    struct Pair {
        X509* cert = nullptr;
        EVP_PKEY* key = nullptr;
        STACK_OF(X509) * chain = nullptr;
    };
    static bool loadPair(const std::string& cert, const std::string& key, Pair& out,
                         std::string& error);
    static void freePair(Pair& p);
    std::vector<Pair> m_pairs;
};

class TlsCertificates {
public:
    // certificates and snis are stored entities. A certificate that does not parse is an
    // error (the schema checked it, so that means a corrupt store).
    static Expected<std::shared_ptr<const TlsCertificates>, Error>
    build(const std::vector<nlohmann::json>& certificates, const std::vector<nlohmann::json>& snis);

    // The certificate for a server name: exact name, then "*.rest", then "prefix.*"; nullptr
    // when none applies (the listener's default then stays).
    const ServerCertificate* find(std::string_view serverName) const;
    std::size_t size() const { return m_byId.size(); }

private:
    std::map<std::string, std::shared_ptr<ServerCertificate>> m_byId;
    std::map<std::string, const ServerCertificate*, std::less<>> m_byName; // names as stored
};

// The default certificate in dir (default.crt, default.key), generated on first use: a
// self-signed ECDSA P-256 certificate for "localhost", valid ten years. Written to temporary
// files and renamed, key mode 0600. A file that exists but does not parse is reported, never
// overwritten.
Expected<std::unique_ptr<ServerCertificate>, Error>
loadOrCreateDefaultCertificate(const std::string& dir);

// A server SSL_CTX for the proxy listeners: TLS 1.2 and 1.3, ALPN http/1.1, no renegotiation,
// the default certificate, and SNI selection from the certificates attached to each
// connection. The caller owns the result (SSL_CTX_free).
Expected<SSL_CTX*, Error> makeServerContext(const ServerCertificate& defaultCertificate);

// Before the handshake: the certificates the servername callback chooses from. The pointer
// must stay valid until the handshake completes.
void attachCertificates(SSL* ssl, const TlsCertificates* certificates);

// After the handshake: the server name the client sent, empty when none.
std::string serverName(SSL* ssl);

} // namespace portico::proxy
