#include "admin/body_decoder.h"

#include "core/text.h"

#include <algorithm>

namespace portico::admin {

using json = nlohmann::json;

namespace {

const char* kUnsupported = "unsupported media type";

// "headers.x-a[]" -> {"headers", "x-a", ""}: "" appends to an array.
std::vector<std::string> keyPath(const std::string& key) {
    std::vector<std::string> parts;
    std::string cur;
    for (std::size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        if (c == '.') {
            parts.push_back(cur);
            cur.clear();
        } else if (c == '[') {
            auto close = key.find(']', i);
            if (close == std::string::npos) {
                cur.append(key.substr(i));
                break;
            }
            if (!cur.empty() || parts.empty()) parts.push_back(cur);
            cur.clear();
            parts.push_back("[]"); // positional or append: order is kept either way
            i = close;
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty() || parts.empty()) parts.push_back(cur);
    parts.erase(std::remove_if(parts.begin() + 1, parts.end(),
                               [](const std::string& p) { return p.empty(); }),
                parts.end());
    return parts;
}

void assign(json& root, const std::vector<std::string>& path, const std::string& value) {
    json* node = &root;
    for (std::size_t i = 0; i < path.size(); ++i) {
        const bool last = i + 1 == path.size();
        const std::string& part = path[i];
        if (part == "[]") {
            if (!node->is_array()) *node = json::array();
            if (last) {
                node->push_back(value);
                return;
            }
            node->push_back(json::object());
            node = &node->back();
            continue;
        }
        if (!node->is_object()) *node = json::object();
        if (last) {
            json& slot = (*node)[part];
            // A repeated plain key (paths=/a&paths=/b) collects its values.
            if (slot.is_null())
                slot = value;
            else if (slot.is_array())
                slot.push_back(value);
            else
                slot = json::array({slot, value});
            return;
        }
        node = &(*node)[part];
    }
}

// Finds where a malformed JSON document breaks without throwing.
struct ErrorOffset : nlohmann::json_sax<json> {
    std::size_t offset = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception&) override {
        offset = position;
        return false;
    }
};

// multipart/form-data (curl -F), as Kong's docs use for certificates: each part's name is a
// form key, its content the value. Returns false when the body is not well formed.
bool decodeMultipart(std::string_view body, const std::string& boundary, json& out) {
    const std::string delimiter = "--" + boundary;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) return false;
    for (;;) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") return true; // closing delimiter
        if (body.substr(pos, 2) != "\r\n") return false;
        pos += 2;
        const std::size_t headersEnd = body.find("\r\n\r\n", pos);
        if (headersEnd == std::string_view::npos) return false;
        std::string headers(body.substr(pos, headersEnd - pos));
        const std::size_t next = body.find("\r\n" + delimiter, headersEnd + 4);
        if (next == std::string_view::npos) return false;
        std::string value(body.substr(headersEnd + 4, next - headersEnd - 4));
        const std::string lowerHeaders = toLower(headers);
        const std::size_t nameAt = lowerHeaders.find("name=\"");
        if (nameAt == std::string::npos) return false;
        const std::size_t nameEnd = headers.find('"', nameAt + 6);
        if (nameEnd == std::string::npos) return false;
        assign(out, keyPath(headers.substr(nameAt + 6, nameEnd - nameAt - 6)), value);
        pos = next + 2;
    }
}

} // namespace

json decodeForm(std::string_view body) {
    json out = json::object();
    std::string target = "?" + std::string(body);
    std::string path;
    std::vector<std::pair<std::string, std::string>> pairs;
    splitTarget(target, path, pairs);
    for (const auto& [k, v] : pairs)
        assign(out, keyPath(k), v);
    return out;
}

Expected<DecodedBody, Error> decodeBody(const HttpRequest& req) {
    DecodedBody out;
    std::string type;
    if (const auto* ct = req.header("content-type")) {
        type = ct->substr(0, ct->find(';'));
        type.erase(std::remove_if(type.begin(), type.end(), ::isspace), type.end());
        type = toLower(type);
    }
    const bool blank = std::all_of(req.body.begin(), req.body.end(), ::isspace);
    if (blank) return out;
    if (type == "application/json" ||
        (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0) ||
        (type.empty() && (req.body.front() == '{' || req.body.front() == '['))) {
        json parsed = json::parse(req.body, nullptr, false);
        if (parsed.is_discarded()) {
            ErrorOffset finder;
            json::sax_parse(req.body, &finder, json::input_format_t::json, true, false);
            const std::size_t offset = finder.offset;
            return unexpected(
                Error::make(ErrorCode::BadRequest, "Cannot parse JSON body: syntax error at byte " +
                                                       std::to_string(offset)));
        }
        out.value = std::move(parsed);
        return out;
    }
    if (type == "multipart/form-data") {
        const std::string& full = *req.header("content-type");
        const std::size_t at = full.find("boundary=");
        std::string boundary = at == std::string::npos ? std::string() : full.substr(at + 9);
        boundary = boundary.substr(0, boundary.find(';'));
        if (boundary.size() >= 2 && boundary.front() == '"')
            boundary = boundary.substr(1, boundary.size() - 2);
        out.value = json::object();
        if (boundary.empty() || !decodeMultipart(req.body, boundary, out.value))
            return unexpected(
                Error::make(ErrorCode::BadRequest, "Cannot parse multipart/form-data body"));
        out.fromForm = true;
        return out;
    }
    if (type == "application/x-www-form-urlencoded" || type.empty()) {
        out.value = decodeForm(req.body);
        out.fromForm = true;
        return out;
    }
    return unexpected(Error::make(ErrorCode::BadRequest, std::string(kUnsupported) + ": " + type,
                                  json{{"content-type", type}}));
}

bool isUnsupportedMediaType(const Error& e) {
    return e.code == ErrorCode::BadRequest && e.message.rfind(kUnsupported, 0) == 0;
}

} // namespace portico::admin
