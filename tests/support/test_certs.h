#pragma once
// Certificates made on the fly with OpenSSL for tests: real keys, real signatures.

#include <string>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace portico::test {

struct Pem {
    std::string cert;
    std::string key;
};

enum class KeyKind { Rsa, Ec };

// Self-signed certificate for commonName; isCa adds basicConstraints CA:TRUE; expired makes it
// valid from 2 days ago until yesterday.
Pem makeCertificate(const std::string& commonName, KeyKind kind = KeyKind::Ec, bool isCa = false,
                    bool expired = false);

// A new TLS server context presenting `pem`'s certificate and key; the caller owns it
// (SSL_CTX_free).
::ssl_ctx_st* makeServerContext(const Pem& pem);

} // namespace portico::test
