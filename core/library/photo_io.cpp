#include "core/library/photo_io.h"

#include "core/vision/decode.h"
#include "core/vision/encode.h"
#include "core/vision/preprocess.h"

namespace lowclip::library {

vision::Image decodeForEmbedding(const std::string& path, const DecodeSettings& settings) {
    vision::DecodeOptions o;
    o.targetShortSide = settings.targetShortSide;
    o.maxPixels = settings.maxPixels;
    o.applyExifOrientation = true;
    return vision::decodeImageFile(path, o);
}

std::vector<std::uint8_t> makeThumbnailJpeg(const std::string& path, int size) {
    vision::DecodeOptions o;
    o.targetShortSide = size;
    o.applyExifOrientation = true;
    vision::Image img = vision::decodeImageFile(path, o);
    return vision::encodeJpeg(vision::resizeToFit(img, size), 85);
}

}  // namespace lowclip::library
