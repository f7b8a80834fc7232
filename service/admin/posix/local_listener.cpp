// The local Admin API listener on POSIX systems: a Unix socket, access by file permission.
#include "admin/admin_session.h"

#include <boost/asio/local/stream_protocol.hpp>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace portico::admin {

namespace {

// Checks the socket path before bind: the parent folder must not be writable by others; a
// symlink or any non-socket file at the path is refused; a socket that answers belongs to a
// running instance (refused); a stale socket we own is removed. Empty on success.
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

// Calls bindFn with a umask that leaves no window of wider permissions, then sets mode 0660.
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

// "local:uid=1000" for the process at the other end of a connected local socket.
std::string peerIdentity(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        return "local:uid=" + std::to_string(cred.uid);
    return "local";
}

} // namespace

std::string startLocalListener(AdminServer::Impl& d) {
    using Acceptor = asio::local::stream_protocol::acceptor;
    using LocalStream = beast::basic_stream<asio::local::stream_protocol>;
    const std::string path = d.settings.adminSocket;
    if (auto err = prepareSocketPath(path); !err.empty()) return err;
    auto acceptor = std::make_shared<Acceptor>(d.ioc);
    std::string err = bindWithPrivateMode(path, [&]() -> std::string {
        error_code ec;
        acceptor->open(asio::local::stream_protocol(), ec);
        if (!ec) acceptor->bind(asio::local::stream_protocol::endpoint(path), ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        return ec ? "admin_socket " + path + ": " + ec.message() : std::string();
    });
    if (!err.empty()) return err;
    log::notice("admin", "Admin API listening on local socket " + path);
    d.stopLocal = [acceptor, path] {
        error_code ec;
        acceptor->close(ec);
        ::unlink(path.c_str());
    };
    auto peer = [](asio::local::stream_protocol::socket& s) {
        return peerIdentity(s.native_handle());
    };
    // The acceptor lives as long as the loop: the coroutine holds a reference through `acceptor`.
    asio::co_spawn(
        d.ioc,
        [&d, acceptor, peer]() -> awaitable<void> {
            co_await d.acceptLoop<Acceptor, LocalStream>(*acceptor, Access::Local, peer);
        },
        asio::detached);
    return {};
}

} // namespace portico::admin
