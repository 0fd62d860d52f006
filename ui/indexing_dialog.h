#pragma once
// Details of indexing: what is being done, how far, how fast, how long is left; cancel; and the
// list of files that could not be read, with the reason.
#include <QDialog>

#include "ui/index_controller.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class IndexingDialog : public QDialog {
    Q_OBJECT
public:
    IndexingDialog(Backend* backend, IndexController* controller, QWidget* parent = nullptr);
    void reloadFailures();
    QTreeWidget* failures() const { return failures_; }
    // Takes the selected failed files out of the library after asking (later scans pass them by).
    void removeSelected();
    QPushButton* removeButton() const { return remove_; }

    // "Şəkillər indekslənir…" and friends, shared with the status bar.
    static QString stageText(const QString& stage);
    static QString progressText(const IndexProgressInfo& info);
    // "Last run: 7 new, … 4 indexed. 3 files could not be read."
    static QString summaryText(const IndexSummary& summary);
    // The sentence for a failure kind (FailedFile::kind), in the UI's language.
    static QString failureReasonText(const QString& kind);
    QProgressBar* bar() const { return bar_; }

Q_SIGNALS:
    // Photos were taken out of the library (the window refreshes its counts and results).
    void libraryChanged();

private:
    void update();
    void updateFailureButtons();
    void showSelectedInFolder();

    Backend* backend_;
    IndexController* controller_;
    QLabel* stage_;
    QLabel* detail_;
    QProgressBar* bar_;
    QPushButton* cancel_;
    QPushButton* start_;
    QLabel* failuresTitle_;
    QTreeWidget* failures_;
    QPushButton* retry_ = nullptr;
    QPushButton* showInFolder_ = nullptr;
    QPushButton* remove_ = nullptr;
};

}  // namespace ui
}  // namespace lowclip
