#include "core/vision/metadata.h"

#include <cctype>
#include <cmath>
#include <mutex>

#include <exiv2/exiv2.hpp>

#include "core/vision/decode.h"

namespace lowclip::vision {
namespace {

void initialiseExiv2() {
    static std::once_flag once;
    std::call_once(once, [] {
        Exiv2::XmpParser::initialize();  // makes XMP parsing thread-safe
        Exiv2::enableBMFF(true);         // HEIF/AVIF containers
        // Exiv2 prints warnings about odd maker notes etc. on stderr; broken EXIF is not our user's
        // problem and missing fields are reported as empty values instead.
        Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    });
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\0' || std::isspace(static_cast<unsigned char>(s.back())))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

const Exiv2::Exifdatum* find(const Exiv2::ExifData& exif, const char* key) {
    try {
        auto it = exif.findKey(Exiv2::ExifKey(key));
        if (it == exif.end()) return nullptr;
        return &*it;
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::string text(const Exiv2::ExifData& exif, const char* key) {
    const Exiv2::Exifdatum* d = find(exif, key);
    return d ? trimmed(d->toString()) : std::string();
}

// "YYYY:MM:DD HH:MM:SS" (EXIF) -> "YYYY-MM-DDTHH:MM:SS"; "" when it is not a plausible date.
std::string isoDate(const std::string& exifDate) {
    const std::string s = trimmed(exifDate);
    if (s.size() < 19) return "";
    auto digits = [&](std::size_t pos, std::size_t n, int& value) {
        value = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    };
    int y, mo, d, h, mi, se;
    if (!digits(0, 4, y) || !digits(5, 2, mo) || !digits(8, 2, d) || !digits(11, 2, h) || !digits(14, 2, mi) ||
        !digits(17, 2, se))
        return "";
    if ((s[4] != ':' && s[4] != '-') || (s[7] != ':' && s[7] != '-') || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[16] != ':')
        return "";
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, se);
    return buf;
}

std::optional<double> gpsCoordinate(const Exiv2::ExifData& exif, const char* valueKey, const char* refKey,
                                     char negativeRef, double limit) {
    const Exiv2::Exifdatum* d = find(exif, valueKey);
    if (!d || d->count() < 1) return std::nullopt;
    double parts[3] = {0, 0, 0};
    for (long i = 0; i < std::min<long>(d->count(), 3); ++i) {
        Exiv2::Rational r = d->toRational(i);
        if (r.second == 0) return std::nullopt;
        parts[i] = double(r.first) / double(r.second);
    }
    double value = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0;
    std::string ref = text(exif, refKey);
    if (!ref.empty() && std::toupper(static_cast<unsigned char>(ref[0])) == negativeRef) value = -value;
    if (!std::isfinite(value) || std::fabs(value) > limit) return std::nullopt;
    return value;
}

}  // namespace

PhotoMetadata readPhotoMetadataMemory(const std::uint8_t* data, std::size_t size, const std::string& name) {
    const ImageHeader header = probeImageHeader(data, size, name);  // DecodeError for unreadable files
    PhotoMetadata m;
    m.format = header.format;
    m.orientation = header.format == "heif" ? 1 : header.orientation;
    m.width = static_cast<int>(std::min<std::int64_t>(header.width, INT32_MAX));
    m.height = static_cast<int>(std::min<std::int64_t>(header.height, INT32_MAX));
    if (m.orientation >= 5) std::swap(m.width, m.height);

    initialiseExiv2();
    try {
        auto image = Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(data), static_cast<long>(size));
        if (image.get() == nullptr) return m;
        image->readMetadata();
        const Exiv2::ExifData& exif = image->exifData();
        if (exif.empty()) return m;
        for (const char* key : {"Exif.Photo.DateTimeOriginal", "Exif.Photo.DateTimeDigitized", "Exif.Image.DateTime"}) {
            m.dateTaken = isoDate(text(exif, key));
            if (!m.dateTaken.empty()) break;
        }
        m.cameraMake = text(exif, "Exif.Image.Make");
        m.cameraModel = text(exif, "Exif.Image.Model");
        m.latitude = gpsCoordinate(exif, "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLatitudeRef", 'S', 90.0);
        m.longitude = gpsCoordinate(exif, "Exif.GPSInfo.GPSLongitude", "Exif.GPSInfo.GPSLongitudeRef", 'W', 180.0);
        if (!m.latitude || !m.longitude) m.latitude = m.longitude = std::nullopt;
    } catch (const std::exception&) {
        // Broken or unsupported metadata: keep what the header gave.
    }
    return m;
}

PhotoMetadata readPhotoMetadata(const std::string& path) {
    const std::string bytes = readFileBytes(path);
    return readPhotoMetadataMemory(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path);
}

}  // namespace lowclip::vision
