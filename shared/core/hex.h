#pragma once
// Lower-case hexadecimal text of bytes and digests (ids, token hashes, config hashes).

#include <cstddef>
#include <string>
#include <string_view>

namespace portico {

std::string toHex(const unsigned char* data, std::size_t size);
// Writes the 2 * size digits of `data` to `out`, without allocating.
void toHex(const unsigned char* data, std::size_t size, char* out);
std::string sha256Hex(std::string_view data);

} // namespace portico
