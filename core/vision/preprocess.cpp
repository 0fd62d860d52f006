#include "core/vision/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/vision/mat_bridge.h"

namespace lowclip::vision {
namespace {

enum class Filter { Nearest, Box, Bilinear, Bicubic, Lanczos };

Filter parseFilter(const std::string& name) {
    if (name == "bilinear" || name == "linear") return Filter::Bilinear;
    if (name == "bicubic" || name == "cubic") return Filter::Bicubic;
    if (name == "lanczos") return Filter::Lanczos;
    if (name == "box" || name == "area") return Filter::Box;
    if (name == "nearest") return Filter::Nearest;
    throw Error("unknown interpolation \"" + name + "\" (use bilinear, bicubic, lanczos, box, area or nearest)");
}

double filterSupport(Filter f) {
    switch (f) {
        case Filter::Box:
            return 0.5;
        case Filter::Bilinear:
            return 1.0;
        case Filter::Bicubic:
            return 2.0;
        case Filter::Lanczos:
            return 3.0;
        case Filter::Nearest:
            break;
    }
    return 0.0;
}

double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return std::sin(x) / x;
}

double filterKernel(Filter f, double x) {
    switch (f) {
        case Filter::Box:
            return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
        case Filter::Bilinear:
            x = std::fabs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        case Filter::Bicubic: {
            constexpr double a = -0.5;
            x = std::fabs(x);
            if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
            if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
            return 0.0;
        }
        case Filter::Lanczos:
            x = std::fabs(x);
            return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
        case Filter::Nearest:
            break;
    }
    return 0.0;
}

// For output positions [outFirst, outFirst + outCount) of a 1-D resize inSize -> outSize: the first
// contributing input index, the number of taps and their normalised weights (stride `maxTaps`).
struct Taps {
    int maxTaps = 1;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<float> weights;
};

Taps makeTaps(int inSize, int outSize, int outFirst, int outCount, Filter filter) {
    Taps t;
    t.first.resize(outCount);
    t.count.resize(outCount);
    const double scale = double(inSize) / double(outSize);
    if (filter == Filter::Nearest) {
        t.weights.assign(outCount, 1.0f);
        for (int i = 0; i < outCount; ++i) {
            int x = static_cast<int>(std::floor((outFirst + i + 0.5) * scale));
            t.first[i] = std::clamp(x, 0, inSize - 1);
            t.count[i] = 1;
        }
        return t;
    }
    const double filterScale = std::max(scale, 1.0);
    const double support = filterSupport(filter) * filterScale;
    t.maxTaps = static_cast<int>(std::ceil(support)) * 2 + 1;
    t.weights.assign(static_cast<std::size_t>(outCount) * t.maxTaps, 0.0f);
    std::vector<double> w(t.maxTaps);
    for (int i = 0; i < outCount; ++i) {
        const double center = (outFirst + i + 0.5) * scale;
        int lo = std::max(static_cast<int>(center - support + 0.5), 0);
        int hi = std::min(static_cast<int>(center + support + 0.5), inSize);
        int n = std::min(std::max(hi - lo, 1), t.maxTaps);
        lo = std::min(lo, inSize - 1);
        n = std::min(n, inSize - lo);
        double sum = 0.0;
        for (int k = 0; k < n; ++k) {
            w[k] = filterKernel(filter, (lo + k - center + 0.5) / filterScale);
            sum += w[k];
        }
        t.first[i] = lo;
        t.count[i] = n;
        float* dst = &t.weights[static_cast<std::size_t>(i) * t.maxTaps];
        for (int k = 0; k < n; ++k) dst[k] = static_cast<float>(sum != 0.0 ? w[k] / sum : (k == 0 ? 1.0 : 0.0));
    }
    return t;
}

// The crop [left, left + cropW) x [top, top + cropH) of `image` resized to outW x outH, as HWC floats
// in 0..255 (clamped).
std::vector<float> resampleCrop(const Image& image, int outW, int outH, int left, int top, int cropW, int cropH,
                                Filter filter) {
    const int inW = image.width, inH = image.height;
    std::vector<float> out(static_cast<std::size_t>(cropW) * cropH * 3);
    if (outW == inW && outH == inH) {  // every filter is the identity at scale 1
        for (int y = 0; y < cropH; ++y) {
            const std::uint8_t* s = image.rgb.data() + (static_cast<std::size_t>(top + y) * inW + left) * 3;
            float* d = out.data() + static_cast<std::size_t>(y) * cropW * 3;
            for (int i = 0; i < cropW * 3; ++i) d[i] = s[i];
        }
        return out;
    }
    const Taps tx = makeTaps(inW, outW, left, cropW, filter);
    const Taps ty = makeTaps(inH, outH, top, cropH, filter);
    int rowFirst = inH, rowEnd = 0;
    for (int y = 0; y < cropH; ++y) {
        rowFirst = std::min(rowFirst, ty.first[y]);
        rowEnd = std::max(rowEnd, ty.first[y] + ty.count[y]);
    }
    // Horizontal pass over the rows the vertical pass needs.
    const int rows = rowEnd - rowFirst;
    std::vector<float> mid(static_cast<std::size_t>(rows) * cropW * 3);
    for (int r = 0; r < rows; ++r) {
        const std::uint8_t* s = image.rgb.data() + static_cast<std::size_t>(rowFirst + r) * inW * 3;
        float* d = mid.data() + static_cast<std::size_t>(r) * cropW * 3;
        for (int x = 0; x < cropW; ++x) {
            const float* w = &tx.weights[static_cast<std::size_t>(x) * tx.maxTaps];
            const std::uint8_t* p = s + static_cast<std::size_t>(tx.first[x]) * 3;
            float a0 = 0, a1 = 0, a2 = 0;
            for (int k = 0, n = tx.count[x]; k < n; ++k, p += 3) {
                a0 += w[k] * p[0];
                a1 += w[k] * p[1];
                a2 += w[k] * p[2];
            }
            // Clamped like PIL's 8-bit intermediate (matters for the overshooting cubic/Lanczos kernels).
            d[3 * x] = std::clamp(a0, 0.0f, 255.0f);
            d[3 * x + 1] = std::clamp(a1, 0.0f, 255.0f);
            d[3 * x + 2] = std::clamp(a2, 0.0f, 255.0f);
        }
    }
    // Vertical pass.
    const std::size_t rowLen = static_cast<std::size_t>(cropW) * 3;
    for (int y = 0; y < cropH; ++y) {
        float* d = out.data() + static_cast<std::size_t>(y) * rowLen;
        const float* w = &ty.weights[static_cast<std::size_t>(y) * ty.maxTaps];
        for (int k = 0, n = ty.count[y]; k < n; ++k) {
            const float* s = mid.data() + static_cast<std::size_t>(ty.first[y] + k - rowFirst) * rowLen;
            const float wk = w[k];
            for (std::size_t i = 0; i < rowLen; ++i) d[i] += wk * s[i];
        }
        for (std::size_t i = 0; i < rowLen; ++i) d[i] = std::clamp(d[i], 0.0f, 255.0f);
    }
    return out;
}

struct CropPlan {
    int resizedW, resizedH, left, top, size;
};

CropPlan planCrop(const Image& image, const PreprocessSpec& spec) {
    if (image.empty() || image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw Error("preprocess: the image is empty or its pixel buffer does not match its size");
    if (spec.imageSize <= 0) throw Error("preprocess: imageSize must be positive");
    const int resize = spec.resizeSize > 0 ? spec.resizeSize : spec.imageSize;
    if (resize < spec.imageSize)
        throw Error("preprocess: resizeSize (" + std::to_string(resize) + ") is smaller than imageSize (" +
                    std::to_string(spec.imageSize) + ")");
    CropPlan p{};
    // torchvision Resize(int): the shorter side becomes `resize`, the longer one int(resize * long / short).
    if (image.width <= image.height) {
        p.resizedW = resize;
        p.resizedH = static_cast<int>(static_cast<std::int64_t>(resize) * image.height / image.width);
    } else {
        p.resizedH = resize;
        p.resizedW = static_cast<int>(static_cast<std::int64_t>(resize) * image.width / image.height);
    }
    p.size = spec.imageSize;
    // CenterCrop: int(round((W - size) / 2.0)) with Python's round (ties to even) = nearbyint.
    p.left = static_cast<int>(std::nearbyint((p.resizedW - p.size) / 2.0));
    p.top = static_cast<int>(std::nearbyint((p.resizedH - p.size) / 2.0));
    return p;
}

}  // namespace

void preprocessInto(const Image& image, const PreprocessSpec& spec, float* chwOut) {
    for (int c = 0; c < 3; ++c)
        if (!(spec.std[c] > 0.0f)) throw Error("preprocess: std values must be positive");
    const Filter filter = parseFilter(spec.interpolation);
    const CropPlan p = planCrop(image, spec);
    const std::vector<float> hwc = resampleCrop(image, p.resizedW, p.resizedH, p.left, p.top, p.size, p.size, filter);
    const std::size_t plane = static_cast<std::size_t>(p.size) * p.size;
    for (int c = 0; c < 3; ++c) {
        const float scale = 1.0f / (255.0f * spec.std[c]);
        const float shift = spec.mean[c] / spec.std[c];
        float* dst = chwOut + c * plane;
        const float* src = hwc.data() + c;
        for (std::size_t i = 0; i < plane; ++i) dst[i] = src[3 * i] * scale - shift;
    }
}

std::vector<float> preprocess(const Image& image, const PreprocessSpec& spec) {
    std::vector<float> out(3 * static_cast<std::size_t>(std::max(spec.imageSize, 0)) * std::max(spec.imageSize, 0));
    preprocessInto(image, spec, out.data());
    return out;
}

Image resizeAndCenterCrop(const Image& image, const PreprocessSpec& spec) {
    const Filter filter = parseFilter(spec.interpolation);
    const CropPlan p = planCrop(image, spec);
    const std::vector<float> hwc = resampleCrop(image, p.resizedW, p.resizedH, p.left, p.top, p.size, p.size, filter);
    Image out = detail::allocate(p.size, p.size);
    for (std::size_t i = 0; i < hwc.size(); ++i) out.rgb[i] = static_cast<std::uint8_t>(std::lround(hwc[i]));
    return out;
}

Image resizeImage(const Image& image, int width, int height, const std::string& interpolation) {
    const Filter filter = parseFilter(interpolation);
    if (image.empty() || image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw Error("resizeImage: the image is empty or its pixel buffer does not match its size");
    if (width <= 0 || height <= 0) throw Error("resizeImage: the target size must be positive");
    const std::vector<float> hwc = resampleCrop(image, width, height, 0, 0, width, height, filter);
    Image out = detail::allocate(width, height);
    for (std::size_t i = 0; i < hwc.size(); ++i) out.rgb[i] = static_cast<std::uint8_t>(std::lround(hwc[i]));
    return out;
}

Image resizeToFit(const Image& image, int maxSide) {
    if (maxSide <= 0) throw Error("resizeToFit: maxSide must be positive");
    if (image.empty()) throw Error("resizeToFit: the image is empty");
    const int longer = std::max(image.width, image.height);
    if (longer <= maxSide) return image;
    const double scale = double(maxSide) / longer;
    const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
    Image out = detail::allocate(w, h);
    cv::Mat dst(h, w, CV_8UC3, out.rgb.data());
    cv::resize(detail::view(image), dst, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    return out;
}

}  // namespace lowclip::vision
