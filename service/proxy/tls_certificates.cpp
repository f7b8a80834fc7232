#include "proxy/tls_certificates.h"

#include "core/text.h"
#include "model/entity_fields.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sstream>
#include <sys/stat.h>

namespace portico::proxy {

namespace {

std::string openSslError(const std::string& what) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code) return what;
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return what + ": " + buf;
}

Error tlsError(std::string message) {
    return Error::make(ErrorCode::Io, std::move(message));
}

// Index of the SSL ex_data slot holding the TlsCertificates of a connection's snapshot.
int certificatesSlot() {
    static const int slot = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return slot;
}

int onServerName(SSL* ssl, int* /*alert*/, void* /*arg*/) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    auto* certs = static_cast<const TlsCertificates*>(SSL_get_ex_data(ssl, certificatesSlot()));
    if (!name || !certs) return SSL_TLSEXT_ERR_OK;
    if (const ServerCertificate* c = certs->find(toLower(name))) {
        if (!c->install(ssl)) return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

// ALPN: http/1.1 when the client offers it. A client offering only protocols we do not speak
// (h2 alone) gets no ALPN answer rather than a failed handshake, as nginx does.
int onAlpn(SSL*, const unsigned char** out, unsigned char* outLen, const unsigned char* in,
           unsigned int inLen, void*) {
    static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outLen, ours, sizeof ours, in, inLen) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

bool writeFileAtomically(const std::filesystem::path& path, const std::string& text, mode_t mode,
                         std::string& error) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        ::chmod(tmp.c_str(), mode);
        out << text;
        out.flush();
        if (!out) {
            error = "cannot write " + tmp;
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) error = "cannot rename " + tmp + ": " + ec.message();
    return !ec;
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Self-signed P-256 certificate for localhost (also as subjectAltName, which clients check).
bool generateDefault(std::string& certPem, std::string& keyPem) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    if (!key || !x) {
        EVP_PKEY_free(key);
        X509_free(x);
        return false;
    }
    X509_set_version(x, 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Portico"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    bool ok = true;
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                              std::pair{NID_subject_alt_name, "DNS:localhost"},
                              std::pair{NID_key_usage, "critical,digitalSignature"},
                              std::pair{NID_ext_key_usage, "serverAuth"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
        ok = ok && ext && X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    auto pem = [](auto write) {
        BIO* b = BIO_new(BIO_s_mem());
        write(b);
        char* data = nullptr;
        const long len = BIO_get_mem_data(b, &data);
        std::string s(data, static_cast<std::size_t>(len));
        BIO_free(b);
        return s;
    };
    if (ok) {
        certPem = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
        keyPem = pem([&](BIO* b) {
            PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
        });
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

} // namespace

ServerCertificate::~ServerCertificate() {
    for (auto& p : m_pairs)
        freePair(p);
}

void ServerCertificate::freePair(Pair& p) {
    X509_free(p.cert);
    EVP_PKEY_free(p.key);
    sk_X509_pop_free(p.chain, X509_free);
    p = {};
}

bool ServerCertificate::loadPair(const std::string& cert, const std::string& key, Pair& out,
                                 std::string& error) {
    BIO* bio = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
    out.cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    out.chain = sk_X509_new_null();
    if (out.cert) {
        // What follows the leaf is its chain, sent to clients along with it.
        while (X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr))
            sk_X509_push(out.chain, extra);
        ERR_clear_error(); // the read that ended the loop
    }
    BIO_free(bio);
    if (!out.cert) {
        error = openSslError("invalid certificate");
        return false;
    }
    bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    out.key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!out.key) {
        error = openSslError("invalid key");
        return false;
    }
    if (X509_check_private_key(out.cert, out.key) != 1) {
        error = openSslError("key does not match certificate");
        return false;
    }
    return true;
}

Expected<std::unique_ptr<ServerCertificate>, Error>
ServerCertificate::fromPem(const std::string& cert, const std::string& key,
                           const std::string& certAlt, const std::string& keyAlt) {
    auto out = std::make_unique<ServerCertificate>();
    std::string error;
    out->m_pairs.emplace_back();
    if (!loadPair(cert, key, out->m_pairs.back(), error)) return unexpected(tlsError(error));
    if (!certAlt.empty() && !keyAlt.empty()) {
        out->m_pairs.emplace_back();
        if (!loadPair(certAlt, keyAlt, out->m_pairs.back(), error))
            return unexpected(tlsError("alternative pair: " + error));
    }
    return out;
}

bool ServerCertificate::install(SSL* ssl) const {
    bool first = true;
    for (const auto& p : m_pairs) {
        // The first pair replaces what the listener set; the alternative one is added beside
        // it (OpenSSL keeps one pair per key type).
        if (SSL_use_cert_and_key(ssl, p.cert, p.key, p.chain, first ? 1 : 0) != 1) return false;
        first = false;
    }
    return true;
}

bool ServerCertificate::installDefault(SSL_CTX* ctx) const {
    for (const auto& p : m_pairs)
        if (SSL_CTX_use_cert_and_key(ctx, p.cert, p.key, p.chain, 1) != 1) return false;
    return true;
}

Expected<std::shared_ptr<const TlsCertificates>, Error>
TlsCertificates::build(const std::vector<nlohmann::json>& certificates,
                       const std::vector<nlohmann::json>& snis) {
    auto out = std::make_shared<TlsCertificates>();

    for (const auto& c : certificates) {
        auto cert = ServerCertificate::fromPem(
            model::stringField(c, "cert"), model::stringField(c, "key"),
            model::stringField(c, "cert_alt"), model::stringField(c, "key_alt"));
        if (!cert)
            return unexpected(tlsError("certificate " + model::stringField(c, "id") + ": " +
                                       cert.error().message));
        out->m_byId.emplace(model::stringField(c, "id"),
                            std::shared_ptr<ServerCertificate>(std::move(*cert)));
    }
    for (const auto& s : snis) {
        const std::string certId = model::foreignId(s, "certificate");
        auto it = out->m_byId.find(certId);
        if (it != out->m_byId.end())
            out->m_byName.emplace(toLower(model::stringField(s, "name")), it->second.get());
    }
    return std::shared_ptr<const TlsCertificates>(std::move(out));
}

const ServerCertificate* TlsCertificates::find(std::string_view name) const {
    if (name.empty()) return nullptr;
    if (auto it = m_byName.find(name); it != m_byName.end()) return it->second;
    if (auto dot = name.find('.'); dot != std::string_view::npos) {
        std::string wild = "*" + std::string(name.substr(dot));
        if (auto it = m_byName.find(wild); it != m_byName.end()) return it->second;
    }
    if (auto dot = name.rfind('.'); dot != std::string_view::npos) {
        std::string wild = std::string(name.substr(0, dot)) + ".*";
        if (auto it = m_byName.find(wild); it != m_byName.end()) return it->second;
    }
    return nullptr;
}

Expected<std::unique_ptr<ServerCertificate>, Error>
loadOrCreateDefaultCertificate(const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path certPath = fs::path(dir) / "default.crt",
                   keyPath = fs::path(dir) / "default.key";
    std::error_code ec;
    const bool haveCert = fs::exists(certPath, ec), haveKey = fs::exists(keyPath, ec);
    if (haveCert != haveKey)
        return unexpected(
            tlsError("default TLS certificate: " + (haveCert ? keyPath : certPath).string() +
                     " is missing while its pair exists; remove both to "
                     "have a new pair generated"));
    if (!haveCert) {
        fs::create_directories(dir, ec);
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
        std::string cert, key, error;
        if (!generateDefault(cert, key))
            return unexpected(
                tlsError(openSslError("cannot generate the default TLS certificate")));
        // The key first: a crash between the two renames leaves a key without a certificate,
        // which the check above reports rather than pairing a certificate with no key.
        if (!writeFileAtomically(keyPath, key, 0600, error) ||
            !writeFileAtomically(certPath, cert, 0644, error))
            return unexpected(tlsError("default TLS certificate: " + error));
    }
    auto loaded = ServerCertificate::fromPem(readFile(certPath), readFile(keyPath));
    if (!loaded)
        return unexpected(tlsError("default TLS certificate " + certPath.string() + ": " +
                                   loaded.error().message));
    return loaded;
}

Expected<SSL_CTX*, Error> makeServerContext(const ServerCertificate& defaultCertificate) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return unexpected(tlsError(openSslError("cannot create a TLS context")));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (!defaultCertificate.installDefault(ctx)) {
        SSL_CTX_free(ctx);
        return unexpected(tlsError(openSslError("default certificate refused")));
    }
    SSL_CTX_set_tlsext_servername_callback(ctx, onServerName);
    SSL_CTX_set_alpn_select_cb(ctx, onAlpn, nullptr);
    return ctx;
}

void attachCertificates(SSL* ssl, const TlsCertificates* certificates) {
    SSL_set_ex_data(ssl, certificatesSlot(), const_cast<TlsCertificates*>(certificates));
}

std::string serverName(SSL* ssl) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    return name ? toLower(name) : std::string();
}

} // namespace portico::proxy
