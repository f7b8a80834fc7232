// The declarative format: nested and flat kong.yml forms, references by name, stable ids,
// export nesting, YAML scalars and the configuration hash.
#include "declarative/declarative.h"
#include "schema/schemas.h"

#include <QtTest>

using nlohmann::json;
using namespace portico;

namespace {
// Validates flattened entries the way POST /config does (references already by id or name).
std::map<std::string, std::vector<json>> validated(const std::vector<declarative::Entry>& entries) {
    std::map<std::string, std::vector<json>> rows;
    for (const auto& e : entries) {
        auto v = e.schema->validate(e.input, schema::WriteMode::Upsert, nullptr, {false, 1700000000});
        if (!v) qFatal("%s: %s", e.path.c_str(), v.error().message.c_str());
        rows[e.schema->name].push_back(*v);
    }
    return rows;
}
} // namespace

class TestDeclarative : public QObject {
    Q_OBJECT
private slots:
    void flattenForms_data();
    void flattenForms();
    void idsAreStable();
    void documentErrors_data();
    void documentErrors();
    void yamlScalars();
    void nestRoundTrip();
    void emptyHash();
};

void TestDeclarative::flattenForms_data() {
    QTest::addColumn<QByteArray>("doc");
    QTest::addColumn<QStringList>("expected"); // "collection path parentField=ref" per entry, in order
    QTest::newRow("nested") << QByteArray(R"J({"_format_version":"3.0","services":[{"name":"s","host":"h",
        "routes":[{"name":"r","paths":["/"],"plugins":[{"name":"cors"}]}],"plugins":[{"name":"rate-limiting"}]}]})J")
                            << QStringList{"services services[0]", "routes services[0].routes[0] service",
                                           "plugins services[0].routes[0].plugins[0] route",
                                           "plugins services[0].plugins[0] service"};
    QTest::newRow("flat by name") << QByteArray(R"J({"_format_version":"3.0","routes":[{"paths":["/"],"service":"s"}],
        "services":[{"name":"s","host":"h"}]})J")
                                  << QStringList{"services services[0]", "routes routes[0] service"};
    QTest::newRow("upstream targets") << QByteArray(R"J({"_format_version":"3.0","upstreams":[{"name":"u",
        "targets":[{"target":"10.0.0.1:80"},{"target":"10.0.0.2"}]}]})J")
                                      << QStringList{"upstreams upstreams[0]", "targets upstreams[0].targets[0] upstream",
                                                     "targets upstreams[0].targets[1] upstream"};
    QTest::newRow("certificate snis as strings") << QByteArray(R"J({"_format_version":"3.0","certificates":[{"cert":"c","key":"k",
        "snis":["a.com",{"name":"b.com"}]}]})J")
                                                 << QStringList{"certificates certificates[0]",
                                                                "snis certificates[0].snis[0] certificate",
                                                                "snis certificates[0].snis[1] certificate"};
    QTest::newRow("consumer plugins") << QByteArray(R"J({"_format_version":"3.0","consumers":[{"username":"u",
        "plugins":[{"name":"rate-limiting"}]}]})J")
                                      << QStringList{"consumers consumers[0]", "plugins consumers[0].plugins[0] consumer"};
}

void TestDeclarative::flattenForms() {
    QFETCH(QByteArray, doc);
    QFETCH(QStringList, expected);
    auto parsed = declarative::parseDocument(doc.toStdString());
    QVERIFY(parsed.hasValue());
    auto entries = declarative::flatten(*parsed);
    QVERIFY2(entries.hasValue(), entries.hasValue() ? "" : entries.error().message.c_str());
    QCOMPARE(static_cast<int>(entries->size()), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        const auto parts = expected[i].split(' ');
        const auto& e = (*entries)[static_cast<std::size_t>(i)];
        QCOMPARE(QString::fromStdString(e.schema->name), parts[0]);
        QCOMPARE(QString::fromStdString(e.path), parts[1]);
        QVERIFY(e.input["id"].is_string());
        if (parts.size() > 2) {
            const json& ref = e.input[parts[2].toStdString()];
            QVERIFY2(ref.is_object() && (ref.contains("id") || ref.contains("name")), ref.dump().c_str());
        }
    }
}

void TestDeclarative::idsAreStable() {
    const std::string doc = R"J({"_format_version":"3.0","services":[{"name":"s","host":"h","routes":[{"paths":["/a"]}]}]})J";
    auto a = declarative::flatten(*declarative::parseDocument(doc));
    auto b = declarative::flatten(*declarative::parseDocument(doc));
    QCOMPARE((*a)[0].input["id"], (*b)[0].input["id"]);
    QCOMPARE((*a)[1].input["id"], (*b)[1].input["id"]);
    QCOMPARE((*a)[1].input["service"]["id"], (*a)[0].input["id"]);
    // A given id is kept.
    auto c = declarative::flatten(*declarative::parseDocument(
        R"J({"_format_version":"3.0","services":[{"id":"3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e","host":"h"}]})J"));
    QCOMPARE((*c)[0].input["id"], "3b8c5e7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e");
}

void TestDeclarative::documentErrors_data() {
    QTest::addColumn<QByteArray>("doc");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("error");
    QTest::newRow("no version") << QByteArray(R"J({"services":[]})J") << "_format_version" << "required field missing";
    QTest::newRow("old version") << QByteArray(R"J({"_format_version":"0.9"})J") << "_format_version"
                                 << "unsupported format version '0.9' (expected 3.0)";
    QTest::newRow("unknown key") << QByteArray(R"J({"_format_version":"3.0","gizmos":[]})J") << "gizmos" << "unknown field";
    QTest::newRow("not an array") << QByteArray(R"J({"_format_version":"3.0","services":{"name":"x"}})J") << "services"
                                  << "expected an array";
    QTest::newRow("not a record") << QByteArray(R"J({"_format_version":"3.0","services":["x"]})J") << "services[0]"
                                  << "expected a record";
}

void TestDeclarative::documentErrors() {
    QFETCH(QByteArray, doc);
    QFETCH(QString, path);
    QFETCH(QString, error);
    auto entries = declarative::flatten(*declarative::parseDocument(doc.toStdString()));
    QVERIFY(!entries.hasValue());
    QCOMPARE(entries.error().code, ErrorCode::InvalidDeclarativeConfig);
    QCOMPARE(QString::fromStdString(entries.error().fields[path.toStdString()].get<std::string>()), error);
    QVERIFY(QString::fromStdString(entries.error().message).contains(path + ": " + error));
}

void TestDeclarative::yamlScalars() {
    auto doc = declarative::parseDocument("a: 5\nb: \"5\"\nc: true\nd: 'true'\ne: ~\nf: 1.5\ng: text\nh: [1, x]\n");
    QVERIFY(doc.hasValue());
    QCOMPARE((*doc)["a"], 5);
    QCOMPARE((*doc)["b"], "5");
    QCOMPARE((*doc)["c"], true);
    QCOMPARE((*doc)["d"], "true");
    QVERIFY((*doc)["e"].is_null());
    QCOMPARE((*doc)["f"], 1.5);
    QCOMPARE((*doc)["g"], "text");
    QCOMPARE((*doc)["h"], json({1, "x"}));
    auto broken = declarative::parseDocument("a: [1, 2\n");
    QVERIFY(!broken.hasValue());
    QVERIFY(QString::fromStdString(broken.error().message).contains("line "));
}

void TestDeclarative::nestRoundTrip() {
    const std::string doc = R"J({"_format_version":"3.0",
      "services":[{"name":"s","url":"http://10.0.0.1:8080/p","routes":[{"name":"r","paths":["/"],
        "plugins":[{"name":"cors"}]}],"plugins":[{"name":"rate-limiting","config":{"minute":5}}]}],
      "routes":[{"name":"lonely","hosts":["x.com"]}],
      "upstreams":[{"name":"u","targets":[{"target":"10.0.0.2"}]}],
      "consumers":[{"username":"c","plugins":[{"name":"rate-limiting"}]}],
      "plugins":[{"name":"correlation-id"},{"name":"acl","service":"s","route":"r"}]})J";
    auto entries = declarative::flatten(*declarative::parseDocument(doc));
    QVERIFY(entries.hasValue());
    // Resolve names the way the Admin API does before validation.
    std::map<std::string, std::string> ids;
    for (const auto& e : *entries)
        if (e.input.contains("name") && e.input["name"].is_string())
            ids[e.schema->name + "/" + e.input["name"].get<std::string>()] = e.input["id"];
    auto resolved = *entries;
    for (auto& e : resolved)
        for (const auto* f : e.schema->foreignKeys())
            if (e.input[f->name].is_object() && e.input[f->name].contains("name"))
                e.input[f->name] = json{{"id", ids[f->reference + "/" + e.input[f->name]["name"].get<std::string>()]}};
    auto rows = validated(resolved);
    const std::string hash = declarative::configHash(rows);
    json nested = declarative::nest(rows);
    QCOMPARE(nested["services"][0]["routes"][0]["plugins"][0]["name"], "cors");
    QCOMPARE(nested["services"][0]["plugins"][0]["name"], "rate-limiting");
    QCOMPARE(nested["routes"][0]["name"], "lonely");
    QCOMPARE(nested["upstreams"][0]["targets"][0]["target"], "10.0.0.2:8000");
    QCOMPARE(nested["consumers"][0]["plugins"].size(), 1u);
    QCOMPARE(nested["plugins"].size(), 2u); // global, and the two-scope one
    QVERIFY(!nested["services"][0].contains("created_at"));
    auto again = declarative::flatten(nested);
    QVERIFY(again.hasValue());
    QCOMPARE(declarative::configHash(validated(*again)), hash);
    // The YAML rendering parses back to the same document.
    auto yaml = declarative::parseDocument(declarative::toYaml(nested));
    QVERIFY(yaml.hasValue());
    QCOMPARE(*yaml, nested);
}

void TestDeclarative::emptyHash() {
    QCOMPARE(QString::fromStdString(declarative::configHash({})), QString(32, '0'));
    QCOMPARE(QString::fromStdString(declarative::configHash({{"services", {}}})), QString(32, '0'));
}

QTEST_APPLESS_MAIN(TestDeclarative)
#include "tst_declarative.moc"
