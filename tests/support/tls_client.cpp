#include "support/tls_client.h"

#include "core/hex.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace portico::test {

namespace {
std::string sslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code) return "connection closed";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}
} // namespace

TlsResult tlsExchange(unsigned short port, const TlsOptions& o, const std::string& request) {
    TlsResult r;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{o.timeoutMs / 1000, (o.timeoutMs % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        r.error = "connect failed";
        ::close(fd);
        return r;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); // the tests inspect what was presented
    if (o.minVersion) SSL_CTX_set_min_proto_version(ctx, o.minVersion);
    if (o.maxVersion) SSL_CTX_set_max_proto_version(ctx, o.maxVersion);
    // A client limited below TLS 1.2 needs the legacy security level to even try.
    if (o.maxVersion && o.maxVersion < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
    if (!o.tls12Ciphers.empty()) SSL_CTX_set_cipher_list(ctx, o.tls12Ciphers.c_str());
    if (!o.alpn.empty()) {
        std::string wire;
        for (const auto& p : o.alpn)
            wire += static_cast<char>(p.size()) + p;
        SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size()));
    }
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl, o.sni.c_str());
    if (SSL_connect(ssl) == 1) {
        r.handshake = true;
        r.version = SSL_get_version(ssl);
        const unsigned char* alpn = nullptr;
        unsigned alpnLen = 0;
        SSL_get0_alpn_selected(ssl, &alpn, &alpnLen);
        r.alpn.assign(reinterpret_cast<const char*>(alpn), alpnLen);
        if (X509* cert = SSL_get1_peer_certificate(ssl)) {
            char cn[256] = {};
            X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
            r.subjectCn = cn;
            const int type = EVP_PKEY_get_base_id(X509_get0_pubkey(cert));
            r.keyType = type == EVP_PKEY_RSA ? "RSA" : type == EVP_PKEY_EC ? "EC" : "other";
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned len = 0;
            X509_digest(cert, EVP_sha256(), md, &len);
            r.fingerprint = toHex(md, len);
            X509_free(cert);
        }
        if (!request.empty() &&
            SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0) {
            char buf[16384];
            for (;;) {
                const int n = SSL_read(ssl, buf, sizeof buf);
                if (n <= 0) break;
                r.reply.append(buf, static_cast<std::size_t>(n));
            }
        }
        if (o.closeNotify) SSL_shutdown(ssl);
    } else {
        r.error = sslError();
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
    return r;
}

} // namespace portico::test
