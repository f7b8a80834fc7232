#include "admin/tokens.h"

#include "core/hex.h"

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
    return sha256Hex(token);
}

} // namespace portico::admin
