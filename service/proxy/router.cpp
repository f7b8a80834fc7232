#include "proxy/router.h"

#include "core/text.h"
#include "proxy/hash_index.h"
#include "proxy/prefix_lengths.h"
#include "schema/validators.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <re2/re2.h>
#include <re2/set.h>
#include <unordered_map>
#include <unordered_set>

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

// Whether a host fits a wildcard's fixed part: "*.x" needs a label before ".x", "x.*" one after.
bool wildcardFits(bool leading, std::string_view fixed, std::string_view host) {
    return host.size() > fixed.size() &&
           (leading ? host.ends_with(fixed) : host.starts_with(fixed));
}

struct Wildcard {
    bool leading = true; // "*.example.com" (else "example.*")
    std::string fixed;   // ".example.com" or "example."
    int port = -1;

    bool matches(std::string_view host, int reqPort) const {
        return (port < 0 || port == reqPort) && wildcardFits(leading, fixed, host);
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

enum class PathKind : std::uint8_t { None, Prefix, Regex };

// Bit per route protocol, so that the per-request check reads no strings.
std::uint8_t protocolBit(std::string_view p) {
    static constexpr std::string_view kNames[] = {"http", "https", "ws", "wss", "grpc", "grpcs"};
    for (std::size_t i = 0; i < std::size(kNames); ++i)
        if (kNames[i] == p) return static_cast<std::uint8_t>(1u << i);
    return 0;
}

// One path of one route (Kong splits a route with several paths). Matchers are laid out in an
// array by rank; the first cache line of each holds all that accepting a typical candidate
// reads, its texts included, so that confirming a route costs one memory load.
struct alignas(64) Matcher {
    // The index finds candidates by hash; this confirms one against the request's own host and
    // path. `arena` is Router::Impl::text.
    bool reaches(std::string_view arena, std::string_view host, int port, std::string_view reqPath,
                 struct RegexScratch& scratch) const;
    std::string_view texts(std::string_view arena) const {
        return textLength <= sizeof inlineText ? std::string_view(inlineText, textLength)
                                               : arena.substr(textOffset, textLength);
    }

    const CompiledRoute* route = nullptr;
    std::uint32_t textOffset = 0; // in the arena, when the texts are longer than inlineText
    std::uint32_t textLength = 0;
    std::uint32_t prefixLength = 0;
    std::uint16_t hostCount = 0;
    PathKind kind = PathKind::None;
    std::uint8_t protocols = 0; // protocolBit()s
    bool conditions = false;    // methods, headers or snis to check
    // The prefix (for prefix paths), then per host: kind (0 exact, 1 "*.x", 2 "x.*"), port
    // (2 bytes, 0 for any), length (2 bytes), and the host or the wildcard's fixed part.
    char inlineText[39] = {};

    std::vector<std::string> methods;
    std::vector<std::pair<std::string, std::vector<std::string>>> headers; // lower-case
    std::vector<std::string> snis;
    std::string path; // prefix, or regex source without '~'
    std::unique_ptr<RE2> regex;
    // What the regex's groups are called in RouteMatch::captures ("1", "2", ..., then named).
    std::vector<std::pair<std::string, int>> captureNames;
    std::vector<std::pair<std::string, int>> exactHosts; // host, port or -1
    std::vector<Wildcard> wildcardHosts;
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

void writeTexts(std::string& arena, Matcher& m) {
    std::string t;
    if (m.kind == PathKind::Prefix) t = m.path;
    auto record = [&](char kind, int port, const std::string& s) {
        const auto p = static_cast<std::uint16_t>(port < 0 ? 0 : port);
        const auto n = static_cast<std::uint16_t>(s.size());
        t += kind;
        t.append(reinterpret_cast<const char*>(&p), 2).append(reinterpret_cast<const char*>(&n), 2);
        t += s;
    };
    for (const auto& [host, port] : m.exactHosts)
        record(0, port, host);
    for (const auto& w : m.wildcardHosts)
        record(w.leading ? 1 : 2, w.port, w.fixed);
    m.hostCount = static_cast<std::uint16_t>(m.exactHosts.size() + m.wildcardHosts.size());
    m.prefixLength = m.kind == PathKind::Prefix ? static_cast<std::uint32_t>(m.path.size()) : 0;
    m.textLength = static_cast<std::uint32_t>(t.size());
    if (t.size() <= sizeof m.inlineText) {
        std::memcpy(m.inlineText, t.data(), t.size());
    } else {
        m.textOffset = static_cast<std::uint32_t>(arena.size());
        arena += t;
    }
    m.conditions = !m.methods.empty() || !m.headers.empty() || !m.snis.empty();
}

// The submatches of the regex Matcher::reaches() ran last, so that the route chosen does not
// run its regex a second time for its captures.
struct RegexScratch {
    const Matcher* owner = nullptr;
    std::vector<re2::StringPiece> groups; // [0] is the whole match
};

bool Matcher::reaches(std::string_view arena, std::string_view host, int port,
                      std::string_view reqPath, RegexScratch& scratch) const {
    const std::string_view t = texts(arena);
    if (kind == PathKind::Prefix && !reqPath.starts_with(t.substr(0, prefixLength))) return false;
    if (hostCount != 0) {
        bool hostOk = false;
        std::size_t at = prefixLength;
        for (std::uint16_t i = 0; i < hostCount && !hostOk; ++i) {
            const char rule = t[at];
            std::uint16_t rulePort, length;
            std::memcpy(&rulePort, t.data() + at + 1, 2);
            std::memcpy(&length, t.data() + at + 3, 2);
            const std::string_view s = t.substr(at + 5, length);
            at += 5 + length;
            if (rulePort != 0 && rulePort != port) continue;
            hostOk = rule == 0 ? host == s : wildcardFits(rule == 1, s, host);
        }
        if (!hostOk) return false;
    }
    if (kind != PathKind::Regex) return true;
    scratch.owner = nullptr;
    scratch.groups.resize(static_cast<std::size_t>(regex->NumberOfCapturingGroups()) + 1);
    if (!regex->Match(reqPath, 0, reqPath.size(), RE2::ANCHOR_START, scratch.groups.data(),
                      static_cast<int>(scratch.groups.size())))
        return false;
    scratch.owner = this;
    return true;
}

// Wildcard hosts are looked up by their fixed part: "*.example.com" under ".example.com" (and
// the request host's suffixes at each dot), "example.*" under "example." (and its prefixes).
// A rule with a port is keyed with "|port".
std::string wildcardKey(const Wildcard& w) {
    return w.port >= 0 ? w.fixed + "|" + std::to_string(w.port) : w.fixed;
}

// The kinds of host key, each hashed with its own seed so that equal texts stay apart.
enum HostClass { kExact, kLeading, kTrailing, kAnyHost, kHostClasses };
constexpr std::uint64_t kClassSeeds[kHostClasses] = {0x6a09e667f3bcc909ull, 0xbb67ae8584caa73bull,
                                                     0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull};

std::uint64_t hostHash(HostClass c, std::string_view key) {
    return PrefixHasher::of(kClassSeeds[c], key);
}

// Regexes of one host key that have no usable literal prefix, tried together.
struct RegexGroup {
    std::unique_ptr<RE2::Set> set;
    std::vector<const Matcher*> matchers; // by the set's indices
};

} // namespace

// Every (host key, path prefix) pair of the configuration is one hash in `prefixes` (one table
// per class of host key: the class without hosts is probed at most lengths, and its small
// table stays in cache): a request
// is looked up by hashing its host keys (its host, the suffixes and prefixes a wildcard could
// stand for, and "no host") each with the prefixes of its path at the lengths routes use. A
// route without a path is the empty prefix. Regexes are indexed by their literal prefix when
// they have one. Nothing here is keyed by text, so the route picked is confirmed against the
// request (Matcher::reaches) before it is returned.
struct Router::Impl {
    std::vector<std::unique_ptr<CompiledRoute>> routes;
    std::vector<Matcher> matchers; // in rank order
    std::string text;              // what Matcher::reaches() compares
    // The matchers of the prefixes that have several, by rank; a prefix with one matcher keeps
    // its rank in its own range (offset = rank, count = 1), which saves a memory load.
    std::vector<std::uint32_t> refs;
    HashIndex prefixes[kHostClasses];
    HashBloom hostKeys[kHostClasses]; // which host keys have routes at all (maybe)
    // Bit n: some host key is n bytes long (bit 63: 63 or more). Most of the suffixes and
    // prefixes a request host is tried with for wildcards are turned away by this, unhashed.
    std::uint64_t keyLengths[kHostClasses] = {};
    // The highest-ranked matcher each class holds (one past the end when none).
    const Matcher* classBest[kHostClasses] = {};
    PrefixLengths lengths[kHostClasses];
    HashIndex regexHosts; // host key hash -> regexGroups
    std::vector<RegexGroup> regexGroups;
    bool portedExact = false; // some exact host rule names a port
    bool portedWild = false;  // some wildcard rule names a port

    void collect(HostClass c, std::string_view key, std::string_view path,
                 std::vector<const Matcher*>& out) const {
        if (!((keyLengths[c] >> std::min<std::size_t>(key.size(), 63)) & 1)) return;
        const std::uint64_t hostKey = hostHash(c, key);
        if (!hostKeys[c].mayContain(hostKey)) return;
        PrefixHasher hasher(hostKey, path);
        lengths[c].forEach(path, [&](std::size_t length) {
            const HashIndex::Range range = prefixes[c].find(hasher.at(length));
            for (std::uint32_t r = 0; r < range.count; ++r) {
                // A regex found by its literal prefix is run by Matcher::reaches(), and only if
                // no route ranked before it is accepted first.
                out.push_back(&matchers[range.count == 1 ? range.offset : refs[range.offset + r]]);
            }
        });
        const HashIndex::Range groups = regexHosts.find(hostKey);
        for (std::uint32_t g = 0; g < groups.count; ++g) {
            const RegexGroup& group = regexGroups[groups.offset + g];
            thread_local std::vector<int> hits;
            hits.clear();
            if (group.set->Match(path, &hits))
                for (int h : hits)
                    out.push_back(group.matchers[static_cast<std::size_t>(h)]);
        }
    }

    void collectWildcards(std::string_view host, int port, std::string_view path,
                          std::vector<const Matcher*>& out) const {
        std::string key;
        auto probe = [&](HostClass c, std::string_view fixed) {
            collect(c, fixed, path, out);
            if (port > 0 && portedWild) {
                key.assign(fixed).append("|").append(std::to_string(port));
                collect(c, key, path, out);
            }
        };
        if (!lengths[kLeading].empty())
            for (std::size_t dot = host.find('.', 1); dot != std::string_view::npos;
                 dot = host.find('.', dot + 1))
                probe(kLeading, host.substr(dot));
        if (!lengths[kTrailing].empty())
            for (std::size_t dot = host.find('.');
                 dot != std::string_view::npos && dot + 1 < host.size();
                 dot = host.find('.', dot + 1))
                probe(kTrailing, host.substr(0, dot + 1));
    }
};

namespace {

// Collects the index while the router is built, then lays it out flat.
class IndexBuilder {
public:
    void add(HostClass c, const std::string& key, const Matcher* m) {
        const std::uint64_t hostKey = hostHash(c, key);
        m_hostKeys[c].insert(hostKey);
        m_keyLengths[c] |= std::uint64_t{1} << std::min<std::size_t>(key.size(), 63);
        if (!m_classBest[c] || m < m_classBest[c]) m_classBest[c] = m;
        std::string prefix;
        if (m->kind == PathKind::Prefix) {
            prefix = m->path;
        } else if (m->kind == PathKind::Regex) {
            prefix = literalPrefix(m->path);
            if (prefix.size() <= 1) {
                m_regexes[hostKey].push_back(m);
                return;
            }
        }
        m_texts[c].push_back(prefix);
        m_prefixes[c][PrefixHasher::of(hostKey, prefix)].push_back(m);
    }

    std::optional<Error> finish(Router::Impl& d) {
        std::vector<std::pair<std::uint64_t, HashIndex::Range>> items;
        auto rangeOf = [&](std::vector<const Matcher*>& list) {
            // Rank order (matchers are laid out by rank); a route listing one host twice is
            // there once.
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
            auto rank = [&](const Matcher* m) {
                return static_cast<std::uint32_t>(m - d.matchers.data());
            };
            if (list.size() == 1) return HashIndex::Range{rank(list[0]), 1};
            const HashIndex::Range range{static_cast<std::uint32_t>(d.refs.size()),
                                         static_cast<std::uint32_t>(list.size())};
            for (const Matcher* m : list)
                d.refs.push_back(rank(m));
            return range;
        };
        for (int c = 0; c < kHostClasses; ++c) {
            items.clear();
            for (auto& [hash, list] : m_prefixes[c])
                items.emplace_back(hash, rangeOf(list));
            d.prefixes[c].build(items);
            d.lengths[c].build({m_texts[c].begin(), m_texts[c].end()});
            d.hostKeys[c].build({m_hostKeys[c].begin(), m_hostKeys[c].end()});
            d.keyLengths[c] = m_keyLengths[c];
            d.classBest[c] =
                m_classBest[c] ? m_classBest[c] : d.matchers.data() + d.matchers.size();
        }
        items.clear();
        for (auto& [hostKey, list] : m_regexes) {
            RegexGroup group;
            RE2::Options opts;
            opts.set_log_errors(false);
            group.set = std::make_unique<RE2::Set>(opts, RE2::ANCHOR_START);
            for (const Matcher* m : list) {
                std::string err;
                if (group.set->Add(m->path, &err) < 0)
                    return Error::make(ErrorCode::SchemaViolation,
                                       "invalid regex '" + m->path + "': " + err);
            }
            if (!group.set->Compile())
                return Error::make(ErrorCode::SchemaViolation, "regex set too large to compile");
            group.matchers = list;
            items.emplace_back(
                hostKey, HashIndex::Range{static_cast<std::uint32_t>(d.regexGroups.size()), 1});
            d.regexGroups.push_back(std::move(group));
        }
        d.regexHosts.build(items);
        return std::nullopt;
    }

private:
    std::unordered_map<std::uint64_t, std::vector<const Matcher*>> m_prefixes[kHostClasses];
    std::unordered_map<std::uint64_t, std::vector<const Matcher*>> m_regexes;
    std::unordered_set<std::uint64_t> m_hostKeys[kHostClasses];
    std::uint64_t m_keyLengths[kHostClasses] = {};
    const Matcher* m_classBest[kHostClasses] = {};
    std::vector<std::string> m_texts[kHostClasses]; // every prefix added, per class
};

} // namespace

Router::Router(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Router::~Router() = default;
std::size_t Router::size() const {
    return m_impl->routes.size();
}

Expected<std::shared_ptr<const Router>, Error> Router::build(const std::vector<json>& routes) {
    auto impl = std::make_unique<Impl>();
    std::vector<std::unique_ptr<Matcher>> drafts;
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
        std::uint8_t protocolBits = 0;
        for (const auto& p : protocols)
            protocolBits |= protocolBit(p);
        std::vector<Wildcard> wildcardHosts;
        std::vector<std::pair<std::string, int>> exactHosts;
        for (const auto& h : hosts) {
            if (h.find('*') == std::string::npos)
                exactHosts.push_back(hostAndPort(h));
            else
                wildcardHosts.push_back(parseWildcard(h));
        }

        std::vector<std::string> pathList = paths.empty() ? std::vector<std::string>{""} : paths;
        for (const auto& p : pathList) {
            auto m = std::make_unique<Matcher>();
            m->route = cr.get();
            m->protocols = protocolBits;
            m->methods = methods;
            m->headers = headers;
            m->snis = snis;
            m->exactHosts = exactHosts;
            m->wildcardHosts = wildcardHosts;
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
                for (int i = 1; i <= m->regex->NumberOfCapturingGroups(); ++i)
                    m->captureNames.emplace_back(std::to_string(i), i);
                for (const auto& [name, index] : m->regex->NamedCapturingGroups())
                    m->captureNames.emplace_back(name, index);
            } else {
                m->kind = PathKind::Prefix;
                m->path = p;
            }
            drafts.push_back(std::move(m));
        }
        impl->routes.push_back(std::move(cr));
    }
    std::stable_sort(drafts.begin(), drafts.end(),
                     [](const auto& a, const auto& b) { return priorityBefore(*a, *b); });
    // Laid out in rank order, next to each other: what a match reads stays in few cache lines.
    impl->matchers.reserve(drafts.size());
    for (auto& m : drafts) {
        writeTexts(impl->text, *m);
        impl->matchers.push_back(std::move(*m));
    }

    IndexBuilder index;
    for (const Matcher& m : impl->matchers) {
        if (m.exactHosts.empty() && m.wildcardHosts.empty()) index.add(kAnyHost, "", &m);
        for (const auto& [host, port] : m.exactHosts) {
            impl->portedExact = impl->portedExact || port >= 0;
            index.add(kExact, port >= 0 ? host + ":" + std::to_string(port) : host, &m);
        }
        for (const auto& w : m.wildcardHosts) {
            impl->portedWild = impl->portedWild || w.port >= 0;
            index.add(w.leading ? kLeading : kTrailing, wildcardKey(w), &m);
        }
    }
    if (auto error = index.finish(*impl)) return unexpected(std::move(*error));
    return std::shared_ptr<const Router>(new Router(std::move(impl)));
}

namespace {

// Everything but the index: what the route asks of the method, headers and SNI, and the host
// and path themselves (the index only found the route by hash).
bool accepts(const Matcher& m, const MatchRequest& req, std::string_view text,
             RegexScratch& scratch) {
    if (!m.conditions) return m.reaches(text, req.host, req.port, req.path, scratch);
    if (!m.methods.empty() &&
        std::find(m.methods.begin(), m.methods.end(), req.method) == m.methods.end())
        return false;
    for (const auto& [name, values] : m.headers) {
        bool found = false;
        for (const auto& [hn, hv] : req.headers)
            if (equalsIgnoreCase(name, hn) &&
                std::any_of(values.begin(), values.end(),
                            [&](const std::string& v) { return equalsIgnoreCase(v, hv); }))
                found = true;
        if (!found) return false;
    }
    if (!m.snis.empty() && (req.sni.empty() || !sniMatches(m.snis, toLower(req.sni)))) return false;
    return m.reaches(text, req.host, req.port, req.path, scratch);
}

} // namespace

RouteMatch Router::match(const MatchRequest& req) const {
    const Impl& d = *m_impl;
    // Host classes are searched from the one whose best route ranks highest; once a route is
    // accepted, a class none of whose routes could outrank it is not searched at all.
    const Matcher* best = nullptr;
    // Reused per thread: a worker matches one request at a time.
    thread_local std::vector<const Matcher*> candidates;
    thread_local RegexScratch scratch;
    auto settle = [&] {
        // Matchers sit in rank order: sorting the pointers sorts by priority without reading
        // them.
        std::sort(candidates.begin(), candidates.end());
        for (const Matcher* m : candidates) {
            if (best && m >= best) break;
            if (accepts(*m, req, d.text, scratch)) {
                best = m;
                break;
            }
        }
        candidates.clear();
    };
    auto worthSearching = [&](HostClass c) { return !best || d.classBest[c] < best; };
    candidates.clear();
    if (!req.host.empty()) {
        if (worthSearching(kExact)) {
            if (req.port > 0 && d.portedExact) {
                std::string key(req.host);
                key += ':';
                key += std::to_string(req.port);
                d.collect(kExact, key, req.path, candidates);
            }
            d.collect(kExact, req.host, req.path, candidates);
            settle();
        }
        if (worthSearching(kLeading) || worthSearching(kTrailing)) {
            d.collectWildcards(req.host, req.port, req.path, candidates);
            settle();
        }
    }
    if (worthSearching(kAnyHost)) {
        d.collect(kAnyHost, "", req.path, candidates);
        settle();
    }

    RouteMatch result;
    if (!best) return result;
    const Matcher* m = best;
    result.route = m->route;
    result.protocolRedirect = (m->protocols & protocolBit(req.protocol)) == 0;
    if (m->kind == PathKind::Prefix) {
        result.matchedLength = m->prefixLength;
    } else if (m->kind == PathKind::Regex &&
               // A later candidate's regex may have run since this one was accepted.
               (scratch.owner == m || m->reaches(d.text, req.host, req.port, req.path, scratch))) {
        result.matchedLength = scratch.groups[0].size();
        result.captures.reserve(m->captureNames.size());
        for (const auto& [name, index] : m->captureNames)
            result.captures.emplace_back(
                name, std::string(scratch.groups[static_cast<std::size_t>(index)]));
    }
    return result;
}

} // namespace portico::proxy
