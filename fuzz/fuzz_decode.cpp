// libFuzzer target for image decoding from memory (probe, limits, OpenCV and libheif) and the
// metadata reader: any input must either decode or raise lowclip::Error (DecodeError).
#include <cstdint>

#include "core/error.h"
#include "core/vision/decode.h"
#include "core/vision/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lowclip::vision::DecodeOptions options;
    options.maxPixels = 4'000'000;  // keeps each run fast; the limit logic is the same
    try {
        auto image = lowclip::vision::decodeImageMemory(data, size, options, "fuzz");
        if (image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3) __builtin_trap();
    } catch (const lowclip::Error&) {
    }
    options.targetShortSide = 8;  // the reduced JPEG paths, DC-only progressive shortcut included
    try {
        lowclip::vision::decodeImageMemory(data, size, options, "fuzz");
    } catch (const lowclip::Error&) {
    }
    try {
        lowclip::vision::readPhotoMetadataMemory(data, size, "fuzz");
    } catch (const lowclip::Error&) {
    }
    return 0;
}
