#pragma once
// porticod settings: built-in defaults, overridden by portico.conf (key = value), overridden by
// PORTICO_<KEY> environment variables, overridden by --key value flags. Read once at start-up
// on the main thread; immutable afterwards.

#include "app/log.h"
#include "core/expected.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace portico::app {

struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
    bool ssl = false;

    std::string text() const;
    bool isLoopback() const;
};

// Limits and timeouts of proxy client connections (nginx's names, nginx-like defaults).
struct ProxyLimits {
    int headerTimeoutS = 60;               // client_header_timeout: the whole request head
    int bodyTimeoutS = 60;                 // client_body_timeout: between two reads of a body
    int keepaliveTimeoutS = 60;            // keepalive_timeout: idle between requests
    int sendTimeoutS = 60;                 // send_timeout: between two writes to the client
    std::size_t maxBodySize = 0;           // client_max_body_size; 0 = no limit (Kong's default)
    std::size_t maxHeaderSize = 32 * 1024; // client_max_header_size: request line + fields
    // Kong's upstream_keepalive_*: idle connections per upstream pool (0: no pooling), requests
    // a connection carries before it is closed (0: no limit), idle seconds before an idle
    // connection is closed (0: no limit).
    int upstreamPoolSize = 512;
    int upstreamMaxRequests = 10000;
    int upstreamIdleTimeoutS = 60;
};

struct Settings {
    std::string prefix;
    std::string role;
    std::vector<ListenAddress> proxyListen;
    std::optional<ListenAddress> adminListen;
    std::string adminSocket; // empty when off
    std::optional<ListenAddress> statusListen;
    std::optional<ListenAddress> clusterListen;
    std::string clusterControlPlane;
    int workerThreads = 1;
    log::Level logLevel = log::Level::Info;
    std::string declarativeConfig;
    bool latencyHeaders = true;  // X-Portico-Upstream-Latency, X-Portico-Proxy-Latency
    bool requestIdHeader = true; // X-Portico-Request-Id, upstream and downstream
    std::size_t adminBodyLimit = 1 << 20;
    std::size_t configBodyLimit = 16 << 20;
    ProxyLimits limits;
    std::string trustedIps;               // trusted_ips, validated; parsed by the proxy
    std::vector<std::string> dnsResolver; // nameservers "ip[:port]"; empty: resolv.conf
    std::string dnsHostsFile = "/etc/hosts";

    std::string storePath() const { return prefix + "/portico.db"; }
};

struct CommandLine {
    std::string command;           // empty to run the service, else e.g. "admin-token"
    std::vector<std::string> args; // positional words after the command
    std::map<std::string, std::string> flags;
    std::string configFile;
    bool help = false;
    bool version = false;
};

// Splits argv; an error names the offending argument.
Expected<CommandLine, std::string> parseCommandLine(int argc, char** argv);

// Resolves the settings from defaults, the config file, the environment and the flags. An error
// names the key (and the file line) that is wrong.
Expected<Settings, std::string> loadSettings(const CommandLine& cli, char** environ);

std::string usage();

} // namespace portico::app
