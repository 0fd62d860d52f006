#include "core/vision/encode.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/util/atomic_file.h"
#include "core/vision/mat_bridge.h"

namespace lowclip::vision {
namespace {

bool validImage(const Image& image) {
    return !image.empty() && image.rgb.size() == static_cast<std::size_t>(image.width) * image.height * 3;
}

std::vector<std::uint8_t> encodeAs(const Image& image, const std::string& ext, const std::vector<int>& params) {
    if (!validImage(image)) throw Error("cannot encode an empty image (or one whose pixel buffer does not match its size)");
    cv::Mat bgr;
    cv::cvtColor(detail::view(image), bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> out;
    if (!cv::imencode(ext, bgr, out, params)) throw Error("could not encode the image as " + ext);
    return out;
}

}  // namespace

std::vector<std::uint8_t> encodeJpeg(const Image& image, int quality) {
    return encodeAs(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, std::clamp(quality, 1, 100)});
}

std::vector<std::uint8_t> encodePng(const Image& image) { return encodeAs(image, ".png", {cv::IMWRITE_PNG_COMPRESSION, 3}); }

bool saveImage(const Image& image, const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<std::uint8_t> bytes;
    try {
        if (ext == ".jpg" || ext == ".jpeg") {
            bytes = encodeJpeg(image, 92);
        } else if (ext == ".png") {
            bytes = encodePng(image);
        } else if (ext == ".bmp" || ext == ".tif" || ext == ".tiff" || ext == ".webp") {
            bytes = encodeAs(image, ext, {});
        } else {
            return false;
        }
    } catch (const std::exception&) {
        return false;
    }
    // A reader never sees a half-written file, and a failed write leaves the old one.
    try {
        util::writeFileAtomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const Error&) {
        return false;
    }
    return true;
}

}  // namespace lowclip::vision
