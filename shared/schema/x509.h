#pragma once
// PEM certificate and key checks used by the certificate schemas (OpenSSL 3).

#include <string>

namespace portico::schema {

struct CertificateInfo {
    std::string error; // empty when the PEM parsed
    int keyType = 0;   // EVP_PKEY id of the public key
    bool isCa = false; // basic constraint CA:TRUE
    bool expired = false;
    std::string sha256Hex; // digest of the DER encoding
};

CertificateInfo inspectCertificate(const std::string& pem);
// Empty when the private key parses and matches the certificate's public key.
std::string checkKeyPair(const std::string& certPem, const std::string& keyPem);

} // namespace portico::schema
