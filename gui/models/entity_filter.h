#pragma once
// Filters an EntityModel by free text: a row stays when any column contains the text, or,
// for "tag:x" terms, when the row carries every such tag. Sorting compares numbers as numbers.

#include <QSortFilterProxyModel>
#include <QStringList>

namespace portico::gui {

class EntityFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setQuery(const QString& query);
    QString query() const { return m_query; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_query;
    QStringList m_words;
    QStringList m_tags;
};

} // namespace portico::gui
