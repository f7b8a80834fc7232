#pragma once
// The Admin API listeners: the local socket (access by file permission) and the optional TCP
// listener (bearer token, loopback only). Both feed the same AdminApi. Runs on the main
// io_context; start() and stop() are called from the main thread.

#include "app/settings.h"

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace portico::store {
class Store;
}

namespace portico::admin {

class AdminApi;
class EventHub;

class AdminServer {
public:
    AdminServer(boost::asio::io_context& ioc, AdminApi& api, EventHub& events, store::Store& store,
                const app::Settings& settings);
    ~AdminServer();

    // Binds every configured listener; an error message means start-up must stop.
    std::string start();
    // Stops accepting, closes idle connections and event streams; requests being handled
    // finish and get their response.
    void stop();
    std::size_t activeSessions() const;

    // Opaque here; defined in admin_session.h for the platform listeners.
    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace portico::admin
