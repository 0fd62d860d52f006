#pragma once
// Thumbnails: JPEGs no larger than size x size, made from the photo (upright, EXIF orientation
// applied) and cached in the catalog's `thumbnails` table per (photo, size). A read-only library
// makes them but caches nothing. A rescan that finds new content drops the photo's thumbnails.
// Internal to core/library.
#include <cstdint>
#include <vector>

#include "core/library/catalog.h"

namespace lowclip::library {

constexpr int kMinThumbnailSize = 16;
constexpr int kMaxThumbnailSize = 4096;
constexpr int kThumbnailJpegQuality = 85;

// The cached thumbnail, or a new one (decoded and encoded with no catalog lock held). Throws
// ErrorCode::InvalidArgument for a size outside [kMinThumbnailSize, kMaxThumbnailSize] and
// ErrorCode::PhotoNotFound for an unknown photo.
std::vector<std::uint8_t> thumbnail(Catalog& catalog, PhotoId photo, int size);

// A JPEG of the image file whose longer side is at most `size`.
std::vector<std::uint8_t> makeThumbnailJpeg(const std::string& path, int size);

}  // namespace lowclip::library
