#pragma once
// The configuration as a whole: import a kong.yml or JSON file with a preview of what it
// creates, updates and deletes before anything is applied; export; the history of revisions
// with rollback. GUI thread only.

#include <QByteArray>
#include <QJsonObject>
#include <QWidget>

class QTreeWidget;
class QTableWidget;
class QLabel;
class QPushButton;

namespace portico::gui {

class Session;

class ConfigPage : public QWidget {
    Q_OBJECT
public:
    explicit ConfigPage(Session* session, QWidget* parent = nullptr);

    // Asks the service for the diff of `document` against the live configuration (nothing is
    // applied); the preview shows it and Apply becomes available.
    void previewImport(const QByteArray& document, bool yaml);
    void applyImport();
    void refreshHistory();
    // Asks, then makes the revision selected in the history the live configuration.
    void rollbackSelected();
    QTreeWidget* diffView() const { return m_diff; }
    QTableWidget* historyView() const { return m_history; }
    QString message() const;

signals:
    void previewReady();
    void applied(bool ok);
    void rolledBack(bool ok);

private:
    void importFile();
    void exportFile();

    Session* m_session;
    QByteArray m_document;
    bool m_yaml = true;
    QTreeWidget* m_diff;
    QTableWidget* m_history;
    QLabel* m_message;
    QPushButton* m_apply;
};

} // namespace portico::gui
