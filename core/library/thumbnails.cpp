#include "core/library/thumbnails.h"

#include "core/error.h"
#include "core/library/scanner.h"
#include "core/vision/decode.h"
#include "core/vision/encode.h"
#include "core/vision/preprocess.h"

namespace lowclip::library {

std::vector<std::uint8_t> makeThumbnailJpeg(const std::string& path, int size) {
    vision::DecodeOptions o;
    o.targetShortSide = size;
    o.applyExifOrientation = true;
    const std::string bytes = readRegularFile(path, kMaxPhotoFileBytes);
    vision::Image img = vision::decodeImageMemory(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), o, path);
    return vision::encodeJpeg(vision::resizeToFit(img, size), kThumbnailJpegQuality);
}

std::vector<std::uint8_t> thumbnail(Catalog& catalog, PhotoId photoId, int size) {
    if (size < kMinThumbnailSize || size > kMaxThumbnailSize)
        throw Error(ErrorCode::InvalidArgument,
                    "thumbnail: size must be " + std::to_string(kMinThumbnailSize) + ".." +
                        std::to_string(kMaxThumbnailSize) + ", got " + std::to_string(size),
                    {{"what", "thumbnail size"}, {"value", std::to_string(size)}});
    std::optional<PhotoInfo> p = catalog.photo(photoId);
    if (!p)
        throw Error(ErrorCode::PhotoNotFound, "no photo with id " + std::to_string(photoId), {{"id", std::to_string(photoId)}});
    std::optional<std::vector<std::uint8_t>> cached = catalog.read([&](Db& db) -> std::optional<std::vector<std::uint8_t>> {
        Statement s = db.prepare("SELECT jpeg FROM thumbnails WHERE photo = ? AND size = ?");
        s.bind(1, photoId).bind(2, size);
        if (!s.step()) return std::nullopt;
        return s.bytes(0);
    });
    if (cached) return *cached;
    std::vector<std::uint8_t> jpeg = makeThumbnailJpeg(p->path, size);
    if (!catalog.readOnly()) {
        catalog.write([&](Db& db) {
            // The photo may have gone (a scan ran meanwhile): then there is nothing to cache it for.
            db.prepare("INSERT OR REPLACE INTO thumbnails(photo, size, jpeg, created) "
                       "SELECT id, ?, ?, ? FROM photos WHERE id = ?")
                .bind(1, size).bindBlob(2, jpeg.data(), jpeg.size()).bind(3, nowSeconds())
                .bind(4, photoId).exec();
        });
    }
    return jpeg;
}

}  // namespace lowclip::library
