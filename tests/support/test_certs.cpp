#include "support/test_certs.h"

#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace portico::test {

namespace {
std::string bioText(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}
} // namespace

Pem makeCertificate(const std::string& commonName, KeyKind kind, bool isCa, bool expired) {
    EVP_PKEY* key = kind == KeyKind::Rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    const long day = 24 * 3600;
    X509_gmtime_adj(X509_getm_notBefore(x), expired ? -2 * day : -60);
    X509_gmtime_adj(X509_getm_notAfter(x), expired ? -day : 30 * day);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints,
                                              isCa ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, key, EVP_sha256());

    Pem out;
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    out.cert = bioText(b);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    out.key = bioText(b);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

SSL_CTX* makeServerContext(const Pem& pem) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    BIO* certBio = BIO_new_mem_buf(pem.cert.data(), static_cast<int>(pem.cert.size()));
    BIO* keyBio = BIO_new_mem_buf(pem.key.data(), static_cast<int>(pem.key.size()));
    X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(certBio);
    BIO_free(keyBio);
    return ctx;
}

} // namespace portico::test
