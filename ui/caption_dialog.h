#pragma once
// Asks for one caption to add to one or several photos.
#include <QDialog>

class QLineEdit;
class QDialogButtonBox;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class CaptionDialog : public QDialog {
    Q_OBJECT
public:
    CaptionDialog(int photoCount, QWidget* parent = nullptr);
    QString text() const;
    QLineEdit* editor() const { return edit_; }

private:
    QLineEdit* edit_;
    QDialogButtonBox* buttons_;
};

}  // namespace ui
}  // namespace lowclip
