#include "proxy/upstream_tls.h"

#include "model/entity_fields.h"
#include "proxy/tls_certificates.h"

#include <boost/asio/ssl/context.hpp>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace portico::proxy {

namespace {
Error tlsError(std::string message) {
    return Error::make(ErrorCode::Io, std::move(message));
}

} // namespace

UpstreamTls::~UpstreamTls() = default;

Expected<std::shared_ptr<const UpstreamTls>, Error>
UpstreamTls::build(const nlohmann::json& service, const EntityIndex& caCertificates,
                   const EntityIndex& certificates) {
    namespace ssl = boost::asio::ssl;
    auto out = std::make_shared<UpstreamTls>();
    out->m_context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* ctx = out->m_context->native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    const std::string name = service.value("name", service.value("id", ""));

    // Kong's default (tls_verify null) does not verify the upstream's certificate.
    out->m_verify = service.contains("tls_verify") && service["tls_verify"].is_boolean() &&
                    service["tls_verify"].get<bool>();
    out->m_key = out->m_verify ? "verify" : "noverify";
    if (out->m_verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        if (service.contains("tls_verify_depth") && service["tls_verify_depth"].is_number()) {
            SSL_CTX_set_verify_depth(ctx, service["tls_verify_depth"].get<int>());
            out->m_key += "|depth=" + std::to_string(service["tls_verify_depth"].get<int>());
        }
        const auto& cas =
            service.contains("ca_certificates") ? service["ca_certificates"] : nlohmann::json();
        if (!cas.is_array() || cas.empty()) {
            SSL_CTX_set_default_verify_paths(ctx); // the system's trust store
        } else {
            X509_STORE* store = SSL_CTX_get_cert_store(ctx);
            for (const auto& id : cas) {
                auto it = caCertificates.find(id.is_string() ? id.get<std::string>() : "");
                if (it == caCertificates.end())
                    return unexpected(tlsError("service " + name + ": CA certificate " + id.dump() +
                                               " does not exist"));
                const std::string pem = it->second->value("cert", "");
                BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
                X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
                BIO_free(bio);
                if (!cert || X509_STORE_add_cert(store, cert) != 1) {
                    X509_free(cert);
                    return unexpected(tlsError("service " + name + ": CA certificate " +
                                               id.get<std::string>() + " cannot be used"));
                }
                X509_free(cert);
                out->m_key +=
                    "|ca=" + id.get<std::string>() + "@" + it->second->value("cert_digest", "");
            }
        }
    }
    if (const std::string certId = model::foreignId(service, "client_certificate");
        !certId.empty()) {
        auto it = certificates.find(certId);
        if (it == certificates.end())
            return unexpected(
                tlsError("service " + name + ": client certificate " + certId + " does not exist"));
        auto pair =
            ServerCertificate::fromPem(it->second->value("cert", ""), it->second->value("key", ""));
        if (!pair || !(*pair)->installDefault(ctx))
            return unexpected(
                tlsError("service " + name + ": client certificate " + certId + " cannot be used"));
        out->m_key +=
            "|client=" + certId + "@" + std::to_string(it->second->value("updated_at", 0.0));
    }
    return std::shared_ptr<const UpstreamTls>(std::move(out));
}

} // namespace portico::proxy
