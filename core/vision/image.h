#pragma once
// A decoded photo in memory: 8-bit RGB, row-major, no padding. Plain C++ so that every layer
// (and the UI) can pass images around without OpenCV or Torch headers.
#include <cstdint>
#include <vector>

namespace lowclip::vision {

struct Image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3 bytes
    bool empty() const { return width <= 0 || height <= 0; }
};

}  // namespace lowclip::vision
