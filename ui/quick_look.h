#pragma once
// Space on a result: the photo large, in a window of its own; Space or Esc closes it, the arrow
// keys move to the previous or next result.
#include <QDialog>

class QLabel;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class QuickLook : public QDialog {
    Q_OBJECT
public:
    QuickLook(Backend* backend, QWidget* parent = nullptr);
    void showPhoto(const QString& path);

Q_SIGNALS:
    void step(int delta);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void updatePixmap();

    Backend* backend_;
    QLabel* image_;
    QLabel* caption_;
    QImage full_;
    int generation_ = 0;
};

}  // namespace ui
}  // namespace lowclip
