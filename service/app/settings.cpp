#include "app/settings.h"

#include "core/ip_range.h"
#include "core/text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <fstream>
#include <functional>
#include <thread>

namespace portico::app {

namespace {

std::string trim(std::string s) {
    auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
    s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
    return s;
}

std::string normalizeKey(std::string k) {
    std::replace(k.begin(), k.end(), '-', '_');
    return toLower(k);
}

Expected<ListenAddress, std::string> parseListen(const std::string& item) {
    std::string s = trim(item);
    ListenAddress a;
    auto space = s.find_first_of(" \t");
    if (space != std::string::npos) {
        std::string flags = trim(s.substr(space));
        s = s.substr(0, space);
        if (flags != "ssl")
            return unexpected("unknown listener flag '" + flags + "' (expected 'ssl')");
        a.ssl = true;
    }
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return unexpected("'" + s + "' is not addr:port");
    std::string host = s.substr(0, colon), port = s.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    unsigned char buf[16];
    if (host != "localhost" && inet_pton(AF_INET, host.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, host.c_str(), buf) != 1)
        return unexpected("'" + host + "' is not an IP address");
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || p > 65535)
        return unexpected("'" + port + "' is not a port number");
    a.host = host == "localhost" ? "127.0.0.1" : host;
    a.port = static_cast<std::uint16_t>(p);
    return a;
}

Expected<std::optional<ListenAddress>, std::string> parseSingleListen(const std::string& v) {
    if (v == "off") return std::optional<ListenAddress>();
    if (v.find(',') != std::string::npos) return unexpected("expected one address or 'off'");
    auto a = parseListen(v);
    if (!a) return unexpected(a.error());
    return std::optional<ListenAddress>(*a);
}

using Apply = std::function<std::string(const std::string& value, Settings& s)>;

// A whole number of seconds in [1, 3600] for a timeout key.
Apply seconds(int ProxyLimits::*field) {
    return [field](const std::string& v, Settings& s) {
        int n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 1 || n > 3600)
            return "expected a number of seconds from 1 to 3600 (got '" + v + "')";
        s.limits.*field = n;
        return std::string();
    };
}

// A whole number in [0, max].
Apply count(int ProxyLimits::*field, int max) {
    return [=](const std::string& v, Settings& s) {
        int n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 0 || n > max)
            return "expected a whole number from 0 to " + std::to_string(max) + " (got '" + v +
                   "')";
        s.limits.*field = n;
        return std::string();
    };
}

// A size: a number with an optional k, m or g suffix (powers of 1024).
Apply size(std::size_t ProxyLimits::*field, std::size_t min, std::size_t max, bool zeroOff) {
    return [=](const std::string& v, Settings& s) {
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        std::size_t unit = 1;
        const std::string_view suffix(p, static_cast<std::size_t>(v.data() + v.size() - p));
        if (suffix == "k" || suffix == "K")
            unit = 1024;
        else if (suffix == "m" || suffix == "M")
            unit = 1024 * 1024;
        else if (suffix == "g" || suffix == "G")
            unit = 1024 * 1024 * 1024;
        else if (!suffix.empty())
            ec = std::errc::invalid_argument;
        const std::size_t bytes = n * unit;
        const bool ok = !v.empty() && ec == std::errc() &&
                        ((zeroOff && bytes == 0) || (bytes >= min && bytes <= max));
        if (!ok)
            return "expected a size such as 512k or 8m, from " + std::to_string(min) + " to " +
                   std::to_string(max) + " bytes" + (zeroOff ? " (0: no limit)" : "") + " (got '" +
                   v + "')";
        s.limits.*field = bytes;
        return std::string();
    };
}

struct Key {
    const char* name;
    const char* defaultValue; // applied before any source; "" means empty
    Apply apply;
};

const std::vector<Key>& keys() {
    static const std::vector<Key> list = {
        {"prefix", ".portico",
         [](const std::string& v, Settings& s) {
             if (v.empty()) return std::string("must not be empty");
             s.prefix = v;
             return std::string();
         }},
        {"role", "standalone",
         [](const std::string& v, Settings& s) {
             if (v != "standalone" && v != "control_plane" && v != "data_plane")
                 return "expected one of: standalone, control_plane, data_plane (got '" + v + "')";
             s.role = v;
             return std::string();
         }},
        {"proxy_listen", "0.0.0.0:8000, 0.0.0.0:8443 ssl",
         [](const std::string& v, Settings& s) {
             s.proxyListen.clear();
             if (v == "off") return std::string();
             std::size_t start = 0;
             while (start <= v.size()) {
                 auto comma = v.find(',', start);
                 auto a = parseListen(v.substr(start, comma == std::string::npos ? std::string::npos
                                                                                 : comma - start));
                 if (!a) return a.error();
                 s.proxyListen.push_back(*a);
                 if (comma == std::string::npos) break;
                 start = comma + 1;
             }
             return std::string();
         }},
        {"admin_listen", "127.0.0.1:8001",
         [](const std::string& v, Settings& s) {
             auto a = parseSingleListen(v);
             if (!a) return a.error();
             if (*a && (*a)->ssl)
                 return std::string("TLS on the admin listener is not supported yet; use a "
                                    "loopback address without 'ssl'");
             if (*a && !(*a)->isLoopback())
                 return "refusing to expose the Admin API on non-loopback address " + (*a)->host +
                        " without TLS";
             s.adminListen = *a;
             return std::string();
         }},
        {"admin_socket", "",
         [](const std::string& v, Settings& s) {
             s.adminSocket = v; // resolved against the prefix once every source is read
             return std::string();
         }},
        {"status_listen", "127.0.0.1:8100",
         [](const std::string& v, Settings& s) {
             auto a = parseSingleListen(v);
             if (!a) return a.error();
             if (*a && (*a)->ssl)
                 return std::string("TLS on the status listener is not supported yet");
             s.statusListen = *a;
             return std::string();
         }},
        {"cluster_listen", "0.0.0.0:8005",
         [](const std::string& v, Settings& s) {
             auto a = parseSingleListen(v);
             if (!a) return a.error();
             s.clusterListen = *a;
             return std::string();
         }},
        {"cluster_control_plane", "",
         [](const std::string& v, Settings& s) {
             s.clusterControlPlane = v;
             return std::string();
         }},
        {"worker_threads", "auto",
         [](const std::string& v, Settings& s) {
             if (v == "auto") {
                 s.workerThreads =
                     static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
                 return std::string();
             }
             int n = 0;
             auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
             if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 1 || n > 1024)
                 return "expected 'auto' or a number from 1 to 1024 (got '" + v + "')";
             s.workerThreads = n;
             return std::string();
         }},
        {"log_level", "info",
         [](const std::string& v, Settings& s) {
             if (!log::parseLevel(v, s.logLevel))
                 return "expected one of: debug, info, notice, warn, error, crit (got '" + v + "')";
             return std::string();
         }},
        {"declarative_config", "",
         [](const std::string& v, Settings& s) {
             s.declarativeConfig = v;
             return std::string();
         }},
        {"client_header_timeout", "60", seconds(&ProxyLimits::headerTimeoutS)},
        {"client_body_timeout", "60", seconds(&ProxyLimits::bodyTimeoutS)},
        {"keepalive_timeout", "60", seconds(&ProxyLimits::keepaliveTimeoutS)},
        {"send_timeout", "60", seconds(&ProxyLimits::sendTimeoutS)},
        {"client_max_body_size", "0",
         size(&ProxyLimits::maxBodySize, 1, std::size_t(1) << 40, true)},
        {"client_max_header_size", "32k",
         size(&ProxyLimits::maxHeaderSize, 1024, 1024 * 1024, false)},
        {"upstream_keepalive_pool_size", "512", count(&ProxyLimits::upstreamPoolSize, 100000)},
        {"upstream_keepalive_max_requests", "10000",
         count(&ProxyLimits::upstreamMaxRequests, 1000000000)},
        {"upstream_keepalive_idle_timeout", "60", count(&ProxyLimits::upstreamIdleTimeoutS, 3600)},
        // Peers whose X-Forwarded-* and X-Real-IP headers are believed.
        {"trusted_ips", "",
         [](const std::string& v, Settings& s) {
             std::string error;
             if (!IpRangeSet::parse(v, &error)) return error;
             s.trustedIps = v;
             return std::string();
         }},
        // Kong's DNS settings, for upstream targets named by host name.
        {"dns_resolver", "",
         [](const std::string& v, Settings& s) {
             s.dnsResolver.clear();
             std::size_t start = 0;
             while (start < v.size()) {
                 const auto comma = v.find(',', start);
                 const std::string server = trim(v.substr(
                     start, comma == std::string::npos ? std::string::npos : comma - start));
                 start = comma == std::string::npos ? v.size() : comma + 1;
                 if (server.empty()) continue;
                 const auto colon = server.find(':');
                 const std::string ip = server.substr(0, colon);
                 in_addr parsed{};
                 bool ok = inet_pton(AF_INET, ip.c_str(), &parsed) == 1;
                 int port = 53;
                 if (colon != std::string::npos) {
                     const std::string p = server.substr(colon + 1);
                     auto [end, pe] = std::from_chars(p.data(), p.data() + p.size(), port);
                     ok = ok && !p.empty() && pe == std::errc() && end == p.data() + p.size() &&
                          port >= 1 && port <= 65535;
                 }
                 if (!ok)
                     return "expected IPv4 nameservers as ip or ip:port, comma-separated (got '" +
                            server + "')";
                 s.dnsResolver.push_back(ip + ":" + std::to_string(port));
             }
             return std::string();
         }},
        {"dns_hostsfile", "/etc/hosts",
         [](const std::string& v, Settings& s) {
             s.dnsHostsFile = v;
             return std::string();
         }},
        // Kong's `headers`: which headers the proxy adds, or off.
        {"headers", "latency_tokens, request_id",
         [](const std::string& v, Settings& s) {
             s.latencyHeaders = s.requestIdHeader = false;
             if (trim(v) == "off") return std::string();
             std::size_t start = 0;
             for (;;) {
                 const auto comma = v.find(',', start);
                 const std::string token = trim(v.substr(
                     start, comma == std::string::npos ? std::string::npos : comma - start));
                 if (token == "latency_tokens")
                     s.latencyHeaders = true;
                 else if (token == "request_id")
                     s.requestIdHeader = true;
                 else
                     return "unknown header group '" + token +
                            "' (expected latency_tokens, request_id or off)";
                 if (comma == std::string::npos) break;
                 start = comma + 1;
             }
             return std::string();
         }},
    };
    return list;
}

const Key* findKey(const std::string& name) {
    for (const auto& k : keys())
        if (name == k.name) return &k;
    return nullptr;
}

} // namespace

std::string ListenAddress::text() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port) + (ssl ? " ssl" : "");
}

bool ListenAddress::isLoopback() const {
    return host == "::1" || host.rfind("127.", 0) == 0;
}

Expected<CommandLine, std::string> parseCommandLine(int argc, char** argv) {
    CommandLine cli;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            cli.help = true;
        } else if (a == "--version" || a == "-V") {
            cli.version = true;
        } else if (a.rfind("--", 0) == 0) {
            std::string key = a.substr(2), value;
            auto eq = key.find('=');
            if (eq != std::string::npos) {
                value = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else {
                if (i + 1 >= argc) return unexpected("option " + a + " needs a value");
                value = argv[++i];
            }
            key = normalizeKey(key);
            if (key == "config")
                cli.configFile = value;
            else if (!findKey(key))
                return unexpected("unknown option --" + key);
            else
                cli.flags[key] = value;
        } else if (cli.command.empty()) {
            cli.command = a;
        } else {
            cli.args.push_back(a);
        }
    }
    return cli;
}

Expected<Settings, std::string> loadSettings(const CommandLine& cli, char** environ) {
    Settings s;
    std::map<std::string, std::pair<std::string, std::string>> values; // key -> (value, origin)
    for (const auto& k : keys())
        values[k.name] = {k.defaultValue, "default"};

    std::string configFile = cli.configFile;
    for (char** e = environ; e && *e; ++e)
        if (std::string(*e).rfind("PORTICO_CONFIG=", 0) == 0 && configFile.empty())
            configFile = std::string(*e).substr(15);
    if (!configFile.empty()) {
        std::ifstream in(configFile);
        if (!in) return unexpected("cannot read config file " + configFile);
        std::string line;
        for (int lineNo = 1; std::getline(in, line); ++lineNo) {
            // '#' starts a comment unless escaped as '\#'.
            std::string clean;
            for (std::size_t i = 0; i < line.size(); ++i) {
                if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '#') {
                    clean.push_back('#');
                    ++i;
                } else if (line[i] == '#') {
                    break;
                } else {
                    clean.push_back(line[i]);
                }
            }
            clean = trim(clean);
            if (clean.empty()) continue;
            auto eq = clean.find('=');
            const std::string where = configFile + ":" + std::to_string(lineNo);
            if (eq == std::string::npos) return unexpected(where + ": expected 'key = value'");
            std::string key = normalizeKey(trim(clean.substr(0, eq)));
            if (!findKey(key)) return unexpected(where + ": unknown key '" + key + "'");
            values[key] = {trim(clean.substr(eq + 1)), where};
        }
    }
    for (char** e = environ; e && *e; ++e) {
        std::string entry = *e;
        if (entry.rfind("PORTICO_", 0) != 0) continue;
        auto eq = entry.find('=');
        std::string key = normalizeKey(entry.substr(8, eq - 8));
        if (key == "config") continue;
        if (!findKey(key))
            return unexpected("environment variable " + entry.substr(0, eq) + ": unknown key '" +
                              key + "'");
        values[key] = {entry.substr(eq + 1), "environment variable " + entry.substr(0, eq)};
    }
    for (const auto& [k, v] : cli.flags)
        values[k] = {v, "option --" + k};

    for (const auto& k : keys()) {
        const auto& [value, origin] = values[k.name];
        std::string err = k.apply(value, s);
        if (!err.empty()) return unexpected(std::string(k.name) + " (" + origin + "): " + err);
    }
    if (s.adminSocket.empty())
#ifdef _WIN32
        s.adminSocket = R"(\\.\pipe\portico-admin)"; // the local listener is a named pipe there
#else
        s.adminSocket = s.prefix + "/admin.sock";
#endif
    else if (s.adminSocket == "off")
        s.adminSocket.clear();
    return s;
}

std::string usage() {
    return "usage: porticod [options]              run the gateway\n"
           "       porticod admin-token create NAME  create an Admin API token (printed once)\n"
           "       porticod admin-token list         list token names\n"
           "       porticod admin-token revoke NAME  revoke a token\n"
           "\n"
           "options:\n"
           "  --config FILE                 portico.conf to read (also PORTICO_CONFIG)\n"
           "  --prefix DIR                  working folder: store, admin socket (default "
           ".portico)\n"
           "  --role ROLE                   standalone | control_plane | data_plane\n"
           "  --proxy-listen LIST           'addr:port [ssl], ...' or off\n"
           "  --admin-listen ADDR           loopback addr:port of the TCP Admin API, or off\n"
           "  --admin-socket PATH           local Admin API socket, or off (default "
           "PREFIX/admin.sock)\n"
           "  --status-listen ADDR          addr:port or off\n"
           "  --cluster-listen ADDR         addr:port or off\n"
           "  --cluster-control-plane HOST  control plane a data plane dials\n"
           "  --worker-threads N            proxy workers, or auto\n"
           "  --log-level LEVEL             debug | info | notice | warn | error | crit\n"
           "  --declarative-config FILE     kong.yml / JSON loaded when the store is empty\n"
           "  --headers LIST                proxy headers to add: latency_tokens, request_id, or "
           "off\n"
           "  --trusted-ips LIST            peers whose X-Forwarded-* headers are believed "
           "(IPs, CIDRs)\n"
           "  --client-header-timeout S     seconds to receive a request head (60)\n"
           "  --client-body-timeout S       seconds between two body reads (60)\n"
           "  --keepalive-timeout S         idle seconds before a client connection closes (60)\n"
           "  --send-timeout S              seconds between two writes to a client (60)\n"
           "  --client-max-body-size SIZE   request body limit, e.g. 8m; 0 = none (0)\n"
           "  --client-max-header-size SIZE request head limit (32k)\n"
           "  --upstream-keepalive-pool-size N     idle upstream connections per pool (512)\n"
           "  --upstream-keepalive-max-requests N  requests per upstream connection (10000)\n"
           "  --upstream-keepalive-idle-timeout S  idle seconds of a pooled connection (60)\n"
           "  -h, --help                    this text\n"
           "  -V, --version                 print the version\n"
           "\n"
           "Every option is also a portico.conf key (proxy_listen = ...) and an environment\n"
           "variable (PORTICO_PROXY_LISTEN=...); flags win over the environment, which wins over\n"
           "the file.\n";
}

} // namespace portico::app
