#include "core/hex.h"

#include <openssl/evp.h>

namespace portico {

void toHex(const unsigned char* data, std::size_t size, char* out) {
    static const char* digits = "0123456789abcdef";
    for (std::size_t i = 0; i < size; ++i) {
        *out++ = digits[data[i] >> 4];
        *out++ = digits[data[i] & 0xF];
    }
}

std::string toHex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2, '\0');
    toHex(data, size, out.data());
    return out;
}

std::string sha256Hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return toHex(md, len);
}

} // namespace portico
