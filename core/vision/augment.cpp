#include "core/vision/augment.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/vision/mat_bridge.h"
#include "core/vision/preprocess.h"

namespace lowclip::vision {
namespace {

// Our own distributions on top of the raw 64-bit generator: std::uniform_real_distribution and
// std::normal_distribution are implementation-defined, and the bytes must not depend on the library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
double uniform(std::mt19937_64& rng, double lo, double hi) { return lo + (hi - lo) * uniform01(rng); }
int uniformInt(std::mt19937_64& rng, int lo, int hi) {  // inclusive
    int v = lo + static_cast<int>(std::floor(uniform01(rng) * (hi - lo + 1)));
    return std::min(v, hi);
}
bool gate(std::mt19937_64& rng, float p) { return uniform01(rng) < p; }  // always consumes one draw

struct Gaussian {
    double next(std::mt19937_64& rng) {
        if (haveSpare) {
            haveSpare = false;
            return spare;
        }
        const double u1 = 1.0 - uniform01(rng);  // (0, 1]
        const double u2 = uniform01(rng);
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare = r * std::sin(2.0 * M_PI * u2);
        haveSpare = true;
        return r * std::cos(2.0 * M_PI * u2);
    }
    bool haveSpare = false;
    double spare = 0.0;
};

void checkProbability(float p, const char* name) {
    if (!(p >= 0.0f && p <= 1.0f)) throw Error(std::string("augment: probability ") + name + " must be in [0, 1]");
}
void checkRange(const std::array<float, 2>& r, const char* name, float min) {
    if (!(r[0] >= min && r[1] >= r[0])) throw Error(std::string("augment: invalid range ") + name);
}

Image randomResizedCrop(const Image& image, const AugmentConfig& c, std::mt19937_64& rng) {
    const int W = image.width, H = image.height;
    const double area = double(W) * H;
    int cw = 0, ch = 0, x = 0, y = 0;
    bool found = false;
    for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        const double target = area * uniform(rng, c.cropScale[0], c.cropScale[1]);
        const double ratio = std::exp(uniform(rng, std::log(c.cropRatio[0]), std::log(c.cropRatio[1])));
        cw = static_cast<int>(std::lround(std::sqrt(target * ratio)));
        ch = static_cast<int>(std::lround(std::sqrt(target / ratio)));
        if (cw > 0 && ch > 0 && cw <= W && ch <= H) {
            y = uniformInt(rng, 0, H - ch);
            x = uniformInt(rng, 0, W - cw);
            found = true;
        }
    }
    if (!found) {  // centre crop at the nearest allowed aspect ratio
        const double inRatio = double(W) / H;
        if (inRatio < c.cropRatio[0]) {
            cw = W;
            ch = std::max(1, static_cast<int>(std::lround(W / c.cropRatio[0])));
        } else if (inRatio > c.cropRatio[1]) {
            ch = H;
            cw = std::max(1, static_cast<int>(std::lround(H * c.cropRatio[1])));
        } else {
            cw = W;
            ch = H;
        }
        cw = std::min(cw, W);
        ch = std::min(ch, H);
        x = (W - cw) / 2;
        y = (H - ch) / 2;
    }
    const Image crop = detail::toImage(detail::view(image)(cv::Rect(x, y, cw, ch)));
    return resizeImage(crop, c.outputSize, c.outputSize, c.interpolation);
}

void colorJitter(cv::Mat& rgb8, const AugmentConfig& c, std::mt19937_64& rng) {
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(order[i], order[uniformInt(rng, 0, i)]);
    const double b = uniform(rng, std::max(0.0f, 1.0f - c.brightness), 1.0f + c.brightness);
    const double k = uniform(rng, std::max(0.0f, 1.0f - c.contrast), 1.0f + c.contrast);
    const double s = uniform(rng, std::max(0.0f, 1.0f - c.saturation), 1.0f + c.saturation);
    const double h = uniform(rng, -c.hue, c.hue);
    cv::Mat f;
    rgb8.convertTo(f, CV_32FC3, 1.0 / 255.0);
    auto clamp01 = [](cv::Mat& m) { cv::min(cv::max(m, 0.0), 1.0, m); };
    auto gray = [](const cv::Mat& m) {
        cv::Mat g;
        cv::transform(m, g, cv::Matx13f(0.299f, 0.587f, 0.114f));
        return g;
    };
    for (int op : order) {
        switch (op) {
            case 0:
                if (c.brightness > 0) {
                    f *= b;
                    clamp01(f);
                }
                break;
            case 1:
                if (c.contrast > 0) {
                    const double mean = cv::mean(gray(f))[0];
                    f = f * k + cv::Scalar::all((1.0 - k) * mean);
                    clamp01(f);
                }
                break;
            case 2:
                if (c.saturation > 0) {
                    cv::Mat g3;
                    cv::cvtColor(gray(f), g3, cv::COLOR_GRAY2RGB);
                    cv::addWeighted(f, s, g3, 1.0 - s, 0.0, f);
                    clamp01(f);
                }
                break;
            case 3:
                if (c.hue > 0) {
                    cv::Mat hsv;
                    cv::cvtColor(f, hsv, cv::COLOR_RGB2HSV);  // float: H in [0, 360)
                    const float shift = static_cast<float>(h * 360.0);
                    for (int y = 0; y < hsv.rows; ++y) {
                        cv::Vec3f* p = hsv.ptr<cv::Vec3f>(y);
                        for (int x = 0; x < hsv.cols; ++x) {
                            float v = std::fmod(p[x][0] + shift, 360.0f);
                            p[x][0] = v < 0 ? v + 360.0f : v;
                        }
                    }
                    cv::cvtColor(hsv, f, cv::COLOR_HSV2RGB);
                    clamp01(f);
                }
                break;
        }
    }
    f.convertTo(rgb8, CV_8UC3, 255.0);
}

}  // namespace

AugmentConfig AugmentConfig::none() {
    AugmentConfig c;
    c.randomResizedCrop = c.hflip = c.vflip = c.rotate90 = c.shiftScaleRotate = c.perspective = c.blur =
        c.gaussNoise = c.colorJitter = 0.0f;
    return c;
}

Augmenter::Augmenter(AugmentConfig config) : config_(std::move(config)) {
    const AugmentConfig& c = config_;
    if (c.outputSize <= 0) throw Error("augment: outputSize must be positive");
    checkProbability(c.randomResizedCrop, "randomResizedCrop");
    checkProbability(c.hflip, "hflip");
    checkProbability(c.vflip, "vflip");
    checkProbability(c.rotate90, "rotate90");
    checkProbability(c.shiftScaleRotate, "shiftScaleRotate");
    checkProbability(c.perspective, "perspective");
    checkProbability(c.blur, "blur");
    checkProbability(c.gaussNoise, "gaussNoise");
    checkProbability(c.colorJitter, "colorJitter");
    checkRange(c.cropScale, "cropScale", 1e-6f);
    if (c.cropScale[1] > 1.0f) throw Error("augment: cropScale must be within (0, 1]");
    checkRange(c.cropRatio, "cropRatio", 1e-6f);
    checkRange(c.perspectiveScale, "perspectiveScale", 0.0f);
    checkRange(c.noiseVariance, "noiseVariance", 0.0f);
    if (c.blurLimit < 3) throw Error("augment: blurLimit must be at least 3");
    if (c.shiftLimit < 0 || c.scaleLimit < 0 || c.scaleLimit >= 1 || c.rotateLimit < 0)
        throw Error("augment: shift/scale/rotate limits must be >= 0 (scaleLimit < 1)");
    if (c.brightness < 0 || c.contrast < 0 || c.saturation < 0 || c.hue < 0 || c.hue > 0.5f)
        throw Error("augment: colour jitter amounts must be >= 0 (hue <= 0.5)");
    PreprocessSpec probe;
    probe.interpolation = c.interpolation;
    probe.imageSize = 1;
    Image one;
    one.width = one.height = 1;
    one.rgb = {0, 0, 0};
    resizeAndCenterCrop(one, probe);  // throws for an unknown interpolation name
}

Image Augmenter::apply(const Image& image, std::mt19937_64& rng) const {
    const AugmentConfig& c = config_;
    if (image.empty() || image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw Error("augment: the image is empty or its pixel buffer does not match its size");
    const int S = c.outputSize;

    Image base;
    if (gate(rng, c.randomResizedCrop)) {
        base = randomResizedCrop(image, c, rng);
    } else {
        PreprocessSpec spec;
        spec.imageSize = S;
        spec.interpolation = c.interpolation;
        base = resizeAndCenterCrop(image, spec);
    }
    cv::Mat m = detail::view(base).clone();
    cv::Mat t;

    if (gate(rng, c.hflip)) {
        cv::flip(m, t, 1);
        std::swap(m, t);
    }
    if (gate(rng, c.vflip)) {
        cv::flip(m, t, 0);
        std::swap(m, t);
    }
    if (gate(rng, c.rotate90)) {
        const int k = uniformInt(rng, 1, 3);
        cv::rotate(m, t, k == 1 ? cv::ROTATE_90_CLOCKWISE : k == 2 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE);
        std::swap(m, t);
    }
    if (gate(rng, c.shiftScaleRotate)) {
        const double angle = uniform(rng, -c.rotateLimit, c.rotateLimit);
        const double scale = uniform(rng, 1.0 - c.scaleLimit, 1.0 + c.scaleLimit);
        const double dx = uniform(rng, -c.shiftLimit, c.shiftLimit);
        const double dy = uniform(rng, -c.shiftLimit, c.shiftLimit);
        cv::Mat M = cv::getRotationMatrix2D(cv::Point2f((S - 1) * 0.5f, (S - 1) * 0.5f), angle, scale);
        M.at<double>(0, 2) += dx * S;
        M.at<double>(1, 2) += dy * S;
        cv::warpAffine(m, t, M, m.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
        std::swap(m, t);
    }
    if (gate(rng, c.perspective)) {
        const double sigma = uniform(rng, c.perspectiveScale[0], c.perspectiveScale[1]);
        Gaussian g;
        float a[8];
        for (float& v : a) v = static_cast<float>(std::min(std::fmod(std::fabs(g.next(rng) * sigma), 1.0), 0.45));
        const float e = static_cast<float>(S - 1);
        const cv::Point2f src[4] = {{a[0] * e, a[1] * e},
                                    {e - a[2] * e, a[3] * e},
                                    {e - a[4] * e, e - a[5] * e},
                                    {a[6] * e, e - a[7] * e}};
        const cv::Point2f dst[4] = {{0, 0}, {e, 0}, {e, e}, {0, e}};
        const cv::Mat M = cv::getPerspectiveTransform(src, dst);
        cv::warpPerspective(m, t, M, m.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        std::swap(m, t);
    }
    if (gate(rng, c.blur)) {
        const int k = 3 + 2 * uniformInt(rng, 0, (c.blurLimit - 3) / 2);
        cv::blur(m, t, cv::Size(k, k), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
        std::swap(m, t);
    }
    if (gate(rng, c.gaussNoise)) {
        const double sigma = std::sqrt(uniform(rng, c.noiseVariance[0], c.noiseVariance[1]));
        Gaussian g;
        for (int y = 0; y < m.rows; ++y) {
            std::uint8_t* p = m.ptr<std::uint8_t>(y);
            for (int i = 0; i < m.cols * 3; ++i) {
                const double v = p[i] + sigma * g.next(rng);
                p[i] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
            }
        }
    }
    if (gate(rng, c.colorJitter)) colorJitter(m, c, rng);
    return detail::toImage(m);
}

}  // namespace lowclip::vision
