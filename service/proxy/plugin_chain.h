#pragma once
// The plugin phases of a proxied request (ARCHITECTURE §6): rewrite, access, header_filter,
// body_filter, log.
//
// A Plugin is the immutable, per-revision half: built once when a snapshot is compiled and
// shared by every worker, so its phase methods are const and must be safe to call from any
// worker thread at once. Per-request state lives in the RequestContext the session owns.
// A PluginChain is the ordered list (Kong's priorities, highest first) that applies to one
// route; its phase mask lets the session skip phases nobody implements.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::proxy {

// A message's header fields as plugins see them; implemented by the session over its parser.
class HeaderAccess {
public:
    virtual std::string_view get(std::string_view name) const = 0;
    virtual void set(std::string_view name, std::string_view value) = 0;
    virtual void erase(std::string_view name) = 0;

protected:
    ~HeaderAccess() = default;
};

// A request id, kept inline: one is made for every request, and a heap string per request
// showed in profiles.
class RequestId {
public:
    static constexpr std::size_t kMaxSize = 32;
    // Room for kMaxSize characters; resize() then says how many were written.
    char* buffer() noexcept { return m_text; }
    void resize(std::size_t n) noexcept { m_size = n < kMaxSize ? n : kMaxSize; }
    std::string_view view() const noexcept { return {m_text, m_size}; }
    bool empty() const noexcept { return m_size == 0; }

private:
    char m_text[kMaxSize];
    std::size_t m_size = 0;
};

// One request as it passes the phases. Owned by the session, on its worker thread.
struct RequestContext {
    using Clock = std::chrono::steady_clock;
    std::string_view method;
    std::string_view host;
    std::string_view path; // normalized
    std::string_view peer;
    std::string_view routeId;
    std::string_view serviceId;
    RequestId requestId;
    HeaderAccess* request = nullptr;  // rewrite, access
    HeaderAccess* response = nullptr; // header_filter
    int status = 0;                   // from header_filter on
    std::uint64_t responseBytes = 0;  // body bytes relayed so far
    Clock::time_point started;        // request head read
    Clock::time_point upstreamStarted;
    Clock::time_point upstreamHeaders; // response head received
};

// What a rewrite or access phase decided: go on, or answer the client now.
struct PhaseResult {
    bool respond = false;
    int status = 0;
    std::string body; // JSON
    std::vector<std::pair<std::string, std::string>> headers;

    static PhaseResult next() { return {}; }
    static PhaseResult answer(int status, std::string body) {
        PhaseResult r;
        r.respond = true;
        r.status = status;
        r.body = std::move(body);
        return r;
    }
};

class Plugin {
public:
    enum Phase : unsigned {
        Rewrite = 1,
        Access = 2,
        HeaderFilter = 4,
        BodyFilter = 8,
        Log = 16,
    };
    virtual ~Plugin() = default;
    virtual std::string_view name() const = 0;
    // The plugins entity this instance was built from; empty for built-ins.
    virtual std::string_view instanceId() const { return {}; }
    virtual int priority() const = 0;
    virtual unsigned phases() const = 0; // the Phase bits this plugin implements

    virtual PhaseResult rewrite(RequestContext&) const { return {}; }
    virtual PhaseResult access(RequestContext&) const { return {}; }
    virtual void headerFilter(RequestContext&) const {}
    // Sees each chunk of the response body as it is relayed (read-only).
    virtual void bodyFilter(RequestContext&, std::string_view /*chunk*/, bool /*last*/) const {}
    // After the response; cannot change it.
    virtual void log(const RequestContext&) const {}
};

class PluginChain {
public:
    PluginChain() = default;
    explicit PluginChain(std::vector<std::shared_ptr<const Plugin>> plugins);

    bool has(Plugin::Phase p) const { return (m_phases & p) != 0; }
    bool empty() const { return m_plugins.empty(); }
    const std::vector<std::shared_ptr<const Plugin>>& plugins() const { return m_plugins; }

    // The first plugin that answers ends the phase (and skips the later ones).
    PhaseResult rewrite(RequestContext& r) const;
    PhaseResult access(RequestContext& r) const;
    void headerFilter(RequestContext& r) const;
    void bodyFilter(RequestContext& r, std::string_view chunk, bool last) const;
    void log(const RequestContext& r) const;

private:
    std::vector<std::shared_ptr<const Plugin>> m_plugins; // by priority, highest first
    unsigned m_phases = 0;
};

} // namespace portico::proxy
