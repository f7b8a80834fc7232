#include "models/entity_filter.h"

#include "models/entity_model.h"

namespace portico::gui {

void EntityFilter::setQuery(const QString& query) {
    m_query = query;
    m_words.clear();
    m_tags.clear();
    for (const QString& term : query.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (term.startsWith(QLatin1String("tag:"), Qt::CaseInsensitive))
            m_tags << term.mid(4);
        else
            m_words << term;
    }
    invalidateFilter();
}

bool EntityFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QAbstractItemModel* m = sourceModel();
    if (!m_tags.isEmpty()) {
        const QStringList tags =
            m->index(sourceRow, 0, sourceParent).data(EntityModel::TagsRole).toStringList();
        for (const QString& t : m_tags)
            if (!tags.contains(t)) return false;
    }
    for (const QString& word : m_words) {
        bool found = false;
        for (int c = 0; c < m->columnCount(sourceParent) && !found; ++c)
            found = m->index(sourceRow, c, sourceParent)
                        .data()
                        .toString()
                        .contains(word, Qt::CaseInsensitive);
        if (!found) return false;
    }
    return true;
}

bool EntityFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const QString a = left.data().toString(), b = right.data().toString();
    bool na = false, nb = false;
    const double da = a.toDouble(&na), db = b.toDouble(&nb);
    if (na && nb) return da < db;
    return QString::localeAwareCompare(a, b) < 0;
}

} // namespace portico::gui
