#pragma once
// Writing images: grids, test images, thumbnails. Plain C++ in the interface; OpenCV underneath.
#include <cstdint>
#include <string>
#include <vector>

#include "core/vision/image.h"

namespace lowclip::vision {

// Writes `image` to `path`; the format follows the extension (.png, .jpg/.jpeg; also .bmp, .tif/.tiff,
// .webp). Returns false (and leaves no partial file behind) when the image is empty, the extension
// is not one of these, or the file cannot be written.
bool saveImage(const Image& image, const std::string& path);

// Encodes to JPEG (quality 1..100, baseline, 4:2:0). Throws lowclip::Error for an empty image.
std::vector<std::uint8_t> encodeJpeg(const Image& image, int quality = 85);
// Encodes to PNG (lossless). Throws lowclip::Error for an empty image.
std::vector<std::uint8_t> encodePng(const Image& image);

}  // namespace lowclip::vision
