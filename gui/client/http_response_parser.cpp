#include "client/http_response_parser.h"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace portico::gui {

namespace http = boost::beast::http;

struct HttpResponseParser::Impl {
    std::optional<http::response_parser<http::string_body>> parser;
};

QByteArray ResponseHead::header(const QByteArray& name) const {
    for (const auto& [n, v] : headers)
        if (n.compare(name, Qt::CaseInsensitive) == 0) return v;
    return {};
}

HttpResponseParser::HttpResponseParser() : m_impl(std::make_unique<Impl>()) {
    reset();
}

HttpResponseParser::~HttpResponseParser() = default;

void HttpResponseParser::reset(bool headRequest) {
    m_impl->parser.emplace();
    // Event streams never end and configuration exports can be large: no body limit, but a
    // bounded head.
    m_impl->parser->body_limit(boost::none);
    m_impl->parser->header_limit(64 * 1024);
    m_impl->parser->eager(true);
    if (headRequest) m_impl->parser->skip(true);
    m_head = {};
    m_headTaken = false;
    m_error.clear();
}

qsizetype HttpResponseParser::feed(const QByteArray& data) {
    auto& p = *m_impl->parser;
    qsizetype used = 0;
    while (used < data.size() && !p.is_done() && m_error.isEmpty()) {
        boost::system::error_code ec;
        const std::size_t n =
            p.put(boost::asio::buffer(data.constData() + used,
                                      static_cast<std::size_t>(data.size() - used)),
                  ec);
        used += static_cast<qsizetype>(n);
        if (ec == http::error::need_more) break;
        if (ec) m_error = QString::fromStdString(ec.message());
        if (n == 0 && !ec) break;
    }
    if (p.is_header_done() && !m_headTaken) {
        m_headTaken = true;
        const auto& msg = p.get();
        m_head.status = static_cast<int>(msg.result_int());
        m_head.keepAlive = msg.keep_alive();
        for (const auto& field : msg)
            m_head.headers.append(
                {QByteArray(field.name_string().data(),
                            static_cast<qsizetype>(field.name_string().size())),
                 QByteArray(field.value().data(), static_cast<qsizetype>(field.value().size()))});
    }
    return used;
}

void HttpResponseParser::feedEof() {
    if (m_impl->parser->is_done() || !m_error.isEmpty()) return;
    boost::system::error_code ec;
    m_impl->parser->put_eof(ec);
    if (ec) m_error = QString::fromStdString(ec.message());
}

bool HttpResponseParser::headDone() const {
    return m_headTaken;
}

bool HttpResponseParser::done() const {
    return m_impl->parser->is_done();
}

QByteArray HttpResponseParser::takeBody() {
    auto& body = m_impl->parser->get().body();
    QByteArray out(body.data(), static_cast<qsizetype>(body.size()));
    body.clear();
    return out;
}

} // namespace portico::gui
