#include "model/uuid.h"

#include "core/hex.h"

#include <array>
#include <cctype>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace portico::model {

namespace {
std::string format(const unsigned char* b) {
    std::string hex = toHex(b, 16);
    for (std::size_t at : {8, 13, 18, 23})
        hex.insert(at, 1, '-');
    return hex;
}
} // namespace

std::string newUuid() {
    std::array<unsigned char, 16> b{};
    RAND_bytes(b.data(), static_cast<int>(b.size()));
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    return format(b.data());
}

std::string derivedUuid(std::string_view ns, std::string_view name) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    std::string input;
    input.reserve(ns.size() + name.size() + 1);
    input.append(ns).push_back('\0');
    input.append(name);
    EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
    digest[6] = (digest[6] & 0x0F) | 0x50;
    digest[8] = (digest[8] & 0x3F) | 0x80;
    return format(digest);
}

bool isUuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
            return false;
        }
    }
    return true;
}

} // namespace portico::model
