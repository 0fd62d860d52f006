#pragma once
// Internal to core/vision: views between lowclip::vision::Image (RGB8) and cv::Mat. Not for other layers.
#include <opencv2/core.hpp>

#include "core/vision/image.h"

namespace lowclip::vision::detail {

// A cv::Mat (CV_8UC3, RGB order) sharing the image's pixels; valid while `image` lives unchanged.
inline cv::Mat view(const Image& image) {
    return cv::Mat(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.rgb.data()));
}

// Copies a CV_8UC3 RGB mat (any step) into an Image.
inline Image toImage(const cv::Mat& rgb) {
    CV_Assert(rgb.type() == CV_8UC3);
    Image out;
    out.width = rgb.cols;
    out.height = rgb.rows;
    out.rgb.resize(static_cast<std::size_t>(rgb.cols) * rgb.rows * 3);
    cv::Mat dst(rgb.rows, rgb.cols, CV_8UC3, out.rgb.data());
    rgb.copyTo(dst);
    return out;
}

// An empty Image of the given size whose pixels a cv::Mat header can write into.
inline Image allocate(int width, int height) {
    Image out;
    out.width = width;
    out.height = height;
    out.rgb.resize(static_cast<std::size_t>(width) * height * 3);
    return out;
}

}  // namespace lowclip::vision::detail
