#include "proxy/upstream_tls.h"

#include "model/entity_fields.h"
#include "proxy/tls_certificates.h"

#include <boost/asio/ssl/context.hpp>
#include <mutex>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unordered_map>

namespace portico::proxy {

namespace {
Error tlsError(std::string message) {
    return Error::make(ErrorCode::Io, std::move(message));
}

// The upstream address a connection's SSL object was made for (a heap string the SSL object
// owns), for the new-session callback.
int addressIndex() {
    static const int index = SSL_get_ex_new_index(
        0, nullptr, nullptr, nullptr, [](void*, void* p, CRYPTO_EX_DATA*, int, long, void*) {
            delete static_cast<std::string*>(p);
        });
    return index;
}

// The sessions a client context's connections brought, by address: owned references, freed
// with the context.
struct SessionCache {
    std::mutex mutex;
    std::unordered_map<std::string, SSL_SESSION*> sessions;
    ~SessionCache() {
        for (auto& [address, session] : sessions)
            SSL_SESSION_free(session);
    }
};

// A context's cache, in its ex_data (its app data is Asio's).
int cacheIndex() {
    static const int index = SSL_CTX_get_ex_new_index(
        0, nullptr, nullptr, nullptr, [](void*, void* p, CRYPTO_EX_DATA*, int, long, void*) {
            delete static_cast<SessionCache*>(p);
        });
    return index;
}

SessionCache* cacheOf(SSL_CTX* ctx) {
    return static_cast<SessionCache*>(SSL_CTX_get_ex_data(ctx, cacheIndex()));
}

int onNewSession(SSL* ssl, SSL_SESSION* session) {
    SessionCache* cache = cacheOf(SSL_get_SSL_CTX(ssl));
    const auto* address = static_cast<const std::string*>(SSL_get_ex_data(ssl, addressIndex()));
    if (!cache || !address) return 0;
    // A copy: OpenSSL marks a connection's own session not resumable when the connection is
    // freed without close_notify (as a pooled connection is when it expires, or when the
    // upstream closes it), which would spoil the cached one for every later connection.
    SSL_SESSION* copy = SSL_SESSION_dup(session);
    if (!copy) return 0;
    std::lock_guard lock(cache->mutex);
    SSL_SESSION*& kept = cache->sessions[*address];
    if (kept) SSL_SESSION_free(kept);
    kept = copy;
    return 0; // the connection's own reference stays OpenSSL's
}

} // namespace

UpstreamTls::~UpstreamTls() = default;

void UpstreamTls::resumeSession(SSL* ssl, const std::string& address) const {
    SSL_set_ex_data(ssl, addressIndex(), new std::string(address));
    SessionCache* cache = cacheOf(m_context->native_handle());
    std::lock_guard lock(cache->mutex);
    auto it = cache->sessions.find(address);
    if (it == cache->sessions.end()) return;
    // A copy again, for the same reason as in onNewSession(): a TLS 1.2 server that resumes a
    // session sends no new one, so the cached session would stay this connection's own, and
    // freeing the connection without close_notify would spoil it for the next (every other
    // reconnection a full handshake).
    if (SSL_SESSION* copy = SSL_SESSION_dup(it->second)) {
        SSL_set_session(ssl, copy); // takes its own reference
        SSL_SESSION_free(copy);
    }
}

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
    // Sessions are cached per address by the context itself (see resumeSession()).
    SSL_CTX_set_ex_data(ctx, cacheIndex(), new SessionCache);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &onNewSession);
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
