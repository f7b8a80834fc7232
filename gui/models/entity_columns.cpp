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
    // Built per call of the language: titles are translated when the table is drawn.
    static QHash<QString, QList<EntityColumn>> cache;
    static QString cachedFor;
    const QString language = QCoreApplication::translate("EntityColumns", "Name");
    if (cachedFor != language) {
        cache.clear();
        cachedFor = language;
    }
    auto it = cache.find(entity);
    if (it != cache.end()) return *it;
    QList<EntityColumn> c;
    const QString name = QCoreApplication::translate("EntityColumns", "Name"),
                  tags = QCoreApplication::translate("EntityColumns", "Tags");
    if (entity == QLatin1String("services"))
        c = {{name, "name"},
             {QCoreApplication::translate("EntityColumns", "Protocol"), "protocol"},
             {QCoreApplication::translate("EntityColumns", "Host"), "host"},
             {QCoreApplication::translate("EntityColumns", "Port"), "port"},
             {QCoreApplication::translate("EntityColumns", "Path"), "path"},
             {QCoreApplication::translate("EntityColumns", "Enabled"), "enabled"},
             {tags, "tags"}};
    else if (entity == QLatin1String("routes"))
        c = {{name, "name"},
             {QCoreApplication::translate("EntityColumns", "Hosts"), "hosts"},
             {QCoreApplication::translate("EntityColumns", "Paths"), "paths"},
             {QCoreApplication::translate("EntityColumns", "Methods"), "methods"},
             {QCoreApplication::translate("EntityColumns", "Protocols"), "protocols"},
             {QCoreApplication::translate("EntityColumns", "Service"), "service"},
             {tags, "tags"}};
    else if (entity == QLatin1String("upstreams"))
        c = {{name, "name"},
             {QCoreApplication::translate("EntityColumns", "Algorithm"), "algorithm"},
             {QCoreApplication::translate("EntityColumns", "Slots"), "slots"},
             {QCoreApplication::translate("EntityColumns", "Hash on"), "hash_on"},
             {tags, "tags"}};
    else if (entity == QLatin1String("targets"))
        c = {{QCoreApplication::translate("EntityColumns", "Target"), "target"},
             {QCoreApplication::translate("EntityColumns", "Weight"), "weight"},
             {QCoreApplication::translate("EntityColumns", "Upstream"), "upstream"},
             {tags, "tags"}};
    else if (entity == QLatin1String("consumers"))
        c = {{QCoreApplication::translate("EntityColumns", "Username"), "username"},
             {QCoreApplication::translate("EntityColumns", "Custom id"), "custom_id"},
             {tags, "tags"}};
    else if (entity == QLatin1String("plugins"))
        c = {{name, "name"},
             {QCoreApplication::translate("EntityColumns", "Enabled"), "enabled"},
             {QCoreApplication::translate("EntityColumns", "Service"), "service"},
             {QCoreApplication::translate("EntityColumns", "Route"), "route"},
             {QCoreApplication::translate("EntityColumns", "Consumer"), "consumer"},
             {tags, "tags"}};
    else if (entity == QLatin1String("certificates"))
        c = {{QCoreApplication::translate("EntityColumns", "SNIs"), "snis"},
             {QCoreApplication::translate("EntityColumns", "Id"), "id"},
             {tags, "tags"}};
    else if (entity == QLatin1String("snis"))
        c = {{name, "name"},
             {QCoreApplication::translate("EntityColumns", "Certificate"), "certificate"},
             {tags, "tags"}};
    else if (entity == QLatin1String("ca_certificates"))
        c = {{QCoreApplication::translate("EntityColumns", "Id"), "id"},
             {QCoreApplication::translate("EntityColumns", "Fingerprint"), "cert_digest"},
             {tags, "tags"}};
    else
        c = {{QCoreApplication::translate("EntityColumns", "Id"), "id"}};
    return *cache.insert(entity, c);
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
