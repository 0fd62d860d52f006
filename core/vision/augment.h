#pragma once
// Training-time image augmentation, seeded and reproducible: the same input, config and generator
// state give the same output bytes.
//
// The default is the LowCLIP paper's set (albumentations, p = 0.5 each): horizontal flip, vertical
// flip, rotation by a multiple of 90 degrees, shift-scale-rotate, perspective, blur and Gaussian
// noise. Random resized crop and colour jitter are available and off by default.
//
// Order: [random resized crop | shorter side -> outputSize + centre crop] -> hflip -> vflip ->
// rotate90 -> shift-scale-rotate -> perspective -> blur -> Gaussian noise -> colour jitter.
// Output: an outputSize x outputSize RGB image.
#include <array>
#include <random>
#include <string>

#include "core/vision/image.h"

namespace lowclip::vision {

struct AugmentConfig {
    int outputSize = 224;
    std::string interpolation = "bilinear";  // for the initial resize (see preprocess.h)

    // Random resized crop (torchvision semantics: area fraction `cropScale`, aspect ratio `cropRatio`
    // log-uniform, 10 tries then a centre crop). When it is not drawn: shorter side -> outputSize, centre crop.
    float randomResizedCrop = 0.0f;
    std::array<float, 2> cropScale{0.5f, 1.0f};
    std::array<float, 2> cropRatio{3.0f / 4.0f, 4.0f / 3.0f};

    float hflip = 0.5f;
    float vflip = 0.5f;
    float rotate90 = 0.5f;  // when drawn: 90, 180 or 270 degrees, uniformly

    // Shift by up to shiftLimit of the size, scale by 1 +- scaleLimit, rotate by +- rotateLimit degrees;
    // borders reflect (albumentations ShiftScaleRotate defaults).
    float shiftScaleRotate = 0.5f;
    float shiftLimit = 0.0625f;
    float scaleLimit = 0.1f;
    float rotateLimit = 45.0f;

    // Perspective: each corner moves inwards by |N(0, s)| of the size, s uniform in perspectiveScale;
    // the quadrilateral is stretched back to the full square (albumentations Perspective, keep_size).
    float perspective = 0.5f;
    std::array<float, 2> perspectiveScale{0.05f, 0.1f};

    // Box blur with an odd kernel size drawn from 3..blurLimit.
    float blur = 0.5f;
    int blurLimit = 7;

    // Additive Gaussian noise per pixel and channel, variance uniform in noiseVariance (8-bit units).
    float gaussNoise = 0.5f;
    std::array<float, 2> noiseVariance{10.0f, 50.0f};

    // Colour jitter (torchvision ColorJitter: factors uniform in [1 - x, 1 + x], hue shift in
    // [-hue, hue] turns, the four in random order).
    float colorJitter = 0.0f;
    float brightness = 0.4f;
    float contrast = 0.4f;
    float saturation = 0.4f;
    float hue = 0.1f;

    // Every random operation switched off: apply() only resizes and centre-crops.
    static AugmentConfig none();
};

class Augmenter {
public:
    // Throws lowclip::Error when a probability is outside [0, 1] or a range is invalid.
    Augmenter(AugmentConfig config = {});
    // Throws lowclip::Error for an empty image.
    Image apply(const Image& image, std::mt19937_64& rng) const;
    const AugmentConfig& config() const { return config_; }

private:
    AugmentConfig config_;
};

}  // namespace lowclip::vision
