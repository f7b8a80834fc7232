#include "schema/x509.h"

#include "core/hex.h"

#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace portico::schema {

namespace {
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

BioPtr memBio(const std::string& s) {
    return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())), &BIO_free);
}

std::string lastOpenSslError() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code) return "unable to load";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

X509Ptr readCert(const std::string& pem) {
    auto bio = memBio(pem);
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}
} // namespace

CertificateInfo inspectCertificate(const std::string& pem) {
    CertificateInfo info;
    X509Ptr cert = readCert(pem);
    if (!cert) {
        info.error = "invalid certificate: " + lastOpenSslError();
        return info;
    }
    if (EVP_PKEY* pub = X509_get0_pubkey(cert.get())) info.keyType = EVP_PKEY_get_base_id(pub);
    info.isCa =
        X509_check_ca(cert.get()) >= 1 && (X509_get_extension_flags(cert.get()) & EXFLAG_CA) != 0;
    info.expired = X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert.get(), EVP_sha256(), md, &len);
    info.sha256Hex = toHex(md, len);
    return info;
}

std::string checkKeyPair(const std::string& certPem, const std::string& keyPem) {
    X509Ptr cert = readCert(certPem);
    if (!cert) return "invalid certificate: " + lastOpenSslError();
    auto bio = memBio(keyPem);
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (!key) return "invalid key: " + lastOpenSslError();
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return "certificate does not match key";
    }
    return {};
}

} // namespace portico::schema
