#include "admin/responses.h"

#include "admin/body_decoder.h"
#include "app/log.h"

namespace portico::admin {

using json = nlohmann::json;

HttpResponse jsonResponse(int status, const json& body) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

HttpResponse emptyResponse(int status) {
    HttpResponse r;
    r.status = status;
    return r;
}

HttpResponse messageResponse(int status, const std::string& message) {
    return jsonResponse(status, json{{"message", message}});
}

HttpResponse notFound() {
    return messageResponse(404, "Not found");
}
HttpResponse methodNotAllowed() {
    return messageResponse(405, "Method not allowed");
}

HttpResponse errorResponse(const Error& e) {
    switch (e.code) {
    case ErrorCode::NotFound:
        return notFound();
    case ErrorCode::DatabaseError:
    case ErrorCode::Corrupt:
    case ErrorCode::Io:
        log::error("admin", "request failed: " + e.message);
        return messageResponse(500, "An unexpected error occurred");
    case ErrorCode::BadRequest: {
        if (isUnsupportedMediaType(e)) return messageResponse(415, e.message);
        json body = {{"message", e.message}};
        if (!e.fields.is_null()) body["fields"] = e.fields;
        return jsonResponse(400, body);
    }
    default:
        break;
    }
    json body = {
        {"code", static_cast<int>(e.code)}, {"name", errorName(e.code)}, {"message", e.message}};
    if (!e.fields.is_null()) body["fields"] = e.fields;
    return jsonResponse(e.code == ErrorCode::UniqueViolation ? 409 : 400, body);
}

} // namespace portico::admin
