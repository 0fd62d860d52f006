#pragma once
// Photo decoding: JPEG, PNG, WebP, TIFF and BMP through OpenCV, HEIF/HEIC (and AVIF) through libheif.
//
// * The format is sniffed from the content (magic bytes), never from the file name.
// * The pixel dimensions are read from the file's own header BEFORE anything is decoded, and files
//   above DecodeOptions::maxPixels are refused, so a small "decompression bomb" never allocates.
// * EXIF orientation (JPEG APP1, TIFF IFD0, PNG eXIf, WebP EXIF) is applied here, once: OpenCV is
//   always called with IMREAD_IGNORE_ORIENTATION / IMREAD_UNCHANGED so that it never rotates on its
//   own. HEIF carries its rotation/mirroring in 'irot'/'imir' boxes, which libheif applies; its EXIF
//   orientation is informative only and is not applied a second time.
// * Output is always 8-bit RGB: grayscale is replicated, 16-bit and float samples are scaled to 8
//   bits (16-bit: v / 257, rounded), CMYK JPEGs are converted by libjpeg/OpenCV (Adobe inverted CMYK),
//   and an alpha channel is COMPOSITED ONTO WHITE (a transparent logo stays readable; dropping
//   alpha would show whatever colour the encoder left under transparent pixels, often black).
// * Every failure is a DecodeError naming the file and the reason; nothing crashes on bad input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/vision/image.h"

namespace lowclip::vision {

struct DecodeOptions {
    // When > 0, large JPEGs are decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, much faster),
    // choosing the largest reduction whose shorter side stays >= targetShortSide. Other formats are
    // decoded at full size. The result's shorter side is therefore >= targetShortSide whenever the
    // photo's own shorter side is.
    int targetShortSide = 0;
    // Refuse images with more pixels than this (width * height from the header, checked before decoding).
    std::int64_t maxPixels = 200'000'000;
    // Apply the EXIF orientation (and HEIF irot/imir transformations) so that the image is upright.
    bool applyExifOrientation = true;
    // A progressive JPEG decoded at 1/8 scale skips its luma AC scans (at that scale libjpeg reads only
    // their DC coefficients, so the pixels are identical and the decode several times faster).
    bool progressiveDcShortcut = true;
};

// The stream of a progressive (Huffman) JPEG without the AC scans of its full-resolution components
// (luma): headers, tables, DC scans and the scans of subsampled components, then EOI. Empty when
// `data` is not a complete progressive JPEG or has nothing to drop. Decoded at 1/8 scale it gives
// the same pixels as the whole file (the 1/8 inverse DCT of those components reads DC alone).
std::vector<std::uint8_t> progressiveJpegDcScans(const std::uint8_t* data, std::size_t size);

class DecodeError : public lowclip::Error {
public:
    using Error::Error;
};

// "jpeg", "png", "webp", "tiff", "bmp", "heif" (HEIC, HEIF, AVIF brands) or "" when unknown.
std::string sniffImageFormat(const std::uint8_t* data, std::size_t size);

// What the header says, without decoding pixels. width/height are as stored (before orientation).
struct ImageHeader {
    std::string format;   // as sniffImageFormat
    std::int64_t width = 0;
    std::int64_t height = 0;
    int orientation = 1;  // EXIF orientation 1..8 (1 when absent or for HEIF)
};
// Throws DecodeError when the data is empty, not an image or the header is truncated/corrupt.
ImageHeader probeImageHeader(const std::uint8_t* data, std::size_t size, const std::string& nameForErrors = "");

Image decodeImageFile(const std::string& path, const DecodeOptions& options = {});
Image decodeImageMemory(const std::uint8_t* data, std::size_t size, const DecodeOptions& options = {},
                        const std::string& nameForErrors = "");

// Reads a whole file into memory; DecodeError (naming the file) when it cannot be read.
std::string readFileBytes(const std::string& path);

// Applies EXIF orientation `orientation` (1..8; others are ignored) to an RGB image.
Image applyOrientation(const Image& image, int orientation);

}  // namespace lowclip::vision
