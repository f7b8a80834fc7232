#pragma once
// The page of one entity list: a sortable table filtered by text and tags, with create, edit,
// duplicate, enable/disable and delete (after a confirmation naming what goes with it).
// GUI thread only.

#include <QWidget>

class QLineEdit;
class QTableView;
class QTableWidget;
class QLabel;
class QAction;
class QTimer;

namespace portico::gui {

class Session;
class EntityModel;
class EntityFilter;

class EntityPage : public QWidget {
    Q_OBJECT
public:
    EntityPage(Session* session, const QString& entity, QWidget* parent = nullptr);

    QString entity() const { return m_entity; }
    QTableView* table() const { return m_table; }
    EntityFilter* filter() const { return m_filter; }
    QLineEdit* searchBox() const { return m_search; }
    // What the delete confirmation says for the entity at a source row.
    QString deleteQuestion(int sourceRow) const;
    QString summary() const;
    // Upstreams only: the selected upstream's targets and their health, null elsewhere.
    QTableWidget* healthTable() const { return m_health; }

public slots:
    void createNew();
    void editSelected();
    void duplicateSelected();
    void toggleSelected();
    void deleteSelected();

private:
    int selectedSourceRow() const;
    // An EntityDialog::Mode (an int here to keep the dialog's header out of this one).
    void openDialog(int mode);
    void updateActions();
    void refreshHealth();
    // A refused change, said under the table.
    void showFailure(const QString& what, const QString& why);

    Session* m_session;
    QString m_entity;
    EntityModel* m_model;
    EntityFilter* m_filter;
    QTableView* m_table;
    QLineEdit* m_search;
    QLabel* m_summary;
    QAction* m_edit;
    QAction* m_duplicate;
    QAction* m_toggle;
    QAction* m_delete;
    QTableWidget* m_health = nullptr;
    QTimer* m_healthTimer = nullptr;
};

} // namespace portico::gui
