#include "admin/local_socket.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace portico::admin {

std::string prepareSocketPath(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof(addr.sun_path))
        return "admin_socket path is longer than " + std::to_string(sizeof(addr.sun_path) - 1) +
               " bytes: " + path;
    auto slash = path.rfind('/');
    const std::string parent =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    struct stat ps {};
    if (::stat(parent.c_str(), &ps) != 0)
        return "admin_socket folder " + parent + ": " + std::strerror(errno);
    if ((ps.st_mode & S_IWOTH) != 0)
        return "admin_socket folder " + parent + " is writable by every user; use a private folder";
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return "admin_socket " + path + ": " + std::strerror(errno);
    }
    if (S_ISLNK(st.st_mode))
        return "admin_socket " + path + " is a symbolic link; refusing to use it";
    if (!S_ISSOCK(st.st_mode))
        return "admin_socket " + path + " exists and is not a socket; refusing to replace it";
    if (st.st_uid != ::geteuid())
        return "admin_socket " + path + " belongs to another user; refusing to replace it";
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const bool alive = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (alive)
        return "another process is serving admin_socket " + path +
               " (is porticod already running with this prefix?)";
    if (::unlink(path.c_str()) != 0)
        return "cannot remove stale admin_socket " + path + ": " + std::strerror(errno);
    return {};
}

std::string bindWithPrivateMode(const std::string& path,
                                const std::function<std::string()>& bindFn) {
    // umask is process-wide; start-up binds before any other thread exists.
    const mode_t old = ::umask(0117);
    std::string err = bindFn();
    ::umask(old);
    if (err.empty() && ::chmod(path.c_str(), 0660) != 0)
        err = "chmod " + path + ": " + std::strerror(errno);
    return err;
}

std::string peerIdentity(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        return "local:uid=" + std::to_string(cred.uid);
    return "local";
}

} // namespace portico::admin
