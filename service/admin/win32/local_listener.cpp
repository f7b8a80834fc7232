// The local Admin API listener on Windows: a named pipe (\\.\pipe\portico-admin by default),
// the counterpart of the Unix socket in posix/. Same contract: only the owner, SYSTEM and
// Administrators may connect (the ACL plays the part of mode 0660); a second instance on the
// same name fails (FILE_FLAG_FIRST_PIPE_INSTANCE); remote clients are rejected; every
// operation has a deadline.
//
// This file cannot be built on the Linux machines the project is developed and tested on; it
// is written against the Win32 and Asio documentation and awaits a Windows build job.
#include "admin/admin_session.h"

#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/asio/windows/stream_handle.hpp>
#include <sddl.h>
#include <windows.h>

namespace portico::admin {

namespace {

// A pipe handle with Beast-style deadlines: expires_after() arms a timer that cancels pending
// I/O, which the session sees as operation_aborted.
class TimedPipe {
public:
    using executor_type = asio::any_io_executor;

    explicit TimedPipe(asio::windows::stream_handle handle)
        : m_handle(std::move(handle)), m_timer(m_handle.get_executor()) {}

    executor_type get_executor() { return m_handle.get_executor(); }

    void expires_after(std::chrono::steady_clock::duration d) {
        m_timer.expires_after(d);
        m_timer.async_wait([h = &m_handle](const error_code& ec) {
            if (!ec) {
                error_code ignored;
                h->cancel(ignored);
            }
        });
    }

    template <class Buffers, class Token> auto async_read_some(const Buffers& b, Token&& t) {
        return m_handle.async_read_some(b, std::forward<Token>(t));
    }
    template <class Buffers, class Token> auto async_write_some(const Buffers& b, Token&& t) {
        return m_handle.async_write_some(b, std::forward<Token>(t));
    }

    void close() {
        error_code ec;
        m_timer.cancel();
        ::FlushFileBuffers(m_handle.native_handle());
        ::DisconnectNamedPipe(m_handle.native_handle());
        m_handle.close(ec);
    }

private:
    asio::windows::stream_handle m_handle;
    asio::steady_timer m_timer;
};

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring out(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
    return out;
}

std::string lastError(const char* what) {
    return std::string(what) + ": " +
           std::system_category().message(static_cast<int>(::GetLastError()));
}

// "local:pid=1234" for the client of a connected pipe instance.
std::string pipePeer(HANDLE pipe) {
    ULONG pid = 0;
    if (::GetNamedPipeClientProcessId(pipe, &pid)) return "local:pid=" + std::to_string(pid);
    return "local";
}

struct PipeSecurity {
    SECURITY_ATTRIBUTES attributes{};
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    ~PipeSecurity() {
        if (descriptor) ::LocalFree(descriptor);
    }
};

// SYSTEM, Administrators and the owner get full access; nobody else is listed, so nobody else
// can open the pipe.
bool makeSecurity(PipeSecurity& sec) {
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(
            L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;OW)", SDDL_REVISION_1, &sec.descriptor, nullptr))
        return false;
    sec.attributes.nLength = sizeof(sec.attributes);
    sec.attributes.lpSecurityDescriptor = sec.descriptor;
    sec.attributes.bInheritHandle = FALSE;
    return true;
}

HANDLE createInstance(const std::wstring& name, PipeSecurity& sec, bool first) {
    DWORD openMode =
        PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
    return ::CreateNamedPipeW(name.c_str(), openMode,
                              PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                  PIPE_REJECT_REMOTE_CLIENTS,
                              PIPE_UNLIMITED_INSTANCES, 64 * 1024, 64 * 1024, 0, &sec.attributes);
}

// Waits for a client on a fresh pipe instance (overlapped ConnectNamedPipe).
template <class Token> auto asyncConnect(asio::windows::stream_handle& handle, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [&handle](auto handler) {
            asio::windows::overlapped_ptr op(handle.get_executor(), std::move(handler));
            BOOL ok = ::ConnectNamedPipe(handle.native_handle(), op.get());
            DWORD err = ::GetLastError();
            if (!ok && err == ERROR_PIPE_CONNECTED)
                op.complete(error_code(), 0);
            else if (!ok && err != ERROR_IO_PENDING)
                op.complete(error_code(static_cast<int>(err), asio::error::get_system_category()),
                            0);
            else
                op.release();
        },
        token);
}

} // namespace

std::string startLocalListener(AdminServer::Impl& d) {
    const std::wstring name = widen(d.settings.adminSocket);
    if (name.rfind(L"\\\\.\\pipe\\", 0) != 0)
        return "admin_socket must name a pipe (\\\\.\\pipe\\...) on Windows, not " +
               d.settings.adminSocket;
    auto sec = std::make_shared<PipeSecurity>();
    if (!makeSecurity(*sec)) return lastError("admin_socket security descriptor");
    // The first instance proves no other process serves this name; it then waits for the first
    // client like every later instance.
    HANDLE first = createInstance(name, *sec, true);
    if (first == INVALID_HANDLE_VALUE) {
        if (::GetLastError() == ERROR_ACCESS_DENIED)
            return "another process is serving admin_socket " + d.settings.adminSocket +
                   " (is porticod already running?)";
        return lastError(("admin_socket " + d.settings.adminSocket).c_str());
    }
    auto stopped = std::make_shared<bool>(false);
    auto pending = std::make_shared<asio::windows::stream_handle>(d.ioc, first);
    d.stopLocal = [stopped, pending] {
        *stopped = true;
        error_code ec;
        pending->close(ec);
    };
    log::notice("admin", "Admin API listening on named pipe " + d.settings.adminSocket);
    asio::co_spawn(
        d.ioc,
        [&d, name, sec, stopped, pending]() -> awaitable<void> {
            while (!*stopped) {
                error_code ec;
                co_await asyncConnect(*pending, asio::redirect_error(use_awaitable, ec));
                if (*stopped) co_return;
                if (ec) {
                    log::warn("admin", "named pipe connect failed: " + ec.message());
                } else {
                    std::string peer = pipePeer(pending->native_handle());
                    asio::co_spawn(
                        d.ioc, d.session(TimedPipe(std::move(*pending)), std::move(peer), false),
                        asio::detached);
                }
                HANDLE next = createInstance(name, *sec, false);
                if (next == INVALID_HANDLE_VALUE) {
                    log::error("admin", lastError("named pipe instance"));
                    co_return;
                }
                *pending = asio::windows::stream_handle(d.ioc, next);
            }
        },
        asio::detached);
    return {};
}

} // namespace portico::admin
