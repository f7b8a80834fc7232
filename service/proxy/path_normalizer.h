#pragma once
// The one normalization of a request path, done before routing: routing, plugins and the
// upstream all see its result (http-hardening §5.1). Pure function; any thread.

#include <string>
#include <string_view>

namespace portico::proxy {

struct NormalizedPath {
    std::string path;  // normalized; empty when rejected
    std::string error; // why it was rejected (400), empty on success
};

// Normalizes the path part of an origin-form target (no query):
// - rejects what has no safe reading: raw characters outside RFC 3986 pchar, backslashes,
//   fragments, malformed or encoded '/', '\', NUL and control bytes, invalid or overlong
//   UTF-8, fullwidth slashes, dot segments carrying ';' parameters;
// - decodes percent-encoded unreserved characters once and upper-cases the other escapes;
// - resolves "." and ".." segments and merges repeated slashes.
NormalizedPath normalizePath(std::string_view rawPath);
// The same into `out`, whose strings keep their storage: a connection normalizes each of its
// requests' paths into one NormalizedPath, so an already-normal path costs no allocation.
void normalizePath(std::string_view rawPath, NormalizedPath& out);

} // namespace portico::proxy
