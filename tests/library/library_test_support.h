#pragma once
// Helpers for core/library tests: a deterministic colour Embedder, image writers (OpenCV), EXIF.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/library/fs_util.h"
#include "core/train/embedder.h"

namespace lowclip::library::testsupport {

// f(colour) in 8 dimensions: images map their mean colour, texts map colour words, so a text
// query for a colour finds the photos of that colour.
inline std::vector<float> colourFeature(double r, double g, double b) {
    return {float(r), float(g), float(b), float(r - g), float(g - b), float(b - r), float((r + g + b) / 3), 0.05f};
}

class ColourEmbedder : public train::Embedder {
public:
    explicit ColourEmbedder(std::string id = "colour-v1", int delayMsPerBatch = 0) : id_(std::move(id)), delay_(delayMsPerBatch) {}
    int dim() const override { return 8; }
    std::string modelId() const override { return id_; }
    int imageSize() const override { return 32; }
    std::vector<float> encodeImages(const std::vector<vision::Image>& images) override {
        if (delay_) std::this_thread::sleep_for(std::chrono::milliseconds(delay_));
        ++batches;
        largestBatch = std::max(largestBatch, images.size());
        std::vector<float> out;
        for (const auto& im : images) {
            double s[3] = {0, 0, 0};
            std::size_t n = static_cast<std::size_t>(im.width) * im.height;
            for (std::size_t i = 0; i < n; ++i)
                for (int c = 0; c < 3; ++c) s[c] += im.rgb[i * 3 + c];
            auto f = colourFeature(s[0] / n / 255.0, s[1] / n / 255.0, s[2] / n / 255.0);
            normalise(f);
            out.insert(out.end(), f.begin(), f.end());
        }
        return out;
    }
    std::vector<float> encodeTexts(const std::vector<std::string>& texts) override {
        std::vector<float> out;
        for (const auto& t : texts) {
            std::vector<float> f;
            if (t.find("qırmızı") != std::string::npos) f = colourFeature(1, 0, 0);
            else if (t.find("yaşıl") != std::string::npos) f = colourFeature(0, 1, 0);
            else if (t.find("mavi") != std::string::npos) f = colourFeature(0, 0, 1);
            else f = colourFeature(0.5, 0.5, 0.5);
            normalise(f);
            out.insert(out.end(), f.begin(), f.end());
        }
        return out;
    }
    int preferredImageBatch() const override { return preferred; }
    bool imagesOnCpu() const override { return onCpu; }
    void setImageThreads(int threads) override { imageThreads.push_back(threads); }
    int batches = 0;
    std::size_t largestBatch = 0;
    int preferred = 0;              // what preferredImageBatch() answers
    bool onCpu = false;             // what imagesOnCpu() answers
    std::vector<int> imageThreads;  // every setImageThreads call

private:
    static void normalise(std::vector<float>& f) {
        double s = 0;
        for (float x : f) s += double(x) * x;
        for (float& x : f) x = float(x / std::sqrt(s));
    }
    std::string id_;
    int delay_;
};

// Writes a w x h image of one colour (RGB 0..255) with a little texture; format from the extension.
inline void writeImage(const std::string& path, int r, int g, int b, int w = 48, int h = 40) {
    cv::Mat m(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            int t = ((x / 8 + y / 8) % 2) * 6;
            m.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(b + t), cv::saturate_cast<uchar>(g + t), cv::saturate_cast<uchar>(r + t));
        }
    std::vector<uchar> buf;
    std::string ext = path.substr(path.find_last_of('.'));
    // Encode by the given type even when the name lies (".jpg" holding PNG is written by writeImageAs).
    if (!cv::imencode(ext, m, buf)) throw std::runtime_error("imencode failed for " + path);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
}

inline std::vector<std::uint8_t> encodeImage(const std::string& ext, int r, int g, int b, int w = 48, int h = 40) {
    cv::Mat m(h, w, CV_8UC3, cv::Scalar(b, g, r));
    std::vector<uchar> buf;
    cv::imencode(ext, m, buf);
    return buf;
}

inline void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
inline void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    writeBytes(path, std::string(bytes.begin(), bytes.end()));
}
inline std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A JPEG with an EXIF APP1 segment carrying Make, Model and DateTimeOriginal.
inline std::vector<std::uint8_t> jpegWithExif(int r, int g, int b, const std::string& make, const std::string& model,
                                              const std::string& dateExif /* "YYYY:MM:DD HH:MM:SS" */) {
    auto jpeg = encodeImage(".jpg", r, g, b);
    std::string t = "II";
    auto u16 = [&](unsigned v) { t.push_back(char(v & 0xFF)); t.push_back(char(v >> 8)); };
    auto u32 = [&](std::uint32_t v) { for (int i = 0; i < 4; ++i) t.push_back(char((v >> (8 * i)) & 0xFF)); };
    std::string mk = make + '\0', md = model + '\0', dt = dateExif + '\0';
    while (mk.size() < 5) mk += '\0';
    while (md.size() < 5) md += '\0';
    const std::uint32_t ifd0 = 8, ifd0Size = 2 + 3 * 12 + 4;
    const std::uint32_t makeOff = ifd0 + ifd0Size, modelOff = makeOff + std::uint32_t(mk.size());
    const std::uint32_t exifIfd = modelOff + std::uint32_t(md.size()), exifIfdSize = 2 + 12 + 4;
    const std::uint32_t dateOff = exifIfd + exifIfdSize;
    u16(42); u32(ifd0);
    u16(3);
    u16(0x010F); u16(2); u32(std::uint32_t(mk.size())); u32(makeOff);
    u16(0x0110); u16(2); u32(std::uint32_t(md.size())); u32(modelOff);
    u16(0x8769); u16(4); u32(1); u32(exifIfd);
    u32(0);
    t += mk;
    t += md;
    u16(1);
    u16(0x9003); u16(2); u32(std::uint32_t(dt.size())); u32(dateOff);
    u32(0);
    t += dt;
    std::string app1 = std::string("Exif\0\0", 6) + t;
    std::size_t len = app1.size() + 2;
    std::string bytes = "\xFF\xD8\xFF\xE1";
    bytes.push_back(char(len >> 8));
    bytes.push_back(char(len & 0xFF));
    bytes += app1;
    bytes.append(reinterpret_cast<const char*>(jpeg.data()) + 2, jpeg.size() - 2);
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace lowclip::library::testsupport
