#include "proxy/router.h"

#include "core/text.h"
#include "schema/validators.h"

#include <algorithm>
#include <re2/re2.h>
#include <re2/set.h>
#include <unordered_map>

namespace portico::proxy {

using json = nlohmann::json;

namespace {

std::vector<std::string> strings(const json& v, bool lowerCase = false) {
    std::vector<std::string> out;
    if (v.is_array())
        for (const auto& e : v)
            if (e.is_string())
                out.push_back(lowerCase ? toLower(e.get<std::string>()) : e.get<std::string>());
    return out;
}

// "host" or "host:port" split; port -1 when absent. IPv6 literals keep their brackets.
std::pair<std::string, int> hostAndPort(const std::string& s) {
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos) return {toLower(s), -1};
        const bool hasPort = close + 1 < s.size() && s[close + 1] == ':';
        return {toLower(s.substr(0, close + 1)), hasPort ? std::atoi(s.c_str() + close + 2) : -1};
    }
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || s.find(':') != colon) return {toLower(s), -1};
    return {toLower(s.substr(0, colon)), std::atoi(s.c_str() + colon + 1)};
}

struct Wildcard {
    bool leading = true; // "*.example.com" (else "example.*")
    std::string fixed;   // ".example.com" or "example."
    int port = -1;

    bool matches(std::string_view host, int reqPort) const {
        if (port >= 0 && port != reqPort) return false;
        if (host.size() <= fixed.size()) return false;
        return leading ? host.compare(host.size() - fixed.size(), fixed.size(), fixed) == 0
                       : host.compare(0, fixed.size(), fixed) == 0;
    }
};

Wildcard parseWildcard(const std::string& rule) {
    auto [h, port] = hostAndPort(rule);
    Wildcard w;
    w.port = port;
    w.leading = h.rfind("*.", 0) == 0;
    w.fixed = w.leading ? h.substr(1) : h.substr(0, h.size() - 1);
    return w;
}

// Lets maps keyed by std::string be searched with a string_view, without an allocation.
struct ViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V> using StringMap = std::unordered_map<std::string, V, ViewHash, std::equal_to<>>;

// Prefix paths are probed with hashes computed incrementally along the request path, so that
// probing every candidate length costs one pass over the path.
constexpr std::size_t kFnvOffset = 14695981039346656037ull;
constexpr std::size_t kFnvPrime = 1099511628211ull;
std::size_t fnvStep(std::size_t h, char c) {
    return (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
}
std::size_t fnv(std::string_view s) {
    std::size_t h = kFnvOffset;
    for (char c : s)
        h = fnvStep(h, c);
    return h;
}
struct Prehashed {
    std::string_view text;
    std::size_t hash;
};
struct PrefixHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return fnv(s); }
    std::size_t operator()(const Prehashed& p) const { return p.hash; }
};
struct PrefixEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
    bool operator()(const Prehashed& a, std::string_view b) const { return a.text == b; }
    bool operator()(std::string_view a, const Prehashed& b) const { return a == b.text; }
};

enum class PathKind { None, Prefix, Regex };

struct Matcher {
    const CompiledRoute* route = nullptr;
    std::size_t rank = 0;
    std::vector<std::string> protocols;
    std::vector<std::string> methods;
    std::vector<std::pair<std::string, std::vector<std::string>>> headers; // lower-case
    std::vector<std::string> snis;
    PathKind kind = PathKind::None;
    std::string path; // prefix, or regex source without '~'
    std::unique_ptr<RE2> regex;
    // Priority, most significant first (Kong's traditional_compatible order).
    int weight = 0;
    bool plainHosts = true;
    int headerCount = 0;
    int regexPriority = 0;
    double createdAt = 0;
};

bool priorityBefore(const Matcher& a, const Matcher& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    if (a.plainHosts != b.plainHosts) return a.plainHosts;
    if (a.headerCount != b.headerCount) return a.headerCount > b.headerCount;
    const bool ar = a.kind == PathKind::Regex, br = b.kind == PathKind::Regex;
    if (ar != br) return ar;
    if (ar && a.regexPriority != b.regexPriority) return a.regexPriority > b.regexPriority;
    if (a.path.size() != b.path.size()) return a.path.size() > b.path.size();
    if (a.createdAt != b.createdAt) return a.createdAt < b.createdAt;
    return a.route->id < b.route->id;
}

// The literal text every match of an anchored regex starts with ("/orders/7/" for
// "/orders/7/(?P<id>\d+)$"): up to the first metacharacter, less a last character that a
// quantifier makes optional. Empty when the pattern has a top-level alternative.
std::string literalPrefix(std::string_view re) {
    int depth = 0;
    for (std::size_t i = 0; i < re.size(); ++i) {
        const char c = re[i];
        if (c == '\\') {
            ++i;
        } else if (c == '[') {
            while (i + 1 < re.size() && re[i + 1] != ']')
                i += re[i + 1] == '\\' ? 2 : 1;
            ++i;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == '|' && depth == 0) {
            return {};
        }
    }
    std::string out;
    for (char c : re) {
        if (std::string_view("\\.^$|?*+()[]{}").find(c) != std::string_view::npos) {
            if ((c == '?' || c == '*' || c == '{') && !out.empty()) out.pop_back();
            break;
        }
        out += c;
    }
    return out;
}

// The routes of one host bucket, indexed by path. Prefix paths, and regexes by their literal
// prefix, sit in one hash table probed once per distinct length along the request path; a
// small bitmap of their hashes (kept in cache) turns away most probes before the table is
// touched. Regexes without a useful literal prefix share one RE2::Set.
struct PathIndex {
    struct Entry {
        std::vector<const Matcher*> prefixes;
        std::vector<const Matcher*> regexes; // to be confirmed against the whole path
    };
    std::unordered_map<std::string, Entry, PrefixHash, PrefixEq> byPrefix;
    std::vector<std::size_t> lengths; // distinct key lengths, ascending
    std::vector<std::uint64_t> bloom; // one bit per key hash; size a power of two (in words)
    std::vector<const Matcher*> regexMatchers; // the RE2::Set's, by its indices
    std::unique_ptr<RE2::Set> regexSet;
    std::vector<const Matcher*> noPath;

    void add(const Matcher* m) {
        if (m->kind == PathKind::Prefix) {
            byPrefix[m->path].prefixes.push_back(m);
        } else if (m->kind == PathKind::Regex) {
            const std::string literal = literalPrefix(m->path);
            if (literal.size() > 1)
                byPrefix[literal].regexes.push_back(m);
            else
                regexMatchers.push_back(m);
        } else {
            noPath.push_back(m);
        }
    }

    bool mayHave(std::size_t hash) const {
        const std::size_t bit = hash & (bloom.size() * 64 - 1);
        return (bloom[bit / 64] >> (bit % 64)) & 1;
    }

    bool finish(std::string& error) {
        std::size_t words = 1;
        while (words * 64 < byPrefix.size() * 16 && words < (1u << 14))
            words *= 2;
        bloom.assign(words, 0);
        for (const auto& [p, entry] : byPrefix) {
            lengths.push_back(p.size());
            const std::size_t bit = fnv(p) & (words * 64 - 1);
            bloom[bit / 64] |= std::uint64_t{1} << (bit % 64);
        }
        std::sort(lengths.begin(), lengths.end());
        lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
        if (regexMatchers.empty()) return true;
        RE2::Options opts;
        opts.set_log_errors(false);
        regexSet = std::make_unique<RE2::Set>(opts, RE2::ANCHOR_START);
        for (const auto* m : regexMatchers) {
            std::string err;
            if (regexSet->Add(m->path, &err) < 0) {
                error = "invalid regex '" + m->path + "': " + err;
                return false;
            }
        }
        if (!regexSet->Compile()) {
            error = "regex set too large to compile";
            return false;
        }
        return true;
    }

    void collect(std::string_view path, std::vector<const Matcher*>& out) const {
        if (!lengths.empty()) {
            std::size_t h = kFnvOffset, len = 0;
            for (std::size_t want : lengths) {
                if (want > path.size()) break;
                for (; len < want; ++len)
                    h = fnvStep(h, path[len]);
                if (!mayHave(h)) continue;
                auto it = byPrefix.find(Prehashed{path.substr(0, want), h});
                if (it == byPrefix.end()) continue;
                out.insert(out.end(), it->second.prefixes.begin(), it->second.prefixes.end());
                for (const Matcher* m : it->second.regexes)
                    if (m->regex->Match(path, 0, path.size(), RE2::ANCHOR_START, nullptr, 0))
                        out.push_back(m);
            }
        }
        if (regexSet) {
            thread_local std::vector<int> hits;
            hits.clear();
            if (regexSet->Match(path, &hits))
                for (int h : hits)
                    out.push_back(regexMatchers[static_cast<std::size_t>(h)]);
        }
        out.insert(out.end(), noPath.begin(), noPath.end());
    }
};

bool sniMatches(const std::vector<std::string>& rules, std::string_view sni) {
    for (const auto& r : rules) {
        if (r.find('*') == std::string::npos) {
            if (r == sni) return true;
        } else if (parseWildcard(r).matches(sni, -1)) {
            return true;
        }
    }
    return false;
}

} // namespace

// A bucket of PathIndexes by host key, with a bitmap of the keys' hashes in front: most probes
// (the suffixes and prefixes of a host tried for wildcards, unknown hosts) are turned away by
// one bit test instead of a hash-table walk over cold memory.
class HostBuckets {
public:
    PathIndex& operator[](const std::string& key) { return m_map[key]; }
    bool empty() const { return m_map.empty(); }
    template <class F> bool finishAll(F finish) {
        std::size_t words = 1;
        while (words * 64 < m_map.size() * 16 && words < (1u << 14))
            words *= 2;
        m_bloom.assign(words, 0);
        for (auto& [key, idx] : m_map) {
            const std::size_t bit = fnv(key) & (words * 64 - 1);
            m_bloom[bit / 64] |= std::uint64_t{1} << (bit % 64);
            if (!finish(idx)) return false;
        }
        return true;
    }
    const PathIndex* find(std::string_view key) const {
        if (m_map.empty()) return nullptr;
        const std::size_t bit = fnv(key) & (m_bloom.size() * 64 - 1);
        if (!((m_bloom[bit / 64] >> (bit % 64)) & 1)) return nullptr;
        auto it = m_map.find(key);
        return it == m_map.end() ? nullptr : &it->second;
    }

private:
    StringMap<PathIndex> m_map;
    std::vector<std::uint64_t> m_bloom;
};

// Wildcard hosts are looked up by their fixed part: "*.example.com" under ".example.com" (and
// the request host's suffixes at each dot), "example.*" under "example." (and its prefixes).
// A rule with a port is keyed with "|port".
std::string wildcardKey(const Wildcard& w) {
    return w.port >= 0 ? w.fixed + "|" + std::to_string(w.port) : w.fixed;
}

struct Router::Impl {
    std::vector<std::unique_ptr<CompiledRoute>> routes;
    std::vector<std::unique_ptr<Matcher>> matchers;
    HostBuckets exactHosts;   // "host" or "host:port"
    HostBuckets leadingWild;  // ".example.com"
    HostBuckets trailingWild; // "example."
    PathIndex anyHost;
    bool portedExact = false; // some exact host rule names a port
    bool portedWild = false;  // some wildcard rule names a port

    void collectWildcards(std::string_view host, int port, std::string_view path,
                          std::vector<const Matcher*>& out) const {
        std::string key;
        auto probe = [&](const HostBuckets& map, std::string_view fixed) {
            if (const PathIndex* idx = map.find(fixed)) idx->collect(path, out);
            if (port > 0 && portedWild) {
                key.assign(fixed).append("|").append(std::to_string(port));
                if (const PathIndex* idx = map.find(key)) idx->collect(path, out);
            }
        };
        if (!leadingWild.empty())
            for (std::size_t dot = host.find('.', 1); dot != std::string_view::npos;
                 dot = host.find('.', dot + 1))
                probe(leadingWild, host.substr(dot));
        if (!trailingWild.empty())
            for (std::size_t dot = host.find('.');
                 dot != std::string_view::npos && dot + 1 < host.size();
                 dot = host.find('.', dot + 1))
                probe(trailingWild, host.substr(0, dot + 1));
    }
};

Router::Router(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Router::~Router() = default;
std::size_t Router::size() const {
    return m_impl->routes.size();
}

Expected<std::shared_ptr<const Router>, Error> Router::build(const std::vector<json>& routes) {
    auto impl = std::make_unique<Impl>();
    for (const auto& r : routes) {
        const auto protocols = strings(r.value("protocols", json()));
        const bool http = std::any_of(protocols.begin(), protocols.end(), [](const std::string& p) {
            return p == "http" || p == "https" || p == "ws" || p == "wss" || p == "grpc" ||
                   p == "grpcs";
        });
        if (!http) continue; // stream routes belong to the stream router
        auto cr = std::make_unique<CompiledRoute>();
        cr->entity = r;
        cr->id = r.value("id", "");
        if (r.contains("service") && r["service"].is_object())
            cr->serviceId = r["service"].value("id", "");
        cr->stripPath = r.value("strip_path", true);
        cr->preserveHost = r.value("preserve_host", false);
        cr->pathHandling = r.value("path_handling", "v0");
        cr->redirectStatus = r.value("https_redirect_status_code", 426);

        const auto methods = strings(r.value("methods", json()));
        const auto hosts = strings(r.value("hosts", json()));
        const auto paths = strings(r.value("paths", json()));
        const auto snis = strings(r.value("snis", json()), true);
        std::vector<std::pair<std::string, std::vector<std::string>>> headers;
        if (r.contains("headers") && r["headers"].is_object())
            for (const auto& [name, values] : r["headers"].items())
                headers.emplace_back(toLower(name), strings(values, true));
        const int weight =
            !methods.empty() + !hosts.empty() + !headers.empty() + !paths.empty() + !snis.empty();
        const bool plain = std::none_of(hosts.begin(), hosts.end(), [](const std::string& h) {
            return h.find('*') != std::string::npos;
        });

        // One matcher per path, as Kong splits routes with several paths.
        std::vector<std::string> pathList = paths.empty() ? std::vector<std::string>{""} : paths;
        for (const auto& p : pathList) {
            auto m = std::make_unique<Matcher>();
            m->route = cr.get();
            m->protocols = protocols;
            m->methods = methods;
            m->headers = headers;
            m->snis = snis;
            m->weight = weight;
            m->plainHosts = plain;
            m->headerCount = static_cast<int>(headers.size());
            m->regexPriority = r.value("regex_priority", 0);
            m->createdAt = r.value("created_at", 0.0);
            if (p.empty()) {
                m->kind = PathKind::None;
            } else if (p[0] == '~') {
                m->kind = PathKind::Regex;
                m->path = schema::re2Pattern(std::string_view(p).substr(1));
                RE2::Options opts;
                opts.set_log_errors(false);
                m->regex = std::make_unique<RE2>(m->path, opts);
                if (!m->regex->ok())
                    return unexpected(Error::make(ErrorCode::SchemaViolation,
                                                  "route " + cr->id + ": invalid regex '" +
                                                      m->path + "': " + m->regex->error()));
            } else {
                m->kind = PathKind::Prefix;
                m->path = p;
            }
            impl->matchers.push_back(std::move(m));
        }
        impl->routes.push_back(std::move(cr));
    }
    std::vector<Matcher*> order;
    for (auto& m : impl->matchers)
        order.push_back(m.get());
    std::stable_sort(order.begin(), order.end(),
                     [](const Matcher* a, const Matcher* b) { return priorityBefore(*a, *b); });
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i]->rank = i;

    for (const Matcher* m : order) {
        const auto hosts = strings(m->route->entity.value("hosts", json()));
        if (hosts.empty()) {
            impl->anyHost.add(m);
            continue;
        }
        for (const auto& h : hosts) {
            if (h.find('*') == std::string::npos) {
                auto [host, port] = hostAndPort(h);
                impl->portedExact = impl->portedExact || port >= 0;
                impl->exactHosts[port >= 0 ? host + ":" + std::to_string(port) : host].add(m);
            } else {
                const Wildcard w = parseWildcard(h);
                impl->portedWild = impl->portedWild || w.port >= 0;
                (w.leading ? impl->leadingWild : impl->trailingWild)[wildcardKey(w)].add(m);
            }
        }
    }
    std::string err;
    auto finish = [&](PathIndex& idx) {
        if (!idx.finish(err)) return false;
        return true;
    };
    if (!finish(impl->anyHost)) return unexpected(Error::make(ErrorCode::SchemaViolation, err));
    for (auto* map : {&impl->exactHosts, &impl->leadingWild, &impl->trailingWild})
        if (!map->finishAll(finish))
            return unexpected(Error::make(ErrorCode::SchemaViolation, err));
    return std::shared_ptr<const Router>(new Router(std::move(impl)));
}

RouteMatch Router::match(const MatchRequest& req) const {
    const Impl& d = *m_impl;
    // Reused per thread: a worker matches one request at a time.
    thread_local std::vector<const Matcher*> candidates;
    candidates.clear();
    if (!req.host.empty()) {
        if (req.port > 0 && d.portedExact) {
            std::string key(req.host);
            key += ':';
            key += std::to_string(req.port);
            if (const PathIndex* idx = d.exactHosts.find(key)) idx->collect(req.path, candidates);
        }
        if (const PathIndex* idx = d.exactHosts.find(req.host)) idx->collect(req.path, candidates);
        d.collectWildcards(req.host, req.port, req.path, candidates);
    }
    d.anyHost.collect(req.path, candidates);
    std::sort(candidates.begin(), candidates.end(),
              [](const Matcher* a, const Matcher* b) { return a->rank < b->rank; });
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

    RouteMatch result;
    for (const Matcher* m : candidates) {
        if (!m->methods.empty() &&
            std::find(m->methods.begin(), m->methods.end(), req.method) == m->methods.end())
            continue;
        bool headersOk = true;
        for (const auto& [name, values] : m->headers) {
            bool found = false;
            if (req.headers)
                for (const auto& [hn, hv] : *req.headers)
                    if (hn == name &&
                        std::any_of(values.begin(), values.end(),
                                    [&](const std::string& v) { return equalsIgnoreCase(v, hv); }))
                        found = true;
            if (!found) {
                headersOk = false;
                break;
            }
        }
        if (!headersOk) continue;
        if (!m->snis.empty() && (req.sni.empty() || !sniMatches(m->snis, toLower(req.sni))))
            continue;

        result.route = m->route;
        result.protocolRedirect =
            std::find(m->protocols.begin(), m->protocols.end(), req.protocol) == m->protocols.end();
        if (m->kind == PathKind::Prefix) {
            result.matchedLength = m->path.size();
        } else if (m->kind == PathKind::Regex) {
            const int groups = m->regex->NumberOfCapturingGroups();
            std::vector<re2::StringPiece> sub(static_cast<std::size_t>(groups) + 1);
            if (m->regex->Match(req.path, 0, req.path.size(), RE2::ANCHOR_START, sub.data(),
                                groups + 1)) {
                result.matchedLength = sub[0].size();
                for (int i = 1; i <= groups; ++i)
                    result.captures.emplace_back(std::to_string(i),
                                                 std::string(sub[static_cast<std::size_t>(i)]));
                for (const auto& [name, index] : m->regex->NamedCapturingGroups())
                    result.captures.emplace_back(name,
                                                 std::string(sub[static_cast<std::size_t>(index)]));
            }
        }
        return result;
    }
    return result;
}

} // namespace portico::proxy
