#include "widgets/schema_form.h"

#include "models/entity_columns.h"
#include "models/entity_model.h"
#include "session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleValidator>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace portico::gui {

namespace {

QString typeOf(const QJsonObject& spec) {
    return spec.value(QStringLiteral("type")).toString();
}

bool isPem(const QString& path) {
    const QString leaf = path.section(QLatin1Char('.'), -1);
    return leaf == QLatin1String("cert") || leaf == QLatin1String("key") ||
           leaf == QLatin1String("cert_alt") || leaf == QLatin1String("key_alt");
}

// Lists of plain values are edited as comma-separated text.
QJsonValue listFromText(const QString& text, const QString& elementType) {
    QJsonArray out;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString item = part.trimmed();
        if (item.isEmpty()) continue;
        bool ok = false;
        const double n = item.toDouble(&ok);
        if ((elementType == QLatin1String("integer") || elementType == QLatin1String("number")) &&
            ok)
            out.append(n);
        else
            out.append(item);
    }
    return out.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(out);
}

} // namespace

SchemaForm::SchemaForm(Session* session, QWidget* parent) : QWidget(parent), m_session(session) {
    auto* layout = new QFormLayout(this);
    layout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
}

void SchemaForm::setSchema(const QJsonArray& fields) {
    auto* layout = static_cast<QFormLayout*>(this->layout());
    while (layout->rowCount() > 0)
        layout->removeRow(0);
    m_fields.clear();
    m_byPath.clear();
    addFields(layout, fields, {});
}

void SchemaForm::addFields(QFormLayout* layout, const QJsonArray& fields, const QString& prefix) {
    for (const auto& entry : fields) {
        const QJsonObject o = entry.toObject();
        if (o.isEmpty()) continue;
        const QString name = o.constBegin().key();
        const QJsonObject spec = o.constBegin().value().toObject();
        if (spec.value(QStringLiteral("auto")).toBool()) continue; // ids and timestamps
        const QString path = prefix.isEmpty() ? name : prefix + QLatin1Char('.') + name;
        QString label = name;
        if (spec.value(QStringLiteral("required")).toBool() &&
            !spec.contains(QStringLiteral("default")))
            label += QStringLiteral(" *");
        const QString help = spec.value(QStringLiteral("description")).toString();
        if (typeOf(spec) == QLatin1String("record") &&
            spec.value(QStringLiteral("fields")).isArray()) {
            auto* box = new QGroupBox(label);
            box->setToolTip(help);
            auto* inner = new QFormLayout(box);
            addFields(inner, spec.value(QStringLiteral("fields")).toArray(), path);
            layout->addRow(box);
            continue;
        }
        Field f = makeField(path, spec);
        auto* cell = new QWidget;
        auto* v = new QVBoxLayout(cell);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(2);
        v->addWidget(f.editor);
        f.error = new QLabel;
        f.error->setObjectName(QStringLiteral("fieldError"));
        f.error->setStyleSheet(QStringLiteral("color: #c62828;"));
        f.error->setWordWrap(true);
        f.error->hide();
        v->addWidget(f.error);
        f.editor->setToolTip(help);
        f.editor->setObjectName(path);
        auto* title = new QLabel(label);
        title->setToolTip(help);
        title->setBuddy(f.editor);
        layout->addRow(title, cell);
        if (spec.contains(QStringLiteral("default"))) f.set(spec.value(QStringLiteral("default")));
        m_byPath.insert(path, static_cast<int>(m_fields.size()));
        m_fields.append(std::move(f));
    }
}

SchemaForm::Field SchemaForm::makeField(const QString& path, const QJsonObject& spec) {
    Field f;
    f.path = path;
    const QString type = typeOf(spec);
    const QJsonArray oneOf = spec.value(QStringLiteral("one_of")).toArray();
    const QJsonObject elements = spec.value(QStringLiteral("elements")).toObject();

    if (type == QLatin1String("boolean")) {
        auto* box = new QCheckBox;
        // Without a default, "not set" is a value of its own (some fields must stay unset
        // unless others are, as tls_verify on a plain http service).
        const bool optional = !spec.contains(QStringLiteral("default")) &&
                              !spec.value(QStringLiteral("required")).toBool();
        box->setTristate(optional);
        if (optional) {
            box->setCheckState(Qt::PartiallyChecked);
            box->setText(tr("(not set)"));
            connect(box, &QCheckBox::stateChanged, box, [box](int state) {
                box->setText(state == Qt::PartiallyChecked ? tr("(not set)") : QString());
            });
        }
        f.editor = box;
        f.set = [box, optional](const QJsonValue& v) {
            if (optional && (v.isNull() || v.isUndefined()))
                box->setCheckState(Qt::PartiallyChecked);
            else
                box->setCheckState(v.toBool() ? Qt::Checked : Qt::Unchecked);
        };
        f.get = [box]() -> QJsonValue {
            if (box->checkState() == Qt::PartiallyChecked) return QJsonValue(QJsonValue::Undefined);
            return QJsonValue(box->isChecked());
        };
    } else if (type == QLatin1String("foreign")) {
        // A reference: chosen by name from the referenced entity's current list.
        auto* combo = new QComboBox;
        const QString reference = spec.value(QStringLiteral("reference")).toString();
        combo->addItem(tr("(none)"), QString());
        if (EntityModel* m = m_session ? m_session->model(reference) : nullptr)
            for (int row = 0; row < m->rowCount(); ++row) {
                const QString id = m->entityAt(row).value(QStringLiteral("id")).toString();
                combo->addItem(m_session->nameOf(reference, id), id);
            }
        f.editor = combo;
        f.set = [combo](const QJsonValue& v) {
            const QString id = v.toObject().value(QStringLiteral("id")).toString();
            int at = combo->findData(id);
            if (at < 0 && !id.isEmpty()) {
                combo->addItem(id, id);
                at = combo->count() - 1;
            }
            combo->setCurrentIndex(std::max(at, 0));
        };
        f.get = [combo]() -> QJsonValue {
            const QString id = combo->currentData().toString();
            if (id.isEmpty()) return QJsonValue(QJsonValue::Undefined);
            return QJsonObject{{QStringLiteral("id"), id}};
        };
    } else if (!oneOf.isEmpty()) {
        auto* combo = new QComboBox;
        if (!spec.value(QStringLiteral("required")).toBool()) combo->addItem(QString(), QVariant());
        for (const auto& choice : oneOf)
            combo->addItem(displayValue(choice), choice.toVariant());
        f.editor = combo;
        f.set = [combo](const QJsonValue& v) {
            combo->setCurrentIndex(std::max(combo->findText(displayValue(v)), 0));
        };
        f.get = [combo]() -> QJsonValue {
            const QVariant v = combo->currentData();
            return v.isValid() ? QJsonValue::fromVariant(v) : QJsonValue(QJsonValue::Undefined);
        };
    } else if ((type == QLatin1String("array") || type == QLatin1String("set")) &&
               !elements.value(QStringLiteral("one_of")).toArray().isEmpty()) {
        // A set of fixed choices: one check box each.
        auto* row = new QWidget;
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        QList<QCheckBox*> boxes;
        for (const auto& choice : elements.value(QStringLiteral("one_of")).toArray()) {
            auto* box = new QCheckBox(displayValue(choice));
            box->setProperty("choice", choice.toVariant());
            h->addWidget(box);
            boxes << box;
        }
        h->addStretch();
        f.editor = row;
        f.set = [boxes](const QJsonValue& v) {
            const QJsonArray chosen = v.toArray();
            for (QCheckBox* b : boxes)
                b->setChecked(chosen.contains(QJsonValue::fromVariant(b->property("choice"))));
        };
        f.get = [boxes]() -> QJsonValue {
            QJsonArray out;
            for (QCheckBox* b : boxes)
                if (b->isChecked()) out.append(QJsonValue::fromVariant(b->property("choice")));
            return out.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(out);
        };
    } else if ((type == QLatin1String("array") || type == QLatin1String("set")) &&
               typeOf(elements) != QLatin1String("record") &&
               typeOf(elements) != QLatin1String("array")) {
        auto* line = new QLineEdit;
        line->setPlaceholderText(tr("comma-separated"));
        const QString elementType = typeOf(elements);
        f.editor = line;
        f.set = [line](const QJsonValue& v) { line->setText(displayValue(v)); };
        f.get = [line, elementType] { return listFromText(line->text(), elementType); };
    } else if (type == QLatin1String("string") && isPem(path)) {
        auto* text = new QPlainTextEdit;
        text->setPlaceholderText(QStringLiteral("-----BEGIN ..."));
        text->setMinimumHeight(80);
        f.editor = text;
        f.set = [text](const QJsonValue& v) { text->setPlainText(v.toString()); };
        f.get = [text]() -> QJsonValue {
            const QString t = text->toPlainText().trimmed();
            return t.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(t + '\n');
        };
    } else if (type == QLatin1String("string") || type == QLatin1String("integer") ||
               type == QLatin1String("number")) {
        auto* line = new QLineEdit;
        const bool numeric = type != QLatin1String("string");
        if (numeric) {
            auto* validator = new QDoubleValidator(line);
            validator->setDecimals(type == QLatin1String("integer") ? 0 : 6);
            line->setValidator(validator);
        }
        const QJsonArray between = spec.value(QStringLiteral("between")).toArray();
        if (between.size() == 2)
            line->setPlaceholderText(
                tr("%1 to %2").arg(displayValue(between[0]), displayValue(between[1])));
        f.editor = line;
        f.set = [line](const QJsonValue& v) { line->setText(displayValue(v)); };
        f.get = [line, numeric]() -> QJsonValue {
            const QString t = line->text().trimmed();
            if (t.isEmpty()) return QJsonValue(QJsonValue::Undefined);
            bool ok = false;
            const double n = t.toDouble(&ok);
            // A number that does not parse is sent as typed: the service names the field.
            return numeric && ok ? QJsonValue(n) : QJsonValue(t);
        };
    } else {
        // Maps, lists of records, anything richer: JSON text.
        auto* text = new QPlainTextEdit;
        text->setPlaceholderText(type == QLatin1String("map") ? QStringLiteral("{\"key\": ...}")
                                                              : QStringLiteral("[...]"));
        text->setMinimumHeight(60);
        f.editor = text;
        f.set = [text](const QJsonValue& v) {
            if (v.isNull() || v.isUndefined()) {
                text->clear();
                return;
            }
            text->setPlainText(QString::fromUtf8(
                v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                             : QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)));
        };
        f.get = [text]() -> QJsonValue {
            const QByteArray t = text->toPlainText().trimmed().toUtf8();
            if (t.isEmpty()) return QJsonValue(QJsonValue::Undefined);
            const QJsonDocument d = QJsonDocument::fromJson(t);
            if (d.isObject()) return d.object();
            if (d.isArray()) return d.array();
            return QJsonValue(QString::fromUtf8(t)); // refused by the service, with the field
        };
    }
    return f;
}

void SchemaForm::setValues(const QJsonObject& entity) {
    for (Field& f : m_fields) {
        QJsonValue v = entity;
        for (const QString& part : f.path.split(QLatin1Char('.')))
            v = v.toObject().value(part);
        if (!v.isUndefined()) f.set(v.isNull() ? QJsonValue() : v);
    }
}

QJsonObject SchemaForm::values(bool forUpdate) const {
    QJsonObject out;
    for (const Field& f : m_fields) {
        QJsonValue v = f.get();
        if (v.isUndefined()) {
            if (!forUpdate) continue;
            v = QJsonValue(QJsonValue::Null);
        }
        // Nested records are rebuilt from their dotted paths.
        const QStringList parts = f.path.split(QLatin1Char('.'));
        std::function<void(QJsonObject&, int)> put = [&](QJsonObject& at, int i) {
            if (i == parts.size() - 1) {
                at.insert(parts[i], v);
                return;
            }
            QJsonObject child = at.value(parts[i]).toObject();
            put(child, i + 1);
            at.insert(parts[i], child);
        };
        put(out, 0);
    }
    return out;
}

int SchemaForm::showErrors(const QJsonObject& fields) {
    clearErrors();
    int shown = 0;
    std::function<void(const QJsonObject&, const QString&)> walk = [&](const QJsonObject& o,
                                                                       const QString& prefix) {
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QString path = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
            if (it.value().isObject() && !m_byPath.contains(path)) {
                walk(it.value().toObject(), path);
                continue;
            }
            QString message =
                it.value().isString() ? it.value().toString() : displayValue(it.value());
            // A nested path the form has no editor for is shown on its nearest parent.
            QString at = path;
            while (!m_byPath.contains(at) && at.contains(QLatin1Char('.')))
                at = at.section(QLatin1Char('.'), 0, -2);
            if (!m_byPath.contains(at)) continue;
            const Field& f = m_fields[m_byPath.value(at)];
            f.error->setText(at == path ? message : path + QStringLiteral(": ") + message);
            f.error->show();
            f.editor->setProperty("invalid", true);
            f.editor->setStyleSheet(QStringLiteral("border: 1px solid #c62828;"));
            ++shown;
        }
    };
    walk(fields, {});
    return shown;
}

void SchemaForm::clearErrors() {
    for (const Field& f : m_fields) {
        f.error->clear();
        f.error->hide();
        f.editor->setProperty("invalid", false);
        f.editor->setStyleSheet({});
    }
}

QWidget* SchemaForm::editor(const QString& path) const {
    return m_byPath.contains(path) ? m_fields[m_byPath.value(path)].editor : nullptr;
}

QString SchemaForm::errorText(const QString& path) const {
    if (!m_byPath.contains(path)) return {};
    const Field& f = m_fields[m_byPath.value(path)];
    return f.error->isVisible() || !f.error->isHidden() ? f.error->text() : QString();
}

} // namespace portico::gui
