#include "models/entity_columns.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonArray>

namespace portico::gui {

namespace {
// The titles of the entity lists; lupdate finds them through QT_TRANSLATE_NOOP.
QString tr(const char* text) {
    return QCoreApplication::translate("EntityColumns", text);
}
} // namespace

QStringList editableEntities() {
    return {QStringLiteral("services"),       QStringLiteral("routes"),
            QStringLiteral("upstreams"),      QStringLiteral("targets"),
            QStringLiteral("consumers"),      QStringLiteral("plugins"),
            QStringLiteral("certificates"),   QStringLiteral("snis"),
            QStringLiteral("ca_certificates")};
}

QString entityTitle(const QString& entity) {
    static const char* const names[][2] = {
        {"services", QT_TRANSLATE_NOOP("EntityColumns", "Services")},
        {"routes", QT_TRANSLATE_NOOP("EntityColumns", "Routes")},
        {"upstreams", QT_TRANSLATE_NOOP("EntityColumns", "Upstreams")},
        {"targets", QT_TRANSLATE_NOOP("EntityColumns", "Targets")},
        {"consumers", QT_TRANSLATE_NOOP("EntityColumns", "Consumers")},
        {"plugins", QT_TRANSLATE_NOOP("EntityColumns", "Plugins")},
        {"certificates", QT_TRANSLATE_NOOP("EntityColumns", "Certificates")},
        {"snis", QT_TRANSLATE_NOOP("EntityColumns", "SNIs")},
        {"ca_certificates", QT_TRANSLATE_NOOP("EntityColumns", "CA certificates")}};
    for (const auto& n : names)
        if (entity == QLatin1String(n[0])) return tr(n[1]);
    return entity;
}

const QList<EntityColumn>& entityColumns(const QString& entity) {
#define COLUMN(title, field)                                                                       \
    { QT_TRANSLATE_NOOP("EntityColumns", title), QStringLiteral(field) }
    static const QHash<QString, QList<EntityColumn>> columns = {
        {QStringLiteral("services"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Name"), QStringLiteral("name")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Protocol"), QStringLiteral("protocol")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Host"), QStringLiteral("host")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Port"), QStringLiteral("port")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Path"), QStringLiteral("path")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Enabled"), QStringLiteral("enabled")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("routes"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Name"), QStringLiteral("name")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Hosts"), QStringLiteral("hosts")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Paths"), QStringLiteral("paths")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Methods"), QStringLiteral("methods")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Protocols"), QStringLiteral("protocols")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Service"), QStringLiteral("service")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("upstreams"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Name"), QStringLiteral("name")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Algorithm"), QStringLiteral("algorithm")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Slots"), QStringLiteral("slots")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Hash on"), QStringLiteral("hash_on")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("targets"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Target"), QStringLiteral("target")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Weight"), QStringLiteral("weight")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Upstream"), QStringLiteral("upstream")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("consumers"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Username"), QStringLiteral("username")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Custom id"), QStringLiteral("custom_id")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("plugins"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Name"), QStringLiteral("name")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Enabled"), QStringLiteral("enabled")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Service"), QStringLiteral("service")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Route"), QStringLiteral("route")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Consumer"), QStringLiteral("consumer")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("certificates"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "SNIs"), QStringLiteral("snis")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Id"), QStringLiteral("id")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("snis"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Name"), QStringLiteral("name")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Certificate"), QStringLiteral("certificate")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
        {QStringLiteral("ca_certificates"),
         {{QT_TRANSLATE_NOOP("EntityColumns", "Id"), QStringLiteral("id")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Fingerprint"), QStringLiteral("cert_digest")},
          {QT_TRANSLATE_NOOP("EntityColumns", "Tags"), QStringLiteral("tags")}}},
    };
    static const QList<EntityColumn> fallback = {
        {QT_TRANSLATE_NOOP("EntityColumns", "Id"), QStringLiteral("id")}};
    const auto it = columns.find(entity);
    return it == columns.end() ? fallback : *it;
}

QString columnTitle(const EntityColumn& column) {
    return QCoreApplication::translate("EntityColumns", column.title);
}

QString displayValue(const QJsonValue& value) {
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return {};
    case QJsonValue::Bool:
        return value.toBool() ? QCoreApplication::translate("EntityColumns", "yes")
                              : QCoreApplication::translate("EntityColumns", "no");
    case QJsonValue::Double: {
        const double d = value.toDouble();
        return d == static_cast<qint64>(d) ? QString::number(static_cast<qint64>(d))
                                           : QString::number(d);
    }
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Array: {
        QStringList parts;
        for (const auto& v : value.toArray())
            parts << displayValue(v);
        return parts.join(QStringLiteral(", "));
    }
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        if (o.contains(QStringLiteral("id")) && o.size() == 1)
            return o.value(QStringLiteral("id")).toString();
        return o.keys().join(QStringLiteral(", "));
    }
    }
    return {};
}

} // namespace portico::gui
