#pragma once
// Model-input preprocessing and resizing.
//
// preprocess() is torchvision's eval transform, done in one pass:
//   Resize(resizeSize)  (shorter side -> resizeSize, longer side -> int(resizeSize * long / short))
//   CenterCrop(imageSize) (offsets round((W - imageSize) / 2) with Python's round-half-to-even)
//   ToTensor + Normalize(mean, std)  -> CHW float32.
// Resampling follows PIL's antialiased filters (what torchvision uses on PIL images): a separable
// filter whose support widens with the downscale factor ("bilinear" = triangle, "bicubic" = cubic
// with a = -0.5, "lanczos" = Lanczos-3, "box"/"area" = box), weights normalised over the pixels
// inside the image; "nearest" picks the source pixel under each output centre. Only the pixels
// inside the crop are computed. Horizontal pass first, then vertical, the intermediate clamped to
// 0..255 as PIL's is; arithmetic is float where PIL rounds to 8 bits after each pass, so results
// agree with torchvision-on-PIL to within about one grey level.
#include <array>
#include <string>
#include <vector>

#include "core/vision/image.h"

namespace lowclip::vision {

struct PreprocessSpec {
    int imageSize = 224;
    int resizeSize = 0;  // shorter side before the centre crop; 0 = imageSize. Must be >= imageSize.
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    std::string interpolation = "bilinear";  // bilinear, bicubic, lanczos, box (= area), nearest
};

// Writes 3 * imageSize * imageSize floats, channel-major (R plane, G plane, B plane).
// Throws lowclip::Error for an empty image or an invalid spec.
void preprocessInto(const Image& image, const PreprocessSpec& spec, float* chwOut);
std::vector<float> preprocess(const Image& image, const PreprocessSpec& spec);

// The same resize + centre crop as preprocess(), returned as an 8-bit image (what the model sees).
Image resizeAndCenterCrop(const Image& image, const PreprocessSpec& spec);

// Resizes to exactly width x height with the given filter (see above).
Image resizeImage(const Image& image, int width, int height, const std::string& interpolation = "bilinear");

// Thumbnails: scales down (area interpolation) so that the longer side is at most maxSide, keeping
// the aspect ratio; an image already small enough is returned unchanged.
Image resizeToFit(const Image& image, int maxSide);

}  // namespace lowclip::vision
