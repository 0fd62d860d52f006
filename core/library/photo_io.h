#pragma once
// core/library's use of core/vision: decoding for the model, thumbnails. Internal.
#include <cstdint>
#include <string>
#include <vector>

#include "core/vision/image.h"

namespace lowclip::library {

struct DecodeSettings {
    int targetShortSide = 0;       // the model's input size: big JPEGs decode at reduced scale
    std::int64_t maxPixels = 100'000'000;
};

// Decodes an upright RGB image; throws lowclip::Error (vision::DecodeError) with the reason.
vision::Image decodeForEmbedding(const std::string& path, const DecodeSettings& settings);

// A JPEG whose longer side is at most `size`.
std::vector<std::uint8_t> makeThumbnailJpeg(const std::string& path, int size);

}  // namespace lowclip::library
