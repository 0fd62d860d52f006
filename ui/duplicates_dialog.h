#pragma once
// Library ▸ Find near-identical photos: groups of photos that look nearly the same (bursts,
// copies, edits), found from the active model's stored vectors at a similarity the user chooses.
// It reads only: nothing of the user's is changed or deleted. Each group can be shown in the
// results grid, and any photo opened or shown in its folder.
#include <QDialog>
#include <atomic>
#include <memory>
#include <vector>

#include "ui/engine/engine.h"

class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class DuplicatesDialog : public QDialog {
    Q_OBJECT
public:
    DuplicatesDialog(Backend* backend, double similarity, QWidget* parent = nullptr);
    ~DuplicatesDialog() override;

    void find();  // (re)runs the scan at the chosen similarity
    bool running() const { return running_; }
    int groupCount() const { return int(scan_.groups.size()); }
    const DuplicateScan& scan() const { return scan_; }
    double similarity() const;

Q_SIGNALS:
    void openPhotoRequested(qint64 id);
    void showInFolderRequested(qint64 id);
    void showGroupRequested(const std::vector<lowclip::ui::Photo>& photos);
    void similarityChosen(double similarity);
    void scanFinished(int groups);  // -1: failed or cancelled

private:
    void showScan();
    qint64 currentPhotoId() const;
    int currentGroup() const;
    void updateButtons();

    Backend* backend_;
    QDoubleSpinBox* similarity_;
    QPushButton* findButton_;
    QProgressBar* progress_;
    QLabel* summary_;
    QTreeWidget* tree_;
    QPushButton* open_;
    QPushButton* folder_;
    QPushButton* showGroup_;
    DuplicateScan scan_;
    bool running_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
};

}  // namespace ui
}  // namespace lowclip
