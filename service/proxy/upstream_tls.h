#pragma once
// TLS towards an https service: the client context compiled into the snapshot from the
// service's tls_verify, tls_verify_depth, ca_certificates and client_certificate. Immutable
// after build; workers create their upstream TLS streams from it concurrently.

#include "core/error.h"
#include "core/expected.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace boost::asio::ssl {
class context;
}

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
