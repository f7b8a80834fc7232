// Path normalization before routing (http-hardening §5.1): what is rewritten and what is refused.
#include "proxy/path_normalizer.h"

#include <QtTest>

using portico::proxy::normalizePath;

class TestPathNormalizer : public QObject {
    Q_OBJECT
private slots:
    void normalize_data();
    void normalize();
    void reusedResult_data() { normalize_data(); }
    void reusedResult();
};

void TestPathNormalizer::normalize_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("expected"); // empty: refused with 400

    auto row = [](const char* tag, const char* raw, const char* expected) {
        QTest::newRow(tag) << QByteArray(raw) << QByteArray(expected);
    };
    row("plain", "/public/a", "/public/a");
    row("root", "/", "/");
    row("dot segments", "/public/../admin", "/admin");
    row("single dot", "/a/./b", "/a/b");
    row("above root", "/../../admin", "/admin");
    row("trailing dot dot", "/a/b/..", "/a/");
    row("encoded dots lower", "/public/%2e%2e/admin", "/admin");
    row("encoded dots upper", "/public/%2E%2E/admin", "/admin");
    row("mixed dots", "/public/.%2e/admin", "/admin");
    row("merged slashes", "//admin", "/admin");
    row("slashes then dots", "/public//../admin", "/admin");
    row("trailing slash kept", "/admin/", "/admin/");
    row("unreserved decoded", "/%61dmin/%7Euser", "/admin/~user");
    row("reserved kept upper", "/a%3fb/%c3%a9", "/a%3Fb/%C3%A9");
    row("double encoding stays", "/public/%252e%252e/admin", "/public/%252e%252e/admin");
    row("space stays encoded", "/admin%20", "/admin%20");
    row("case kept", "/ADMIN", "/ADMIN");
    row("params on normal segment", "/admin;x=1", "/admin;x=1");
    row("sub-delims", "/a!$&'()*+,=:@b", "/a!$&'()*+,=:@b");
    // Already-normal paths are copied as they are; the same path with an escape in it takes the
    // full normalization, which must agree.
    row("dots inside segments", "/a.b/c..d/.e/..f", "/a.b/c..d/.e/..f");
    row("dots inside segments, escaped", "/%61.b/c..d/.e/..f", "/a.b/c..d/.e/..f");
    row("parameters after a slash", "/a/;x", "/a/;x");
    row("parameters after a slash, escaped", "/%61/;x", "/a/;x");
    row("encoded slash", "/public%2F..%2Fadmin", "");
    row("encoded slash lower", "/public/..%2fadmin", "");
    row("encoded backslash", "/public%5C..%5Cadmin", "");
    row("backslash", "/public\\..\\admin", "");
    row("dot dot params", "/public/..;/admin", "");
    row("dot dot params value", "/user/..;foo=bar/admin", "");
    row("nul", "/admin%00.json", "");
    row("tab", "/admin%09", "");
    row("overlong dot", "/%c0%ae%c0%ae/admin", "");
    row("fullwidth solidus", "/%ef%bc%8fadmin", "");
    row("broken utf8", "/%e2%82", "");
    row("fragment", "/admin#/public", "");
    row("bad escape", "/a%zz", "");
    row("short escape", "/a%4", "");
    row("raw non-ascii", "/caf\xc3\xa9", "");
    row("raw quote", "/a\"b", "");
    row("relative", "admin", "");
}

void TestPathNormalizer::normalize() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, expected);
    auto r = normalizePath(raw.toStdString());
    if (expected.isEmpty()) {
        QVERIFY2(r.path.empty() && !r.error.empty(), r.path.c_str());
        return;
    }
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(QByteArray::fromStdString(r.path), expected);
    // Normalizing twice changes nothing: routing and the upstream agree.
    QCOMPARE(QByteArray::fromStdString(normalizePath(r.path).path), expected);
}

void TestPathNormalizer::reusedResult() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, expected);
    // A connection normalizes each request's path into the same result: what the one before
    // left there (here a refusal, or a longer path) must not show through.
    for (const char* before : {"/a%zz", "/a/much/longer/path/than/any/of/the/rows/below/x/y/z"}) {
        portico::proxy::NormalizedPath reused;
        portico::proxy::normalizePath(before, reused);
        portico::proxy::normalizePath(raw.toStdString(), reused);
        const auto fresh = normalizePath(raw.toStdString());
        QCOMPARE(reused.path, fresh.path);
        QCOMPARE(reused.error, fresh.error);
        QCOMPARE(QByteArray::fromStdString(reused.path), expected);
    }
}

QTEST_APPLESS_MAIN(TestPathNormalizer)
#include "tst_path_normalizer.moc"
