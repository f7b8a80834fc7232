#include "admin/tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace portico::admin {

std::string newToken() {
    unsigned char raw[32];
    RAND_bytes(raw, sizeof raw);
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out = "ptk_";
    // 6 bits per character; 32 bytes give 42 characters of the base64url alphabet.
    unsigned bits = 0, acc = 0;
    for (unsigned char b : raw) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            out.push_back(alphabet[(acc >> (bits - 6)) & 0x3F]);
            bits -= 6;
        }
    }
    if (bits) out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
    return out;
}

std::string hashToken(std::string_view token) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 0xF]);
    }
    return out;
}

} // namespace portico::admin
