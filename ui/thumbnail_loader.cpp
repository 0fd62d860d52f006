#include "ui/thumbnail_loader.h"

#include <QImageReader>
#include <QMetaObject>
#include <QPointer>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

ThumbnailLoader::ThumbnailLoader(std::shared_ptr<Engine> engine, int size, QObject* parent)
    : QObject(parent), engine_(std::move(engine)), size_(size) {
    pool_.setMaxThreadCount(2);
    cache_.setMaxCost(64 * 1024 * 1024);  // bytes of decoded images
}

ThumbnailLoader::~ThumbnailLoader() {
    pool_.clear();
    pool_.waitForDone();
}

void ThumbnailLoader::setSize(int size) {
    if (size == size_) return;
    size_ = size;
    cache_.clear();
    failed_.clear();
    clearPending();
}

void ThumbnailLoader::clearPending() {
    pool_.clear();  // queued but not started
    pending_.clear();
}

QImage ThumbnailLoader::decodeScaled(const QString& path, int size) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(512);  // MB; refuses decompression bombs
    const QSize full = reader.size();
    if (full.isValid() && (full.width() > size || full.height() > size))
        reader.setScaledSize(full.scaled(size, size, Qt::KeepAspectRatio));
    QImage image = reader.read();
    if (image.isNull()) return image;
    if (image.width() > size || image.height() > size)
        image = image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

QImage ThumbnailLoader::get(qint64 photoId, const QString& path) {
    if (QImage* hit = cache_.object(photoId)) return *hit;
    if (pending_.contains(photoId) || failed_.contains(photoId)) return {};
    pending_.insert(photoId);
    QPointer<ThumbnailLoader> self(this);
    const int size = size_;
    auto engine = engine_;
    pool_.start([self, engine, photoId, path, size]() {
        QImage image;
        try {
            std::vector<std::uint8_t> bytes = engine ? engine->thumbnail(photoId, size) : std::vector<std::uint8_t>{};
            if (!bytes.empty())
                image = QImage::fromData(reinterpret_cast<const uchar*>(bytes.data()), int(bytes.size()));
        } catch (const std::exception&) {
            // fall back to the file below
        }
        if (image.isNull()) image = decodeScaled(path, size);
        if (!image.isNull() && (image.width() > size || image.height() > size))
            image = image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [self, photoId, size, image]() {
            if (self) self->onLoaded(photoId, size, image);
        }, Qt::QueuedConnection);
    });
    return {};
}

void ThumbnailLoader::onLoaded(qint64 photoId, int size, const QImage& image) {
    if (size != size_) return;  // a request from before a size change
    pending_.remove(photoId);
    if (image.isNull()) {
        failed_.insert(photoId);
    } else {
        cache_.insert(photoId, new QImage(image), int(image.sizeInBytes()));
    }
    Q_EMIT loaded(photoId, image);
}

}  // namespace ui
}  // namespace lowclip
