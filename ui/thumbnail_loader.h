#pragma once
// Loads thumbnails on worker threads: first from the library's cache (Engine::thumbnail), else by
// decoding the file itself at reduced size (read-only; the photo is never touched). Results are
// kept in a small in-memory cache and announced with loaded().
#include <QCache>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>
#include <memory>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class ThumbnailLoader : public QObject {
    Q_OBJECT
public:
    ThumbnailLoader(std::shared_ptr<Engine> engine, int size, QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    int size() const { return size_; }
    void setSize(int size);
    // The cached image, or a null image after scheduling a load.
    QImage get(qint64 photoId, const QString& path);
    bool isPending(qint64 photoId) const { return pending_.contains(photoId); }
    void clearPending();
    void waitForDone() { pool_.waitForDone(); }

    // Decodes `path` to at most `size` pixels a side, honouring EXIF orientation; null on failure.
    static QImage decodeScaled(const QString& path, int size);

Q_SIGNALS:
    void loaded(qint64 photoId, const QImage& image);

private:
    void onLoaded(qint64 photoId, int size, const QImage& image);

    std::shared_ptr<Engine> engine_;
    int size_;
    QThreadPool pool_;
    QCache<qint64, QImage> cache_;
    QSet<qint64> pending_;
    QSet<qint64> failed_;
};

}  // namespace ui
}  // namespace lowclip
