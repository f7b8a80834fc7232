#pragma once
// Live traffic: a scrolling table of recent requests sampled by the service, with pause, a
// text filter and the selected request's details. GUI thread only.

#include <QWidget>

class QTableView;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;

namespace portico::gui {

class Session;

class TrafficPage : public QWidget {
    Q_OBJECT
public:
    explicit TrafficPage(Session* session, QWidget* parent = nullptr);
    QTableView* table() const { return m_table; }

private:
    void showDetails();

    Session* m_session;
    QSortFilterProxyModel* m_filter;
    QTableView* m_table;
    QLineEdit* m_search;
    QPushButton* m_pause;
    QPlainTextEdit* m_details;
};

} // namespace portico::gui
