#pragma once
// TLS towards an https service: the client context compiled into the snapshot from the
// service's tls_verify, tls_verify_depth, ca_certificates and client_certificate. Its settings
// are immutable after build; workers create their upstream TLS streams from it concurrently.
// The one thing that changes is the context's session cache (locked; owned by the OpenSSL
// context, so it lives as long as any connection made from it, beyond this object when a
// pooled connection outlives its revision): the last session each upstream address gave,
// offered again on that address's next new connection (nginx's proxy_ssl_session_reuse), so that
// opening a connection after the pool's idle timeout is an abbreviated handshake rather than a
// full one.

#include "core/error.h"
#include "core/expected.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace portico::proxy {

class UpstreamTls {
public:
    using EntityIndex = std::unordered_map<std::string, const nlohmann::json*>; // by id

    // caCertificates and certificates index the revision's entities by id.
    static Expected<std::shared_ptr<const UpstreamTls>, Error>
    build(const nlohmann::json& service, const EntityIndex& caCertificates,
          const EntityIndex& certificates);
    ~UpstreamTls();

    boost::asio::ssl::context& context() const { return *m_context; }
    // Before the handshake of a new connection to the upstream `address` (an SSL object made
    // from context()): offers the session this address last gave, and has the session the
    // handshake brings kept for the next one. Any worker thread.
    void resumeSession(ssl_st* ssl, const std::string& address) const;
    bool verify() const { return m_verify; }
    // Equal for services whose TLS settings are equal: part of the pool key, so a connection
    // made under other settings is never reused, while unchanged settings keep their pooled
    // connections across revisions.
    const std::string& settingsKey() const { return m_key; }

private:
    std::unique_ptr<boost::asio::ssl::context> m_context;
    bool m_verify = false;
    std::string m_key;
};

} // namespace portico::proxy
