#include "proxy/tls_socket.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <utility>

namespace portico::proxy {

// The BIO between OpenSSL and a TlsSocket's buffers: reads take from the input buffer (and ask
// to be retried when it is empty, until the peer closed), writes append to the pending output
// and always succeed (the socket is written by TlsSocket, not here).
struct TlsSocketBio {
    static int read(BIO* bio, char* out, int size) {
        BIO_clear_retry_flags(bio);
        auto* s = static_cast<TlsSocket*>(BIO_get_data(bio));
        const std::size_t have = s->m_inEnd - s->m_inBegin;
        if (have == 0) {
            if (s->m_eof) return 0;
            BIO_set_retry_read(bio);
            return -1;
        }
        const std::size_t n = std::min(have, static_cast<std::size_t>(std::max(size, 0)));
        std::memcpy(out, s->m_in.get() + s->m_inBegin, n);
        s->m_inBegin += n;
        return static_cast<int>(n);
    }
    static int write(BIO* bio, const char* in, int size) {
        BIO_clear_retry_flags(bio);
        auto* s = static_cast<TlsSocket*>(BIO_get_data(bio));
        s->m_pending.append(in, static_cast<std::size_t>(std::max(size, 0)));
        return size;
    }
    static long ctrl(BIO* bio, int cmd, long, void*) {
        auto* s = static_cast<TlsSocket*>(BIO_get_data(bio));
        switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_PENDING:
            return static_cast<long>(s->m_inEnd - s->m_inBegin);
        case BIO_CTRL_WPENDING:
            return static_cast<long>(s->m_pending.size());
        case BIO_CTRL_EOF:
            return s->m_eof && s->m_inEnd == s->m_inBegin;
        default:
            return 0;
        }
    }
    static int create(BIO* bio) {
        BIO_set_init(bio, 1);
        return 1;
    }
    static const BIO_METHOD* method() {
        // Made once, shared by every worker (read-only after creation).
        static BIO_METHOD* m = [] {
            BIO_METHOD* made =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "portico-tls-socket");
            BIO_meth_set_read(made, &read);
            BIO_meth_set_write(made, &write);
            BIO_meth_set_ctrl(made, &ctrl);
            BIO_meth_set_create(made, &create);
            return made;
        }();
        return m;
    }
};

TlsSocket::TlsSocket(TimedSocket next, SSL_CTX* ctx, Role role)
    : m_next(std::move(next)), m_ssl(SSL_new(ctx)), m_in(new char[kInputSize]) {
    BIO* bio = BIO_new(TlsSocketBio::method());
    BIO_set_data(bio, this);
    SSL_set_bio(m_ssl, bio, bio); // the SSL object owns it
    if (role == Role::Server)
        SSL_set_accept_state(m_ssl);
    else
        SSL_set_connect_state(m_ssl);
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept
    : m_next(std::move(other.m_next)), m_ssl(std::exchange(other.m_ssl, nullptr)),
      m_in(std::move(other.m_in)), m_inBegin(other.m_inBegin), m_inEnd(other.m_inEnd),
      m_pending(std::move(other.m_pending)), m_out(std::move(other.m_out)),
      m_gather(std::move(other.m_gather)), m_writing(other.m_writing), m_eof(other.m_eof) {
    if (m_ssl) BIO_set_data(SSL_get_rbio(m_ssl), this);
}

TlsSocket::~TlsSocket() {
    SSL_free(m_ssl);
}

error_code TlsSocket::encryptPieces(std::span<const asio::const_buffer> pieces,
                                    std::size_t& taken) {
    taken = 0;
    if (pieces.empty()) return {};
    // One record for what fits in one (a head and a small body): gathered, unless the first
    // piece alone fills a record.
    constexpr std::size_t kRecord = 16 * 1024;
    const void* data = pieces[0].data();
    std::size_t size = pieces[0].size();
    if (pieces.size() > 1 && size < kRecord) {
        m_gather.clear();
        for (const auto& p : pieces) {
            if (m_gather.size() + p.size() > kRecord && !m_gather.empty()) break;
            m_gather.append(static_cast<const char*>(p.data()), p.size());
        }
        data = m_gather.data();
        size = m_gather.size();
    }
    // A write takes at most a few records: the pending output (kept, with its capacity, for the
    // connection's life) stays bounded whatever size the caller hands over.
    size = std::min(size, 4 * kRecord);
    ERR_clear_error();
    if (SSL_write_ex(m_ssl, data, size, &taken) == 1) return {};
    taken = 0;
    return failure(SSL_get_error(m_ssl, 0));
}

bool TlsSocket::sendNow(std::span<asio::const_buffer>& bufs) {
    if (m_writing) return true;
    std::size_t taken = 0;
    for (dropFront(bufs, 0); !bufs.empty(); dropFront(bufs, taken))
        if (encryptPieces(bufs, taken)) return false;
    sendPendingNow();
    return true;
}

void TlsSocket::sendPendingNow() {
    if (m_writing || m_pending.empty()) return;
    const auto n = ::send(m_next.socket().native_handle(), m_pending.data(), m_pending.size(),
                          MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) m_pending.erase(0, static_cast<std::size_t>(n));
}

error_code TlsSocket::failure(int err) {
    if (err == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    const unsigned long code = ERR_get_error();
    // The peer closed the socket without close_notify (or within a record): as Asio's stream
    // reports it.
    if (m_eof && (code == 0 || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
        return asio::ssl::error::stream_truncated;
    if (code != 0) return {static_cast<int>(code), asio::error::get_ssl_category()};
    if (err == SSL_ERROR_SYSCALL && errno != 0) return {errno, asio::error::get_system_category()};
    return asio::ssl::error::unspecified_system_error;
}

} // namespace portico::proxy
