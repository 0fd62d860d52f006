#include "ui/quick_look.h"

#include <QFileInfo>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>

#include "ui/backend.h"
#include "ui/thumbnail_loader.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

QuickLook::QuickLook(Backend* backend, QWidget* parent) : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Preview"));
    resize(900, 680);
    auto* v = new QVBoxLayout(this);
    image_ = new QLabel(this);
    image_->setAlignment(Qt::AlignCenter);
    image_->setMinimumSize(320, 240);
    image_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    v->addWidget(image_, 1);
    caption_ = new QLabel(this);
    caption_->setAlignment(Qt::AlignCenter);
    v->addWidget(caption_);
}

void QuickLook::showPhoto(const QString& path) {
    const int gen = ++generation_;
    caption_->setText(QFileInfo(path).fileName() + QStringLiteral("  —  ") + tr("Space or Esc closes, arrows move"));
    image_->setText(tr("Loading…"));
    full_ = {};
    backend_->run(this, [path]() { return ThumbnailLoader::decodeScaled(path, 2048); },
                  [this, gen](QImage img) {
                      if (gen != generation_) return;
                      full_ = img;
                      if (img.isNull()) image_->setText(tr("This photo cannot be shown."));
                      updatePixmap();
                  });
}

void QuickLook::updatePixmap() {
    if (full_.isNull()) return;
    image_->setPixmap(QPixmap::fromImage(full_.scaled(image_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

void QuickLook::resizeEvent(QResizeEvent* event) {
    QDialog::resizeEvent(event);
    updatePixmap();
}

void QuickLook::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Space:
    case Qt::Key_Escape:
        close();
        return;
    case Qt::Key_Left:
    case Qt::Key_Up:
        Q_EMIT step(-1);
        return;
    case Qt::Key_Right:
    case Qt::Key_Down:
        Q_EMIT step(+1);
        return;
    default:
        QDialog::keyPressEvent(event);
    }
}

}  // namespace ui
}  // namespace lowclip
