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

    // "Şəkillər indekslənir…" and friends, shared with the status bar.
    static QString stageText(const QString& stage);
    static QString progressText(const IndexProgressInfo& info);

private:
    void update();

    Backend* backend_;
    IndexController* controller_;
    QLabel* stage_;
    QLabel* detail_;
    QProgressBar* bar_;
    QPushButton* cancel_;
    QPushButton* start_;
    QLabel* failuresTitle_;
    QTreeWidget* failures_;
};

}  // namespace ui
}  // namespace lowclip
