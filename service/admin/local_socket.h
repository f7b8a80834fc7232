#pragma once
// Platform part of the local Admin API socket: making the path safe to bind and naming the
// peer. posix/ implements it for Unix sockets; win32/ for the named pipe.

#include <functional>
#include <string>

namespace portico::admin {

// Checks the socket path before bind: the parent folder must not be writable by others; a
// symlink or any non-socket file at the path is refused; a socket that answers belongs to a
// running instance (refused); a stale socket we own is removed. Empty on success, else why not.
std::string prepareSocketPath(const std::string& path);

// Calls bindFn with a umask that leaves no window of wider permissions, then sets mode 0660.
std::string bindWithPrivateMode(const std::string& path,
                                const std::function<std::string()>& bindFn);

// "local:uid=1000" for the process at the other end of a connected local socket.
std::string peerIdentity(int fd);

} // namespace portico::admin
