#pragma once
// Photo metadata for the catalog: size, format, date taken, camera, GPS position, orientation.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace lowclip::vision {

struct PhotoMetadata {
    // Size as displayed, i.e. after the orientation is applied: the size decodeImageFile() returns
    // at full scale (a portrait photo stored as 4000x3000 with orientation 6 reports 3000x4000).
    int width = 0, height = 0;
    std::string format;     // as sniffImageFormat(): "jpeg", "png", "webp", "tiff", "bmp", "heif"
    std::string dateTaken;  // "YYYY-MM-DDTHH:MM:SS" (EXIF DateTimeOriginal, else DateTimeDigitized, else DateTime) or ""
    std::string cameraMake, cameraModel;
    std::optional<double> latitude, longitude;  // decimal degrees, south and west negative
    // The orientation decodeImageFile() applies (EXIF 1..8). HEIF photos report 1: their rotation is
    // in the container and already reflected in width/height.
    int orientation = 1;
};

// Reads the header and EXIF of a photo with exiv2. Never throws for missing or broken EXIF (the
// fields stay empty); throws DecodeError when the file cannot be read, is empty, is not a supported
// image, or its header is truncated or corrupt.
PhotoMetadata readPhotoMetadata(const std::string& path);
// The same for a file already in memory; `nameForErrors` names it in messages.
PhotoMetadata readPhotoMetadataMemory(const std::uint8_t* data, std::size_t size, const std::string& nameForErrors = "");

}  // namespace lowclip::vision
