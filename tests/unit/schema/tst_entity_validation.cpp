// Validation of every entity schema against Kong's rules and error bodies.
#include "model/uuid.h"
#include "schema/schemas.h"
#include "support/test_certs.h"

#include <QtTest>

using nlohmann::json;
using namespace portico;

namespace {

// Expected values match when every key of `expected` matches in `actual`; the string "*"
// matches any value (for texts that come from OpenSSL or RE2).
bool matches(const json& expected, const json& actual, QString& why, const QString& path = {}) {
    if (expected == "*") return !actual.is_null() || (why = path + ": missing", false);
    if (expected.is_object()) {
        if (!actual.is_object())
            return why =
                       path + ": expected an object, got " + QString::fromStdString(actual.dump()),
                   false;
        for (const auto& [k, v] : expected.items())
            if (!matches(v, actual.contains(k) ? actual[k] : json(), why,
                         path + "." + QString::fromStdString(k)))
                return false;
        return true;
    }
    if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
        for (std::size_t i = 0; i < expected.size(); ++i)
            if (!matches(expected[i], actual[i], why, path + "[" + QString::number(i) + "]"))
                return false;
        return true;
    }
    if (expected != actual)
        return why = path + ": expected " + QString::fromStdString(expected.dump()) + ", got " +
                     QString::fromStdString(actual.dump()),
               false;
    return true;
}

QMap<QString, std::string>& pems() {
    static QMap<QString, std::string> m = [] {
        QMap<QString, std::string> out;
        auto ec = test::makeCertificate("ec.example.com", test::KeyKind::Ec);
        auto ec2 = test::makeCertificate("other.example.com", test::KeyKind::Ec);
        auto rsa = test::makeCertificate("rsa.example.com", test::KeyKind::Rsa);
        auto ca = test::makeCertificate("Test CA", test::KeyKind::Ec, true);
        auto oldCa = test::makeCertificate("Old CA", test::KeyKind::Ec, true, true);
        out["$CERT_EC"] = ec.cert;
        out["$KEY_EC"] = ec.key;
        out["$CERT_EC2"] = ec2.cert;
        out["$KEY_EC2"] = ec2.key;
        out["$CERT_RSA"] = rsa.cert;
        out["$KEY_RSA"] = rsa.key;
        out["$CERT_CA"] = ca.cert;
        out["$CERT_OLD_CA"] = oldCa.cert;
        return out;
    }();
    return m;
}

json input(const QByteArray& text) {
    json j = json::parse(text.toStdString());
    std::function<void(json&)> fill = [&](json& v) {
        if (v.is_string() && pems().contains(QString::fromStdString(v.get<std::string>())))
            v = pems()[QString::fromStdString(v.get<std::string>())];
        else if (v.is_structured())
            for (auto& e : v)
                fill(e);
    };
    fill(j);
    return j;
}

const char* kUpstreamId = R"J("upstream":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"})J";

} // namespace

class TestEntityValidation : public QObject {
    Q_OBJECT
private slots:
    void validate_data();
    void validate();
    void patchMergesRecords();
    void describeListsEveryField();
};

void TestEntityValidation::validate_data() {
    QTest::addColumn<QString>("entity");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("form");
    QTest::addColumn<QByteArray>("errors");  // "ok", or the expected "fields" object
    QTest::addColumn<QByteArray>("message"); // expected message, when not empty
    QTest::addColumn<QByteArray>("values");  // fields the valid entity must have

    auto ok = [](const char* tag, const char* entity, const char* body, const char* values = "{}",
                 bool form = false) {
        QTest::newRow(tag) << entity << QByteArray(body) << form << QByteArray("ok") << QByteArray()
                           << QByteArray(values);
    };
    auto bad = [](const char* tag, const char* entity, const char* body, const char* errors,
                  const char* message = "") {
        QTest::newRow(tag) << entity << QByteArray(body) << false << QByteArray(errors)
                           << QByteArray(message) << QByteArray("{}");
    };

    // services
    ok("service defaults", "services", R"J({"host":"example.com"})J",
       R"J({"protocol":"http","port":80,"retries":5,"connect_timeout":60000,"write_timeout":60000,"read_timeout":60000,"enabled":true,"path":null,"id":"*","created_at":"*"})J");
    ok("service url", "services", R"J({"name":"echo","url":"http://example.com:8080/api/v1"})J",
       R"J({"protocol":"http","host":"example.com","port":8080,"path":"/api/v1"})J");
    ok("service url https default port", "services", R"J({"url":"https://example.com"})J",
       R"J({"protocol":"https","port":443,"path":null})J");
    ok("service form values", "services",
       R"J({"host":"h","port":"8080","enabled":"false","tags":"a"})J",
       R"J({"port":8080,"enabled":false,"tags":["a"]})J", true);
    ok("service utf8 name", "services", R"J({"name":"café.v1~x","host":"h"})J");
    bad("service missing host", "services", R"J({"name":"x"})J",
        R"J({"host":"required field missing"})J",
        "schema violation (host: required field missing)");
    bad("service two errors", "services", R"J({"port":"80"})J",
        R"J({"host":"required field missing","port":"expected an integer"})J",
        "2 schema violations (host: required field missing; port: expected an integer)");
    bad("service port range", "services", R"J({"host":"h","port":70000})J",
        R"J({"port":"value should be between 0 and 65535"})J");
    bad("service protocol", "services", R"J({"host":"h","protocol":"ftp"})J",
        R"J({"protocol":"expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp, ws, wss"})J");
    bad("service name chars", "services", R"J({"host":"h","name":"my service"})J",
        R"J({"name":"invalid value 'my service': the only accepted ascii characters are alphanumerics or ., -, _, and ~"})J");
    bad("service path slash", "services", R"J({"host":"h","path":"api"})J",
        R"J({"path":"should start with: /"})J");
    bad("service tcp path", "services", R"J({"host":"h","protocol":"tcp","path":"/x"})J",
        R"J({"path":"value must be null"})J");
    bad("service tls_verify on http", "services", R"J({"host":"h","tls_verify":true})J",
        R"J({"tls_verify":"value must be null"})J");
    bad("service unknown field", "services", R"J({"host":"h","colour":"red"})J",
        R"J({"colour":"unknown field"})J");
    bad("service bad host", "services", R"J({"host":"exa mple"})J",
        R"J({"host":"invalid value: exa mple"})J");
    bad("service bad url", "services", R"J({"url":"not a url"})J",
        R"J({"url":"missing host in url"})J");
    bad("service bad tag", "services", R"J({"host":"h","tags":["ok","a,b"]})J",
        R"J({"tags":[null,"invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences"]})J");
    bad("service timeout zero", "services", R"J({"host":"h","read_timeout":0})J",
        R"J({"read_timeout":"value should be between 1 and 2147483646"})J");
    bad("service id not uuid", "services", R"J({"host":"h","id":"123"})J",
        R"J({"id":"expected a valid UUID"})J");

    // routes
    ok("route defaults", "routes", R"J({"paths":["/echo"]})J",
       R"J({"protocols":["http","https"],"strip_path":true,"preserve_host":false,"path_handling":"v0","https_redirect_status_code":426,"regex_priority":0,"request_buffering":true,"response_buffering":true,"service":null})J");
    ok("route regex path", "routes", R"J({"paths":["~/users/(?P<id>\\d+)$"]})J");
    ok("route regex with a PCRE-style named group", "routes",
       R"J({"paths":["~/users/(?<id>\\d+)$"]})J");
    ok("route wildcard hosts", "routes",
       R"J({"hosts":["*.example.com","example.*","api.example.com:8443"]})J");
    ok("route headers", "routes", R"J({"headers":{"x-version":["1","2"]}})J");
    ok("route form arrays", "routes",
       R"J({"paths":"/a","methods":["GET","POST"],"strip_path":"false"})J",
       R"J({"paths":["/a"],"methods":["GET","POST"],"strip_path":false})J", true);
    ok("route set dedup", "routes", R"J({"methods":["GET","GET"]})J", R"J({"methods":["GET"]})J");
    ok("route service by name", "routes", R"J({"paths":["/"],"service":{"name":"echo"}})J",
       R"J({"service":{"name":"echo"}})J");
    ok("route tcp sources", "routes", R"J({"protocols":["tcp"],"sources":[{"ip":"10.0.0.0/8"}]})J");
    bad("route nothing to match", "routes", R"J({})J",
        R"J({"@entity":["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"]})J",
        "schema violation (must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when "
        "'protocols' is 'https')");
    bad("route http only nothing", "routes", R"J({"protocols":["http"]})J",
        R"J({"@entity":["must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"]})J");
    bad("route path no slash", "routes", R"J({"paths":["/ok","echo"]})J",
        R"J({"paths":[null,"should start with: / (fixed path) or ~/ (regex path)"]})J",
        "schema violation (paths.2: should start with: / (fixed path) or ~/ (regex path))");
    bad("route bad regex", "routes", R"J({"paths":["~/a(b"]})J", R"J({"paths":["*"]})J");
    bad("route lookbehind (RE2 has none)", "routes", R"J({"paths":["~/a(?<=a)b"]})J",
        R"J({"paths":["*"]})J");
    bad("route wildcard middle", "routes", R"J({"hosts":["a.*.com"]})J",
        R"J({"hosts":["invalid wildcard: must be placed at leftmost or rightmost label"]})J");
    bad("route two wildcards", "routes", R"J({"hosts":["*.example.*"]})J",
        R"J({"hosts":["invalid wildcard: must have at most one wildcard"]})J");
    bad("route mixed protocols", "routes", R"J({"protocols":["http","tcp"],"paths":["/"]})J",
        R"J({"protocols":"*"})J");
    bad("route lower-case method", "routes", R"J({"methods":["get"]})J",
        R"J({"methods":["invalid value: get"]})J");
    bad("route host header", "routes", R"J({"headers":{"Host":["x"]}})J",
        R"J({"headers":{"Host":"cannot contain 'host' header"}})J");
    bad("route snis on http", "routes",
        R"J({"protocols":["http"],"paths":["/"],"snis":["a.com"]})J",
        R"J({"snis":"'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls', 'tls_passthrough' or 'wss'"})J");
    bad("route redirect code", "routes", R"J({"paths":["/"],"https_redirect_status_code":303})J",
        R"J({"https_redirect_status_code":"expected one of: 426, 301, 302, 307, 308"})J");
    bad("route service not uuid", "routes", R"J({"paths":["/"],"service":{"id":"nope"}})J",
        R"J({"service":{"id":"expected a valid UUID"}})J");
    bad("route tcp with paths", "routes",
        R"J({"protocols":["tcp"],"paths":["/"],"sources":[{"ip":"10.0.0.1"}]})J",
        R"J({"paths":"cannot set 'paths' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"})J");
    bad("route bad cidr", "routes", R"J({"protocols":["tcp"],"sources":[{"ip":"10.0.0.0/33"}]})J",
        R"J({"sources":[{"ip":"invalid ip or cidr range: '10.0.0.0/33'"}]})J");

    // upstreams
    ok("upstream defaults", "upstreams", R"J({"name":"backend.internal"})J",
       R"J({"algorithm":"round-robin","hash_on":"none","hash_fallback":"none","slots":10000,"hash_on_cookie_path":"/",
           "healthchecks":{"threshold":0,"active":{"type":"http","http_path":"/","timeout":1,"concurrency":10,
           "healthy":{"interval":0,"http_statuses":[200,302],"successes":0},
           "unhealthy":{"http_statuses":[429,404,500,501,502,503,504,505],"tcp_failures":0}},
           "passive":{"unhealthy":{"http_statuses":[429,500,503]}}}})J");
    ok("upstream hash implies algorithm", "upstreams",
       R"J({"name":"b","hash_on":"header","hash_on_header":"x-user"})J",
       R"J({"algorithm":"consistent-hashing"})J");
    bad("upstream ip name", "upstreams", R"J({"name":"10.0.0.1"})J",
        R"J({"name":"Invalid name ('10.0.0.1'); no ip addresses allowed"})J");
    bad("upstream name port", "upstreams", R"J({"name":"b:80"})J",
        R"J({"name":"Invalid name ('b:80'); must not have a port"})J");
    bad("upstream hash header missing", "upstreams", R"J({"name":"b","hash_on":"header"})J",
        R"J({"hash_on_header":"required field missing"})J");
    bad("upstream slots", "upstreams", R"J({"name":"b","slots":5})J",
        R"J({"slots":"value should be between 10 and 65536"})J");
    bad("upstream nested status", "upstreams",
        R"J({"name":"b","healthchecks":{"active":{"healthy":{"http_statuses":[99]}}}})J",
        R"J({"healthchecks":{"active":{"healthy":{"http_statuses":["value should be between 200 and 999"]}}}})J",
        "schema violation (healthchecks.active.healthy.http_statuses.1: value should be between "
        "200 and 999)");
    bad("upstream nested unknown", "upstreams",
        R"J({"name":"b","healthchecks":{"active":{"colour":1}}})J",
        R"J({"healthchecks":{"active":{"colour":"unknown field"}}})J");

    // targets
    ok("target default port", "targets",
       (std::string("{") + kUpstreamId + R"J(,"target":"10.0.0.1"})J").c_str(),
       R"J({"target":"10.0.0.1:8000","weight":100})J");
    ok("target ipv6", "targets",
       (std::string("{") + kUpstreamId + R"J(,"target":"[::1]:80","weight":0})J").c_str(),
       R"J({"target":"[::1]:80","weight":0})J");
    ok("target hostname", "targets",
       (std::string("{") + kUpstreamId + R"J(,"target":"api.internal"})J").c_str(),
       R"J({"target":"api.internal:8000"})J");
    bad("target bad host", "targets",
        (std::string("{") + kUpstreamId + R"J(,"target":"bad host!:80"})J").c_str(),
        R"J({"target":"Invalid target ('bad host!:80'); not a valid hostname or ip address"})J");
    bad("target weight", "targets",
        (std::string("{") + kUpstreamId + R"J(,"target":"a:1","weight":70000})J").c_str(),
        R"J({"weight":"value should be between 0 and 65535"})J");
    bad("target no upstream", "targets", R"J({"target":"a:1"})J",
        R"J({"upstream":"required field missing"})J");

    // consumers
    ok("consumer username", "consumers", R"J({"username":"alice"})J", R"J({"custom_id":null})J");
    ok("consumer custom id", "consumers", R"J({"custom_id":"42"})J");
    bad("consumer empty", "consumers", R"J({"tags":["x"]})J",
        R"J({"@entity":["at least one of these fields must be non-empty: 'custom_id', 'username'"]})J",
        "schema violation (at least one of these fields must be non-empty: 'custom_id', "
        "'username')");

    // plugins
    ok("plugin defaults", "plugins", R"J({"name":"rate-limiting","config":{"minute":5}})J",
       R"J({"enabled":true,"protocols":["grpc","grpcs","http","https"],"config":{"minute":5},"route":null})J");
    ok("plugin form config", "plugins",
       R"J({"name":"rate-limiting","config":{"minute":"5","policy":"local"}})J",
       R"J({"config":{"minute":5,"policy":"local"}})J", true);
    bad("plugin unknown", "plugins", R"J({"name":"nope"})J",
        R"J({"name":"plugin 'nope' not enabled; add it to the 'plugins' configuration property"})J");
    bad("plugin auth on consumer", "plugins",
        R"J({"name":"key-auth","consumer":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}})J",
        R"J({"consumer":"value must be null"})J");
    bad("plugin config type", "plugins", R"J({"name":"cors","config":"x"})J",
        R"J({"config":"expected a record"})J");

    // certificates
    ok("certificate ec", "certificates", R"J({"cert":"$CERT_EC","key":"$KEY_EC"})J");
    ok("certificate with rsa alt", "certificates",
       R"J({"cert":"$CERT_EC","key":"$KEY_EC","cert_alt":"$CERT_RSA","key_alt":"$KEY_RSA","snis":["a.example.com"]})J",
       R"J({"snis":["a.example.com"]})J");
    bad("certificate key mismatch", "certificates", R"J({"cert":"$CERT_EC","key":"$KEY_EC2"})J",
        R"J({"@entity":["certificate does not match key"]})J");
    bad("certificate not pem", "certificates", R"J({"cert":"nope","key":"$KEY_EC"})J",
        R"J({"cert":"*"})J");
    bad("certificate same alt type", "certificates",
        R"J({"cert":"$CERT_EC","key":"$KEY_EC","cert_alt":"$CERT_EC2","key_alt":"$KEY_EC2"})J",
        R"J({"@entity":["certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type"]})J");
    bad("certificate alt half", "certificates",
        R"J({"cert":"$CERT_EC","key":"$KEY_EC","cert_alt":"$CERT_RSA"})J",
        R"J({"@entity":["all or none of these fields must be set: 'cert_alt', 'key_alt'"]})J");

    // CA certificates
    ok("ca certificate", "ca_certificates", R"J({"cert":"$CERT_CA"})J", R"J({"cert_digest":"*"})J");
    bad("ca not a ca", "ca_certificates", R"J({"cert":"$CERT_EC"})J",
        R"J({"cert":"certificate does not appear to be a CA because it is missing the \"CA\" basic constraint"})J");
    bad("ca expired", "ca_certificates", R"J({"cert":"$CERT_OLD_CA"})J",
        R"J({"cert":"expired certificate"})J");

    // SNIs
    ok("sni wildcard", "snis",
       R"J({"name":"*.example.com","certificate":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}})J");
    bad("sni ip", "snis",
        R"J({"name":"10.0.0.1","certificate":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}})J",
        R"J({"name":"must not be an IP"})J");
    bad("sni port", "snis",
        R"J({"name":"a.com:443","certificate":{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e"}})J",
        R"J({"name":"must not have a port"})J");
    bad("sni no certificate", "snis", R"J({"name":"a.com"})J",
        R"J({"certificate":"required field missing"})J");
}

void TestEntityValidation::validate() {
    QFETCH(QString, entity);
    QFETCH(QByteArray, body);
    QFETCH(bool, form);
    QFETCH(QByteArray, errors);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, values);

    const schema::EntitySchema* s = schema::findSchema(entity.toStdString());
    QVERIFY(s);
    auto result =
        s->validate(input(body), schema::WriteMode::Insert, nullptr, {form, 1700000000.0});
    QString why;
    if (errors == "ok") {
        QVERIFY2(result.hasValue(),
                 result.hasValue() ? ""
                                   : qPrintable(QString::fromStdString(result.error().message)));
        QVERIFY2(matches(json::parse(values.toStdString()), *result, why), qPrintable(why));
        QVERIFY(model::isUuid((*result)["id"].get<std::string>()));
        return;
    }
    QVERIFY2(!result.hasValue(),
             result.hasValue() ? qPrintable(QString::fromStdString(result->dump())) : "");
    QCOMPARE(result.error().code, ErrorCode::SchemaViolation);
    const json expected = json::parse(errors.toStdString());
    QVERIFY2(matches(expected, result.error().fields, why),
             qPrintable(why + " in " + QString::fromStdString(result.error().fields.dump())));
    QCOMPARE(result.error().fields.size(), expected.size()); // no unexpected extra errors
    if (!message.isEmpty()) QCOMPARE(QByteArray::fromStdString(result.error().message), message);
}

void TestEntityValidation::patchMergesRecords() {
    const auto& s = *schema::findSchema("upstreams");
    auto created =
        s.validate(json{{"name", "b"}}, schema::WriteMode::Insert, nullptr, {false, 1000});
    QVERIFY(created.hasValue());
    json patch = {{"healthchecks", {{"active", {{"healthy", {{"interval", 5}}}}}}}};
    auto updated = s.validate(patch, schema::WriteMode::Update, &*created, {false, 2000});
    QVERIFY(updated.hasValue());
    QCOMPARE((*updated)["healthchecks"]["active"]["healthy"]["interval"].get<int>(), 5);
    // Sibling fields keep their values; the id and creation time stay.
    QCOMPARE((*updated)["healthchecks"]["active"]["healthy"]["http_statuses"], json({200, 302}));
    QCOMPARE((*updated)["id"], (*created)["id"]);
    QCOMPARE((*updated)["created_at"].get<long long>(), 1000LL);
    QCOMPARE((*updated)["updated_at"].get<long long>(), 2000LL);
}

void TestEntityValidation::describeListsEveryField() {
    for (const auto* s : schema::allSchemas()) {
        json d = s->describe();
        QCOMPARE(d["fields"].size(), s->fields.size());
        for (const auto& f : d["fields"])
            QVERIFY(f.begin().value().contains("type"));
    }
    json routes = schema::findSchema("routes")->describe();
    bool sawProtocols = false;
    for (const auto& f : routes["fields"])
        if (f.contains("protocols")) {
            sawProtocols = true;
            QCOMPARE(f["protocols"]["default"], json({"http", "https"}));
            QCOMPARE(f["protocols"]["type"], "set");
        }
    QVERIFY(sawProtocols);
}

QTEST_APPLESS_MAIN(TestEntityValidation)
#include "tst_entity_validation.moc"
