#pragma once
// Library ▸ Relevance marks: every "relevant" / "not relevant" mark given to search results,
// with its query and photo, where marks can be removed (a removed mark is no longer used to
// teach the model).
#include <QDialog>

class QLabel;
class QPushButton;
class QTreeWidget;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class FeedbackDialog : public QDialog {
    Q_OBJECT
public:
    explicit FeedbackDialog(Backend* backend, QWidget* parent = nullptr);
    void reload();
    // Removes the selected marks (the Remove button).
    void removeSelected();
    QTreeWidget* list() const { return list_; }

Q_SIGNALS:
    void marksChanged();
    void reloaded();

private:
    Backend* backend_;
    QTreeWidget* list_;
    QLabel* summary_;
    QPushButton* remove_;
};

}  // namespace ui
}  // namespace lowclip
