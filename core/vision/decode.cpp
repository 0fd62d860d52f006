#include "core/vision/decode.h"

#include <algorithm>
#include <map>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <vector>

#include <libheif/heif.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/vision/mat_bridge.h"

namespace lowclip::vision {
namespace {

// Thrown by the bounds-checked readers below; turned into a DecodeError by the probe.
struct OutOfBounds {};

class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : d_(data), n_(size) {}
    std::size_t size() const { return n_; }
    const std::uint8_t* data() const { return d_; }
    bool has(std::size_t pos, std::size_t len) const { return pos <= n_ && len <= n_ - pos; }
    std::uint8_t u8(std::size_t p) const {
        need(p, 1);
        return d_[p];
    }
    std::uint32_t be16(std::size_t p) const {
        need(p, 2);
        return (std::uint32_t(d_[p]) << 8) | d_[p + 1];
    }
    std::uint32_t be32(std::size_t p) const {
        need(p, 4);
        return (std::uint32_t(d_[p]) << 24) | (std::uint32_t(d_[p + 1]) << 16) | (std::uint32_t(d_[p + 2]) << 8) |
               d_[p + 3];
    }
    std::uint32_t le16(std::size_t p) const {
        need(p, 2);
        return std::uint32_t(d_[p]) | (std::uint32_t(d_[p + 1]) << 8);
    }
    std::uint32_t le24(std::size_t p) const {
        need(p, 3);
        return std::uint32_t(d_[p]) | (std::uint32_t(d_[p + 1]) << 8) | (std::uint32_t(d_[p + 2]) << 16);
    }
    std::uint32_t le32(std::size_t p) const {
        need(p, 4);
        return le24(p) | (std::uint32_t(d_[p + 3]) << 24);
    }
    bool matches(std::size_t p, const char* text) const {
        std::size_t len = std::strlen(text);
        return has(p, len) && std::memcmp(d_ + p, text, len) == 0;
    }

private:
    void need(std::size_t p, std::size_t len) const {
        if (!has(p, len)) throw OutOfBounds{};
    }
    const std::uint8_t* d_;
    std::size_t n_;
};

// Minimal TIFF structure reader (classic and BigTIFF), enough for IFD0 tags: image dimensions in
// TIFF files and the orientation tag inside EXIF blocks (which are little TIFF files).
class TiffReader {
public:
    explicit TiffReader(Bytes bytes) : b_(bytes) {}

    bool init() {
        if (b_.matches(0, "II")) {
            little_ = true;
        } else if (b_.matches(0, "MM")) {
            little_ = false;
        } else {
            return false;
        }
        std::uint32_t magic = u16(2);
        if (magic == 42) {
            big_ = false;
            firstIfd_ = u32(4);
        } else if (magic == 43) {
            if (u16(4) != 8) return false;
            big_ = true;
            firstIfd_ = u64(8);
        } else {
            return false;
        }
        return true;
    }

    // Calls fn(tag, value) for every entry of the first IFD whose value is a single integer.
    void forEachScalarInFirstIfd(const std::function<void(std::uint32_t, std::uint64_t)>& fn) const {
        std::uint64_t offset = firstIfd_;
        std::uint64_t count = big_ ? u64(offset) : u16(offset);
        if (count > 4096) throw OutOfBounds{};  // no real first IFD is this long: corrupt
        std::size_t entrySize = big_ ? 20 : 12;
        std::size_t base = static_cast<std::size_t>(offset) + (big_ ? 8 : 2);
        for (std::uint64_t i = 0; i < count; ++i) {
            std::size_t p = base + static_cast<std::size_t>(i) * entrySize;
            std::uint32_t tag = u16(p);
            std::uint32_t type = u16(p + 2);
            std::uint64_t n = big_ ? u64(p + 4) : u32(p + 4);
            std::size_t valuePos = p + (big_ ? 12 : 8);
            if (n < 1) continue;
            switch (type) {
                case 1:  // BYTE
                    fn(tag, b_.u8(valuePos));
                    break;
                case 3:  // SHORT
                    fn(tag, u16(valuePos));
                    break;
                case 4:  // LONG
                    fn(tag, u32(valuePos));
                    break;
                case 16:  // LONG8 (BigTIFF)
                    fn(tag, u64(valuePos));
                    break;
                default:
                    break;
            }
        }
    }

    // The first tag of the first IFD that appears in it more than once (0 when none does). Readers
    // disagree on which copy counts (libtiff keeps the first), so such files are refused.
    std::uint32_t duplicateTagInFirstIfd() const {
        std::uint64_t offset = firstIfd_;
        std::uint64_t count = big_ ? u64(offset) : u16(offset);
        if (count > 4096) throw OutOfBounds{};
        std::size_t entrySize = big_ ? 20 : 12;
        std::size_t base = static_cast<std::size_t>(offset) + (big_ ? 8 : 2);
        std::vector<std::uint32_t> tags;
        for (std::uint64_t i = 0; i < count; ++i) tags.push_back(u16(base + static_cast<std::size_t>(i) * entrySize));
        std::sort(tags.begin(), tags.end());
        auto dup = std::adjacent_find(tags.begin(), tags.end());
        return dup == tags.end() ? 0 : *dup;
    }

    // Position of the value field of `tag` (type SHORT) in the first IFD, if present.
    std::optional<std::size_t> shortValuePosition(std::uint32_t tag) const {
        std::uint64_t offset = firstIfd_;
        std::uint64_t count = big_ ? u64(offset) : u16(offset);
        if (count > 4096) return std::nullopt;
        std::size_t entrySize = big_ ? 20 : 12;
        std::size_t base = static_cast<std::size_t>(offset) + (big_ ? 8 : 2);
        for (std::uint64_t i = 0; i < count; ++i) {
            std::size_t p = base + static_cast<std::size_t>(i) * entrySize;
            if (u16(p) == tag && u16(p + 2) == 3) return p + (big_ ? 12 : 8);
        }
        return std::nullopt;
    }
    bool littleEndian() const { return little_; }

private:
    std::uint32_t u16(std::size_t p) const { return little_ ? b_.le16(p) : b_.be16(p); }
    std::uint32_t u32(std::size_t p) const { return little_ ? b_.le32(p) : b_.be32(p); }
    std::uint64_t u64(std::size_t p) const {
        std::uint64_t lo = u32(p), hi = u32(p + 4);
        return little_ ? (lo | (hi << 32)) : ((lo << 32) | hi);
    }
    Bytes b_;
    bool little_ = true;
    bool big_ = false;
    std::uint64_t firstIfd_ = 0;
};

// Orientation tag (0x0112) of an EXIF block (a TIFF structure, optionally after "Exif\0\0").
int exifOrientation(const std::uint8_t* data, std::size_t size) {
    if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
        data += 6;
        size -= 6;
    }
    try {
        TiffReader tiff(Bytes(data, size));
        if (!tiff.init()) return 1;
        int orientation = 1;
        tiff.forEachScalarInFirstIfd([&](std::uint32_t tag, std::uint64_t value) {
            if (tag == 0x0112 && value >= 1 && value <= 8) orientation = static_cast<int>(value);
        });
        return orientation;
    } catch (const OutOfBounds&) {
        return 1;  // a broken EXIF block does not make the photo unreadable
    }
}

std::string label(const std::string& name) { return name.empty() ? std::string("image data") : name; }

[[noreturn]] void fail(const std::string& name, const std::string& reason) {
    DecodeError::Details details{{"reason", reason}};
    if (!name.empty()) details["path"] = name;
    throw DecodeError(ErrorCode::InvalidFile, label(name) + ": " + reason, std::move(details));
}

std::string hexPrefix(const std::uint8_t* data, std::size_t size) {
    std::ostringstream os;
    char buf[4];
    for (std::size_t i = 0; i < std::min<std::size_t>(size, 8); ++i) {
        std::snprintf(buf, sizeof buf, "%02x", data[i]);
        os << (i ? " " : "") << buf;
    }
    return os.str();
}

std::string upper(const std::string& format) {
    if (format == "heif") return "HEIF";
    if (format == "webp") return "WebP";
    std::string s = format;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

bool isSofMarker(std::uint8_t m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

ImageHeader probeJpeg(Bytes b, const std::string& name) {
    ImageHeader h;
    h.format = "jpeg";
    std::size_t pos = 2;
    bool haveFrame = false;
    std::size_t scanStart = 0;
    while (true) {
        if (!b.has(pos, 2)) fail(name, "truncated JPEG (the file ends inside its header)");
        if (b.u8(pos) != 0xFF) fail(name, "corrupt JPEG (bad marker in the header)");
        while (b.has(pos, 1) && b.u8(pos) == 0xFF) ++pos;  // fill bytes
        if (!b.has(pos, 1)) fail(name, "truncated JPEG (the file ends inside its header)");
        std::uint8_t marker = b.u8(pos++);
        if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD9) fail(name, "corrupt JPEG (end of image before any image data)");
        if (!b.has(pos, 2)) fail(name, "truncated JPEG (the file ends inside its header)");
        std::size_t len = b.be16(pos);
        if (len < 2) fail(name, "corrupt JPEG (bad segment length)");
        if (isSofMarker(marker)) {
            if (len < 8 || !b.has(pos, 8)) fail(name, "truncated JPEG (incomplete frame header)");
            h.height = b.be16(pos + 3);
            h.width = b.be16(pos + 5);
            int components = b.u8(pos + 7);
            if (h.width == 0 || h.height == 0)
                fail(name, "unsupported JPEG (the frame header gives no image size)");
            if (components != 1 && components != 3 && components != 4)
                fail(name, "unsupported JPEG (" + std::to_string(components) + " colour components)");
            haveFrame = true;
        } else if (marker == 0xE1 && len >= 8 && b.has(pos + 2, 6) &&
                   std::memcmp(b.data() + pos + 2, "Exif\0\0", 6) == 0 && h.orientation == 1) {
            std::size_t avail = std::min(len - 2, b.size() - (pos + 2));
            h.orientation = exifOrientation(b.data() + pos + 2, avail);
        } else if (marker == 0xDA) {
            scanStart = pos;
            break;
        }
        pos += len;
    }
    if (!haveFrame) fail(name, "corrupt JPEG (no frame header before the image data)");
    // A complete JPEG ends with an EOI marker (FF D9) after its scans; entropy-coded data never contains
    // FF D9 (FF is stuffed as FF 00), so its absence means the file was cut short. Trailing data after
    // the EOI (motion-photo videos, padding) is allowed.
    const std::uint8_t* d = b.data();
    bool haveEnd = false;
    for (std::size_t i = b.size() - 1; i > scanStart; --i) {
        if (d[i] == 0xD9 && d[i - 1] == 0xFF) {
            haveEnd = true;
            break;
        }
    }
    if (!haveEnd) fail(name, "truncated JPEG (the file ends before its end-of-image marker)");
    return h;
}

ImageHeader probePng(Bytes b, const std::string& name) {
    ImageHeader h;
    h.format = "png";
    if (!b.has(8, 25) || b.be32(8) != 13 || !b.matches(12, "IHDR"))
        fail(name, "truncated or corrupt PNG (no valid IHDR header)");
    h.width = b.be32(16);
    h.height = b.be32(20);
    if (h.width == 0 || h.height == 0 || h.width > 0x7fffffff || h.height > 0x7fffffff)
        fail(name, "corrupt PNG (invalid image size in the header)");
    // Walk the chunks: find eXIf (orientation) and make sure the file reaches IEND.
    std::size_t pos = 8;
    bool haveEnd = false;
    while (b.has(pos, 8)) {
        std::size_t len = b.be32(pos);
        if (len > 0x7fffffff) fail(name, "corrupt PNG (bad chunk length)");
        if (b.matches(pos + 4, "eXIf") && b.has(pos + 8, len)) h.orientation = exifOrientation(b.data() + pos + 8, len);
        if (b.matches(pos + 4, "IEND")) {
            haveEnd = true;
            break;
        }
        if (!b.has(pos + 8, len + 4)) break;
        pos += 12 + len;
    }
    if (!haveEnd) fail(name, "truncated PNG (the file ends before its IEND chunk)");
    return h;
}

ImageHeader probeWebp(Bytes b, const std::string& name) {
    ImageHeader h;
    h.format = "webp";
    if (!b.has(12, 18)) fail(name, "truncated WebP header");
    if (b.matches(12, "VP8 ")) {
        if (b.u8(23) != 0x9d || b.u8(24) != 0x01 || b.u8(25) != 0x2a) fail(name, "corrupt WebP (bad VP8 frame start)");
        h.width = b.le16(26) & 0x3fff;
        h.height = b.le16(28) & 0x3fff;
    } else if (b.matches(12, "VP8L")) {
        if (b.u8(20) != 0x2f) fail(name, "corrupt WebP (bad lossless signature)");
        std::uint32_t bits = b.le32(21);
        h.width = (bits & 0x3fff) + 1;
        h.height = ((bits >> 14) & 0x3fff) + 1;
    } else if (b.matches(12, "VP8X")) {
        h.width = std::int64_t(b.le24(24)) + 1;
        h.height = std::int64_t(b.le24(27)) + 1;
        std::size_t pos = 12;
        while (b.has(pos, 8)) {
            std::size_t len = b.le32(pos + 4);
            if (b.matches(pos, "EXIF") && b.has(pos + 8, len)) {
                h.orientation = exifOrientation(b.data() + pos + 8, len);
                break;
            }
            if (len > b.size()) break;
            pos += 8 + len + (len & 1);
        }
    } else {
        fail(name, "unsupported WebP (unknown first chunk)");
    }
    if (h.width == 0 || h.height == 0) fail(name, "corrupt WebP (invalid image size)");
    return h;
}

ImageHeader probeTiff(Bytes b, const std::string& name) {
    ImageHeader h;
    h.format = "tiff";
    TiffReader tiff(b);
    if (!tiff.init()) fail(name, "corrupt TIFF header");
    if (std::uint32_t tag = tiff.duplicateTagInFirstIfd())
        fail(name, "corrupt TIFF (tag " + std::to_string(tag) + " appears more than once in the first directory)");
    tiff.forEachScalarInFirstIfd([&](std::uint32_t tag, std::uint64_t value) {
        if (tag == 256) h.width = static_cast<std::int64_t>(std::min<std::uint64_t>(value, 1ull << 40));
        if (tag == 257) h.height = static_cast<std::int64_t>(std::min<std::uint64_t>(value, 1ull << 40));
        if (tag == 274 && value >= 1 && value <= 8) h.orientation = static_cast<int>(value);
    });
    if (h.width == 0 || h.height == 0) fail(name, "corrupt TIFF (no image size in the first directory)");
    return h;
}

ImageHeader probeBmp(Bytes b, const std::string& name) {
    ImageHeader h;
    h.format = "bmp";
    if (!b.has(14, 12)) fail(name, "truncated BMP header");
    std::uint32_t dib = b.le32(14);
    if (dib == 12) {
        h.width = b.le16(18);
        h.height = b.le16(20);
    } else if (dib >= 40) {
        h.width = static_cast<std::int32_t>(b.le32(18));
        h.height = static_cast<std::int32_t>(b.le32(22));
        if (h.height < 0) h.height = -h.height;
    } else {
        fail(name, "unsupported BMP header");
    }
    if (h.width <= 0 || h.height <= 0) fail(name, "corrupt BMP (invalid image size)");
    return h;
}

void ensureHeifInitialised() {
    static std::once_flag once;
    std::call_once(once, [] { heif_init(nullptr); });
}

struct HeifContextDeleter {
    void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HeifHandleDeleter {
    void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct HeifImageDeleter {
    void operator()(heif_image* i) const { heif_image_release(i); }
};
struct HeifOptionsDeleter {
    void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};

// An opened HEIF container with its primary image handle (boxes parsed, nothing decoded).
struct HeifFile {
    std::unique_ptr<heif_context, HeifContextDeleter> context;
    std::unique_ptr<heif_image_handle, HeifHandleDeleter> handle;
};

HeifFile openHeif(Bytes b, const std::string& name) {
    ensureHeifInitialised();
    HeifFile f;
    f.context.reset(heif_context_alloc());
    if (!f.context) throw std::bad_alloc();
    heif_error err = heif_context_read_from_memory_without_copy(f.context.get(), b.data(), b.size(), nullptr);
    if (err.code != heif_error_Ok) fail(name, std::string("cannot read the HEIF container: ") + err.message);
    heif_image_handle* handle = nullptr;
    err = heif_context_get_primary_image_handle(f.context.get(), &handle);
    if (err.code != heif_error_Ok) fail(name, std::string("HEIF file without a primary image: ") + err.message);
    f.handle.reset(handle);
    return f;
}

ImageHeader probeHeif(Bytes b, const std::string& name) {
    HeifFile f = openHeif(b, name);
    ImageHeader h;
    h.format = "heif";
    h.width = heif_image_handle_get_width(f.handle.get());
    h.height = heif_image_handle_get_height(f.handle.get());
    if (h.width <= 0 || h.height <= 0) fail(name, "corrupt HEIF (invalid image size)");
    return h;
}

// OpenCV refuses images above its own limits (OPENCV_IO_MAX_IMAGE_PIXELS, _WIDTH and _HEIGHT, read
// once when OpenCV is loaded; 2^30 pixels and 2^20 per side by default) with an assertion of its
// own. The probe applies the same limits first, so that such a file gets our message.
std::int64_t openCvLimit(const char* variable, std::int64_t fallback) {
    const char* v = std::getenv(variable);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    errno = 0;
    unsigned long long x = std::strtoull(v, &end, 10);
    if (errno || end == v) return fallback;
    std::uint64_t scale = 1;
    if (*end == 'K' || *end == 'k') scale = 1ull << 10;
    if (*end == 'M' || *end == 'm') scale = 1ull << 20;
    if (*end == 'G' || *end == 'g') scale = 1ull << 30;
    if (x > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()) / scale) return fallback;
    return static_cast<std::int64_t>(x * scale);
}

struct OpenCvLimits {
    std::int64_t pixels, width, height;
};
const OpenCvLimits& openCvLimits() {
    static const OpenCvLimits limits{openCvLimit("OPENCV_IO_MAX_IMAGE_PIXELS", std::int64_t(1) << 30),
                                     openCvLimit("OPENCV_IO_MAX_IMAGE_WIDTH", std::int64_t(1) << 20),
                                     openCvLimit("OPENCV_IO_MAX_IMAGE_HEIGHT", std::int64_t(1) << 20)};
    return limits;
}

void checkPixelLimit(std::int64_t width, std::int64_t height, std::int64_t maxPixels, const std::string& name) {
    if (width <= 0 || height <= 0) fail(name, "corrupt image (invalid image size)");
    // width * height can overflow (TIFF sizes are 32-bit each): compare by division.
    if (maxPixels > 0 && width > maxPixels / height) {
        std::ostringstream os;
        os << "the image is " << width << "x" << height << " pixels (" << std::fixed;
        os.precision(1);
        os << double(width) * double(height) / 1e6 << " MP), above the limit of " << double(maxPixels) / 1e6
           << " MP; refusing to decode it";
        fail(name, os.str());
    }
}

// The limits of the decoder that will read the image (OpenCV for all but HEIF), as our own errors.
void checkDecoderLimits(const ImageHeader& h, const std::string& name) {
    if (h.format == "heif") return;
    const OpenCvLimits& cv = openCvLimits();
    if (h.width > cv.width || h.height > cv.height || h.width > cv.pixels / h.height) {
        std::ostringstream os;
        os << "the image is " << h.width << "x" << h.height << " pixels, larger than the image decoder accepts ("
           << cv.width << "x" << cv.height << " and " << cv.pixels / 1000000 << " MP at most); refusing to decode it";
        fail(name, os.str());
    }
}

// Straight-alpha compositing of one 8-bit sample onto white.
inline std::uint8_t overWhite(int c, int a) { return static_cast<std::uint8_t>((c * a + 255 * (255 - a) + 127) / 255); }

// Any decoded cv::Mat (1..4 channels, BGR(A) order, 8/16-bit or float) to an 8-bit RGB Image.
Image matToRgb(cv::Mat m, const std::string& name) {
    switch (m.depth()) {
        case CV_8U:
            break;
        case CV_16U: {
            cv::Mat t;
            m.convertTo(t, CV_8U, 1.0 / 257.0);
            m = t;
            break;
        }
        case CV_32F:
        case CV_64F: {  // floating-point TIFF: 0..1 nominal range
            cv::Mat t;
            m.convertTo(t, CV_8U, 255.0);
            m = t;
            break;
        }
        default: {
            cv::Mat t;
            double lo = 0, hi = 0;
            cv::minMaxLoc(m.reshape(1), &lo, &hi);
            if (hi <= lo) hi = lo + 1;
            m.convertTo(t, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
            m = t;
            break;
        }
    }
    Image out = detail::allocate(m.cols, m.rows);
    std::uint8_t* o = out.rgb.data();
    const int ch = m.channels();
    for (int y = 0; y < m.rows; ++y) {
        const std::uint8_t* s = m.ptr<std::uint8_t>(y);
        std::uint8_t* d = o + static_cast<std::size_t>(y) * m.cols * 3;
        switch (ch) {
            case 1:
                for (int x = 0; x < m.cols; ++x) d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = s[x];
                break;
            case 2:
                for (int x = 0; x < m.cols; ++x) d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = overWhite(s[2 * x], s[2 * x + 1]);
                break;
            case 3:
                for (int x = 0; x < m.cols; ++x) {
                    d[3 * x] = s[3 * x + 2];
                    d[3 * x + 1] = s[3 * x + 1];
                    d[3 * x + 2] = s[3 * x];
                }
                break;
            case 4:
                for (int x = 0; x < m.cols; ++x) {
                    int a = s[4 * x + 3];
                    d[3 * x] = overWhite(s[4 * x + 2], a);
                    d[3 * x + 1] = overWhite(s[4 * x + 1], a);
                    d[3 * x + 2] = overWhite(s[4 * x], a);
                }
                break;
            default:
                fail(name, "unsupported image with " + std::to_string(ch) + " channels");
        }
    }
    return out;
}

Image decodeWithOpenCv(Bytes b, const ImageHeader& h, const DecodeOptions& options, const std::string& name) {
    // OpenCV's warnings about broken files are not for the user: the error we throw says what is wrong.
    static std::once_flag quiet;
    std::call_once(quiet, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR); });
    bool eighth = false;
    int flags = cv::IMREAD_UNCHANGED;  // keeps alpha, 16-bit and never applies orientation
    if (h.format == "jpeg" || h.format == "bmp") {
        // 8-bit colour (libjpeg converts grayscale and CMYK/YCCK); BMP's 4th byte is often garbage.
        flags = cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION;
        if (h.format == "jpeg" && options.targetShortSide > 0) {
            std::int64_t shortSide = std::min(h.width, h.height);
            for (int scale : {8, 4, 2}) {
                if ((shortSide + scale - 1) / scale >= options.targetShortSide) {
                    eighth = scale == 8;
                    flags = (scale == 8   ? cv::IMREAD_REDUCED_COLOR_8
                             : scale == 4 ? cv::IMREAD_REDUCED_COLOR_4
                                          : cv::IMREAD_REDUCED_COLOR_2) |
                            cv::IMREAD_IGNORE_ORIENTATION;
                    break;
                }
            }
        }
    }
    if (b.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        fail(name, "the file is larger than 2 GiB; refusing to decode it");
    std::vector<std::uint8_t> patched;
    if (h.format == "tiff" && h.orientation != 1) {
        // libtiff's RGBA reader (OpenCV's path for 8-bit TIFFs) applies the mirroring half of the
        // orientation tag itself, other paths apply none: hand OpenCV a copy whose tag says "1", and
        // orient the result here like every other format.
        try {
            TiffReader tiff(b);
            if (tiff.init()) {
                if (auto pos = tiff.shortValuePosition(274)) {
                    patched.assign(b.data(), b.data() + b.size());
                    patched[*pos] = tiff.littleEndian() ? 1 : 0;
                    patched[*pos + 1] = tiff.littleEndian() ? 0 : 1;
                    b = Bytes(patched.data(), patched.size());
                }
            }
        } catch (const OutOfBounds&) {
        }
    }
    std::vector<std::uint8_t> dcOnly;
    if (eighth && options.progressiveDcShortcut) {
        dcOnly = progressiveJpegDcScans(b.data(), b.size());
        if (!dcOnly.empty()) b = Bytes(dcOnly.data(), dcOnly.size());
    }
    cv::Mat decoded;
    try {
        cv::Mat buffer(1, static_cast<int>(b.size()), CV_8U, const_cast<std::uint8_t*>(b.data()));
        decoded = cv::imdecode(buffer, flags);
    } catch (const cv::Exception&) {
        // OpenCV's text (an assertion with source lines) is not for the user.
        fail(name, "corrupt " + upper(h.format) + " data (the decoder refused it)");
    }
    if (decoded.empty()) fail(name, "corrupt or truncated " + upper(h.format) + " data (the decoder could not read it)");
    checkPixelLimit(decoded.cols, decoded.rows, options.maxPixels, name);  // in case the decoder disagrees with the probe
    try {
        return matToRgb(decoded, name);
    } catch (const cv::Exception&) {
        fail(name, "unsupported " + upper(h.format) + " pixel format");
    }
}

Image decodeWithLibheif(Bytes b, const DecodeOptions& options, const std::string& name) {
    HeifFile f = openHeif(b, name);
    std::int64_t w = heif_image_handle_get_width(f.handle.get());
    std::int64_t hgt = heif_image_handle_get_height(f.handle.get());
    checkPixelLimit(w, hgt, options.maxPixels, name);
    bool alpha = heif_image_handle_has_alpha_channel(f.handle.get()) != 0;
    std::unique_ptr<heif_decoding_options, HeifOptionsDeleter> decodeOptions(heif_decoding_options_alloc());
    decodeOptions->ignore_transformations = options.applyExifOrientation ? 0 : 1;
    heif_image* raw = nullptr;
    heif_error err = heif_decode_image(f.handle.get(), &raw, heif_colorspace_RGB,
                                       alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                                       decodeOptions.get());
    if (err.code != heif_error_Ok) fail(name, std::string("cannot decode the HEIF image: ") + err.message);
    std::unique_ptr<heif_image, HeifImageDeleter> image(raw);
    int stride = 0;
    const std::uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
    int width = heif_image_get_width(image.get(), heif_channel_interleaved);
    int height = heif_image_get_height(image.get(), heif_channel_interleaved);
    if (!plane || width <= 0 || height <= 0) fail(name, "cannot decode the HEIF image (no pixel data)");
    checkPixelLimit(width, height, options.maxPixels, name);
    Image out = detail::allocate(width, height);
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* s = plane + static_cast<std::size_t>(y) * stride;
        std::uint8_t* d = out.rgb.data() + static_cast<std::size_t>(y) * width * 3;
        if (alpha) {
            for (int x = 0; x < width; ++x) {
                int a = s[4 * x + 3];
                for (int c = 0; c < 3; ++c) d[3 * x + c] = overWhite(s[4 * x + c], a);
            }
        } else {
            std::memcpy(d, s, static_cast<std::size_t>(width) * 3);
        }
    }
    return out;
}

bool isHeifBrand(const std::uint8_t* p) {
    static const char* brands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs",
                                   "mif1", "msf1", "mif2", "avif", "avis"};
    for (const char* brand : brands)
        if (std::memcmp(p, brand, 4) == 0) return true;
    return false;
}

}  // namespace

std::vector<std::uint8_t> progressiveJpegDcScans(const std::uint8_t* p, std::size_t n) {
    // Marker segments are copied as they are. A scan (SOS header + entropy-coded data, which runs to
    // the next marker other than a stuffed FF00 or a restart marker) is dropped when it carries AC
    // coefficients (spectral selection start > 0) of a full-resolution component: at 1/8 scale
    // libjpeg gives those components a 1x1 inverse DCT, which reads the DC coefficient alone.
    // Subsampled components (chroma) get a larger inverse DCT at 1/8 scale, so their scans stay.
    if (!p || n < 4 || p[0] != 0xFF || p[1] != 0xD8) return {};
    std::vector<std::uint8_t> out;
    out.reserve(n / 2);
    out.insert(out.end(), p, p + 2);
    bool progressive = false, ended = false;
    std::map<int, int> sampling;  // component id -> (H << 4) | V
    int maxH = 0, maxV = 0;
    std::size_t frameWidth = 0, frameHeight = 0;
    std::vector<int> droppedIds;
    std::size_t i = 2;
    while (i + 1 < n) {
        if (p[i] != 0xFF) return {};
        const std::uint8_t m = p[i + 1];
        if (m == 0xFF) {  // fill byte
            ++i;
            continue;
        }
        if (m == 0xD9) {  // EOI
            ended = true;
            break;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7) || i + 4 > n) return {};
        const std::size_t len = (static_cast<std::size_t>(p[i + 2]) << 8) | p[i + 3];
        const std::size_t segmentEnd = i + 2 + len;
        if (len < 2 || segmentEnd > n) return {};
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            // Only progressive Huffman (SOF2) has AC scans to drop; one frame only.
            if (m != 0xC2 || progressive || len < 8) return {};
            const std::size_t components = p[i + 9];
            if (components == 0 || len != 8 + 3 * components) return {};
            frameHeight = (static_cast<std::size_t>(p[i + 5]) << 8) | p[i + 6];
            frameWidth = (static_cast<std::size_t>(p[i + 7]) << 8) | p[i + 8];
            if (frameHeight == 0 || frameWidth == 0) return {};  // DNL-defined height: rare, not handled
            for (std::size_t c = 0; c < components; ++c) {
                const int id = p[i + 10 + 3 * c], hv = p[i + 11 + 3 * c];
                if (!sampling.emplace(id, hv).second || (hv >> 4) == 0 || (hv & 15) == 0) return {};
                maxH = std::max(maxH, hv >> 4);
                maxV = std::max(maxV, hv & 15);
            }
            progressive = true;
        }
        if (m != 0xDA) {
            out.insert(out.end(), p + i, p + segmentEnd);
            i = segmentEnd;
            continue;
        }
        if (!progressive || len < 6) return {};
        const std::size_t components = p[i + 4];
        if (components == 0 || len != 6 + 2 * components) return {};
        const int spectralStart = p[i + 4 + 1 + 2 * components];
        bool drop = false;
        if (spectralStart > 0) {
            if (components != 1) return {};  // AC scans are never interleaved
            auto it = sampling.find(p[i + 5]);
            if (it == sampling.end()) return {};
            drop = (it->second >> 4) == maxH && (it->second & 15) == maxV;
            if (drop && std::find(droppedIds.begin(), droppedIds.end(), it->first) == droppedIds.end())
                droppedIds.push_back(it->first);
        }
        std::size_t j = segmentEnd;
        for (;;) {
            if (j + 1 >= n) return {};  // the data ends inside a scan: let the decoder report it
            if (p[j] != 0xFF) {
                ++j;
                continue;
            }
            const std::uint8_t q = p[j + 1];
            if (q == 0x00 || (q >= 0xD0 && q <= 0xD7)) {
                j += 2;
                continue;
            }
            if (q == 0xFF) {
                ++j;
                continue;
            }
            break;
        }
        if (!drop) out.insert(out.end(), p + i, p + j);
        i = j;
    }
    if (!ended || !progressive || droppedIds.empty()) return {};
    // libjpeg smooths blocks whose low AC coefficients never arrived, and that smoothing moves the DC
    // term too. So that it stays off, as in the full decode, each dropped component gets one final AC
    // scan saying "all AC coefficients are zero" at full precision: runs of end-of-band (EOBRUN)
    // symbols under a Huffman table of its own. No scan follows it, so redefining table 0 is harmless;
    // the restart interval is reset to none first.
    const std::uint8_t noRestarts[] = {0xFF, 0xDD, 0x00, 0x04, 0x00, 0x00};
    out.insert(out.end(), std::begin(noRestarts), std::end(noRestarts));
    // AC table 0: the 15 symbols R<<4 (EOB run of 2^R + R extra bits), R = 0..14, each 4 bits long.
    std::uint8_t table[2 + 2 + 1 + 16 + 15] = {0xFF, 0xC4, 0x00, 34, 0x10};
    table[5 + 3] = 15;  // 15 codes of length 4
    for (int r = 0; r < 15; ++r) table[5 + 16 + r] = static_cast<std::uint8_t>(r << 4);
    out.insert(out.end(), std::begin(table), std::end(table));
    for (int id : droppedIds) {
        const std::uint8_t sos[] = {0xFF, 0xDA, 0x00, 0x08, 0x01, static_cast<std::uint8_t>(id), 0x00, 1, 63, 0x00};
        out.insert(out.end(), std::begin(sos), std::end(sos));
        // Full-resolution components: one block per 8x8 pixels (non-interleaved scans cover the image).
        std::uint64_t blocks = ((frameWidth + 7) / 8) * ((frameHeight + 7) / 8);
        std::uint32_t acc = 0;
        int bits = 0;
        auto put = [&](std::uint32_t value, int count) {
            for (int b = count - 1; b >= 0; --b) {
                acc = (acc << 1) | ((value >> b) & 1u);
                if (++bits == 8) {
                    out.push_back(static_cast<std::uint8_t>(acc));
                    if (acc == 0xFF) out.push_back(0x00);  // byte stuffing
                    acc = 0;
                    bits = 0;
                }
            }
        };
        while (blocks > 0) {
            const std::uint32_t run = static_cast<std::uint32_t>(std::min<std::uint64_t>(blocks, 32767));
            int r = 0;
            while ((run >> (r + 1)) != 0) ++r;
            put(static_cast<std::uint32_t>(r), 4);  // the code of symbol r<<4 is r
            put(run - (1u << r), r);
            blocks -= run;
        }
        if (bits > 0) put((1u << (8 - bits)) - 1, 8 - bits);  // pad with one bits
    }
    out.push_back(0xFF);
    out.push_back(0xD9);
    return out;
}

std::string sniffImageFormat(const std::uint8_t* data, std::size_t size) {
    if (!data) return "";
    Bytes b(data, size);
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return "jpeg";
    if (b.matches(0, "\x89PNG\r\n\x1a\n")) return "png";
    if (b.matches(0, "RIFF") && b.matches(8, "WEBP")) return "webp";
    if (size >= 4 && ((data[0] == 'I' && data[1] == 'I' && (data[2] == 42 || data[2] == 43) && data[3] == 0) ||
                      (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && (data[3] == 42 || data[3] == 43))))
        return "tiff";
    if (b.matches(0, "BM") && size >= 26) return "bmp";
    if (b.matches(4, "ftyp") && size >= 16) {
        std::size_t boxSize = std::min<std::size_t>(b.be32(0), size);
        if (isHeifBrand(data + 8)) return "heif";
        for (std::size_t p = 16; p + 4 <= boxSize; p += 4)
            if (isHeifBrand(data + p)) return "heif";
    }
    return "";
}

ImageHeader probeImageHeader(const std::uint8_t* data, std::size_t size, const std::string& name) {
    if (!data || size == 0) fail(name, "the file is empty (0 bytes)");
    std::string format = sniffImageFormat(data, size);
    if (format.empty())
        fail(name, "not a supported image (JPEG, PNG, WebP, TIFF, BMP or HEIF/HEIC); it starts with the bytes " +
                       hexPrefix(data, size));
    Bytes b(data, size);
    try {
        if (format == "jpeg") return probeJpeg(b, name);
        if (format == "png") return probePng(b, name);
        if (format == "webp") return probeWebp(b, name);
        if (format == "tiff") return probeTiff(b, name);
        if (format == "bmp") return probeBmp(b, name);
        return probeHeif(b, name);
    } catch (const OutOfBounds&) {
        fail(name, "truncated or corrupt " + upper(format) + " header");
    }
}

Image decodeImageMemory(const std::uint8_t* data, std::size_t size, const DecodeOptions& options,
                        const std::string& name) {
    ImageHeader h = probeImageHeader(data, size, name);
    checkPixelLimit(h.width, h.height, options.maxPixels, name);
    checkDecoderLimits(h, name);
    try {
        if (h.format == "heif") return decodeWithLibheif(Bytes(data, size), options, name);
        Image image = decodeWithOpenCv(Bytes(data, size), h, options, name);
        if (options.applyExifOrientation && h.orientation != 1) image = applyOrientation(image, h.orientation);
        return image;
    } catch (const std::bad_alloc&) {
        fail(name, "not enough memory to decode a " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                       " image");
    } catch (const cv::Exception&) {
        fail(name, "cannot decode the " + upper(h.format) + " image");
    }
}

std::string readFileBytes(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw DecodeError(path + ": is a folder, not an image file");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw DecodeError(path + ": cannot open the file (" + std::strerror(errno) + ")");
    std::string bytes;
    char buffer[1 << 16];
    std::size_t n = 0;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec) bytes.reserve(static_cast<std::size_t>(size));
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) bytes.append(buffer, n);
    if (std::ferror(file.get())) throw DecodeError(path + ": cannot read the file (" + std::strerror(errno) + ")");
    return bytes;
}

Image decodeImageFile(const std::string& path, const DecodeOptions& options) {
    std::string bytes = readFileBytes(path);
    return decodeImageMemory(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), options, path);
}

Image applyOrientation(const Image& image, int orientation) {
    if (orientation < 2 || orientation > 8 || image.empty()) return image;
    cv::Mat src = detail::view(image);
    cv::Mat dst;
    switch (orientation) {
        case 2:
            cv::flip(src, dst, 1);  // mirror left-right
            break;
        case 3:
            cv::rotate(src, dst, cv::ROTATE_180);
            break;
        case 4:
            cv::flip(src, dst, 0);  // mirror top-bottom
            break;
        case 5:
            cv::transpose(src, dst);  // mirror along the top-left/bottom-right diagonal
            break;
        case 6:
            cv::rotate(src, dst, cv::ROTATE_90_CLOCKWISE);
            break;
        case 7: {  // transverse: mirror along the other diagonal
            cv::Mat t;
            cv::transpose(src, t);
            cv::flip(t, dst, -1);
            break;
        }
        case 8:
            cv::rotate(src, dst, cv::ROTATE_90_COUNTERCLOCKWISE);
            break;
    }
    return detail::toImage(dst);
}

}  // namespace lowclip::vision
