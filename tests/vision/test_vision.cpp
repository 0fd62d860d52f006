// Tests for core/vision: decoding (formats, orientation, reduced scale, bit depths, alpha, CMYK),
// refusals (empty, truncated, not an image, decompression bombs), metadata, preprocessing numerics
// and augmentation. Every test image is generated here (OpenCV, libheif, libjpeg, exiv2).
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <exiv2/exiv2.hpp>
#ifdef LOWCLIP_TEST_HAVE_LIBJPEG
#include <jpeglib.h>
#endif
#include <libheif/heif.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/vision/vision.h"
#include "tests/support/testing.h"

using namespace lowclip::vision;
using Bytes = std::vector<std::uint8_t>;

namespace {

// ---------------------------------------------------------------------------------------------
// Test images
// ---------------------------------------------------------------------------------------------

struct Rgb {
    int r, g, b;
};
// Quadrant colours of the orientation pattern: top-left, top-right, bottom-left, bottom-right.
const Rgb kQuadrant[4] = {{220, 30, 30}, {30, 200, 40}, {30, 40, 210}, {230, 220, 40}};

Rgb patternColour(int x, int y, int w, int h) { return kQuadrant[(y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0)]; }

Image quadrantImage(int w, int h) {
    Image im;
    im.width = w;
    im.height = h;
    im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            Rgb c = patternColour(x, y, w, h);
            std::uint8_t* p = &im.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
            p[0] = static_cast<std::uint8_t>(c.r);
            p[1] = static_cast<std::uint8_t>(c.g);
            p[2] = static_cast<std::uint8_t>(c.b);
        }
    return im;
}

Image noiseImage(int w, int h, unsigned seed) {
    std::mt19937 rng(seed);
    Image im;
    im.width = w;
    im.height = h;
    im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
    for (auto& v : im.rgb) v = static_cast<std::uint8_t>(rng() & 0xff);
    return im;
}

// A smooth, asymmetric image (gradients plus a few shapes): realistic for lossy codecs and resizing.
Image smoothImage(int w, int h) {
    Image im;
    im.width = w;
    im.height = h;
    im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            std::uint8_t* p = &im.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
            p[0] = static_cast<std::uint8_t>(255 * x / std::max(1, w - 1));
            p[1] = static_cast<std::uint8_t>(255 * y / std::max(1, h - 1));
            p[2] = static_cast<std::uint8_t>(128 + 100 * std::sin(x * 0.05) * std::cos(y * 0.07));
            if (std::hypot(x - w * 0.3, y - h * 0.6) < std::min(w, h) * 0.15) p[0] = p[1] = p[2] = 250;
        }
    return im;
}

cv::Mat toBgr(const Image& im) {
    cv::Mat rgb(im.height, im.width, CV_8UC3, const_cast<std::uint8_t*>(im.rgb.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    return bgr;
}

Bytes encodeCv(const cv::Mat& m, const std::string& ext, const std::vector<int>& params = {}) {
    Bytes out;
    REQUIRE(cv::imencode(ext, m, out, params));
    return out;
}
Bytes encodeCv(const Image& im, const std::string& ext, const std::vector<int>& params = {}) {
    return encodeCv(toBgr(im), ext, params);
}

// HEIF via libheif's HEVC encoder (x265). Returns empty bytes when no encoder is available.
Bytes encodeHeif(const Image& im, bool withAlpha = false, int orientation = 1) {
    heif_context* ctx = heif_context_alloc();
    heif_encoder* enc = nullptr;
    if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code != heif_error_Ok) {
        heif_context_free(ctx);
        return {};
    }
    heif_encoder_set_lossy_quality(enc, 92);
    heif_image* img = nullptr;
    heif_image_create(im.width, im.height, heif_colorspace_RGB,
                      withAlpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &img);
    heif_image_add_plane(img, heif_channel_interleaved, im.width, im.height, 8);
    int stride = 0;
    std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    const int ch = withAlpha ? 4 : 3;
    for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < im.width; ++x) {
            const std::uint8_t* s = &im.rgb[(static_cast<std::size_t>(y) * im.width + x) * 3];
            std::uint8_t* d = plane + static_cast<std::size_t>(y) * stride + x * ch;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            if (withAlpha) d[3] = x < im.width / 2 ? 0 : 255;  // left half transparent
        }
    heif_encoding_options* options = heif_encoding_options_alloc();
    options->image_orientation = static_cast<heif_orientation>(orientation);
    heif_error err = heif_context_encode_image(ctx, img, enc, options, nullptr);
    heif_encoding_options_free(options);
    heif_image_release(img);
    heif_encoder_release(enc);
    Bytes out;
    if (err.code == heif_error_Ok) {
        heif_writer writer;
        writer.writer_api_version = 1;
        writer.write = [](heif_context*, const void* data, size_t size, void* userdata) {
            auto* o = static_cast<Bytes*>(userdata);
            o->insert(o->end(), static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size);
            heif_error ok{heif_error_Ok, heif_suberror_Unspecified, "ok"};
            return ok;
        };
        heif_context_write(ctx, &writer, &out);
    }
    heif_context_free(ctx);
    return out;
}

#ifdef LOWCLIP_TEST_HAVE_LIBJPEG
// A CMYK JPEG written with libjpeg. Like Photoshop's, the samples are stored inverted (Adobe APP14).
Bytes encodeCmykJpeg(int w, int h, const std::function<std::array<int, 4>(int, int)>& cmykAt) {
    jpeg_compress_struct cinfo;
    jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    unsigned char* mem = nullptr;
    unsigned long memSize = 0;
    jpeg_mem_dest(&cinfo, &mem, &memSize);
    cinfo.image_width = w;
    cinfo.image_height = h;
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, JCS_CMYK);  // writes the Adobe marker
    jpeg_set_quality(&cinfo, 95, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    std::vector<unsigned char> row(static_cast<std::size_t>(w) * 4);
    while (cinfo.next_scanline < cinfo.image_height) {
        for (int x = 0; x < w; ++x) {
            auto c = cmykAt(x, static_cast<int>(cinfo.next_scanline));
            for (int k = 0; k < 4; ++k) row[x * 4 + k] = static_cast<unsigned char>(255 - c[k]);  // inverted
        }
        JSAMPROW rows[1] = {row.data()};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    Bytes out(mem, mem + memSize);
    jpeg_destroy_compress(&cinfo);
    std::free(mem);
    return out;
}
#endif

// A minimal uncompressed little-endian TIFF by hand: 8-bit samples, `spp` per pixel, `photometric`.
Bytes handTiff(int w, int h, int spp, int photometric, const Bytes& pixels, int orientation = 1) {
    Bytes t;
    auto u16 = [&](unsigned v) {
        t.push_back(v & 0xff);
        t.push_back((v >> 8) & 0xff);
    };
    auto u32 = [&](unsigned v) {
        u16(v & 0xffff);
        u16(v >> 16);
    };
    const unsigned dataOffset = 8;
    const unsigned dataSize = static_cast<unsigned>(pixels.size());
    const unsigned bpsOffset = dataOffset + dataSize + (dataSize & 1);
    const unsigned ifdOffset = bpsOffset + 2 * spp + ((2 * spp) & 3);
    t.insert(t.end(), {'I', 'I', 42, 0});
    u32(ifdOffset);
    t.insert(t.end(), pixels.begin(), pixels.end());
    while (t.size() < bpsOffset) t.push_back(0);
    for (int i = 0; i < spp; ++i) u16(8);
    while (t.size() < ifdOffset) t.push_back(0);
    struct Entry {
        unsigned tag, type, count, value;
    };
    std::vector<Entry> e = {{256, 4, 1, unsigned(w)},
                            {257, 4, 1, unsigned(h)},
                            {258, 3, unsigned(spp), spp == 1 ? 8u : bpsOffset},
                            {259, 3, 1, 1},
                            {262, 3, 1, unsigned(photometric)},
                            {273, 4, 1, dataOffset},
                            {274, 3, 1, unsigned(orientation)},
                            {277, 3, 1, unsigned(spp)},
                            {278, 4, 1, unsigned(h)},
                            {279, 4, 1, dataSize},
                            {284, 3, 1, 1}};
    if (spp == 2) e[2].value = 8u | (8u << 16);  // two SHORTs fit in the value field
    if (spp == 2 || (spp == 4 && photometric == 2)) e.push_back({338, 3, 1, 2});  // ExtraSamples: unassociated alpha
    u16(static_cast<unsigned>(e.size()));
    for (const Entry& x : e) {
        u16(x.tag);
        u16(x.type);
        u32(x.count);
        if (x.type == 3 && x.count == 1)
            u32(x.value & 0xffff);
        else
            u32(x.value);
    }
    u32(0);
    return t;
}

std::uint32_t crc32(const std::uint8_t* d, std::size_t n) {
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < n; ++i) {
        c ^= d[i];
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

void pngChunk(Bytes& out, const char* type, const Bytes& data) {
    auto be32 = [&](std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) out.push_back((v >> s) & 0xff);
    };
    be32(static_cast<std::uint32_t>(data.size()));
    std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    be32(crc32(out.data() + start, out.size() - start));
}

// A well-formed PNG whose header claims width x height (its tiny IDAT holds almost nothing).
Bytes pngBomb(std::uint32_t width, std::uint32_t height) {
    Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    for (std::uint32_t v : {width, height})
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back((v >> s) & 0xff);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    pngChunk(out, "IHDR", ihdr);
    pngChunk(out, "IDAT", {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    pngChunk(out, "IEND", {});
    return out;
}

// A PNG built by hand (8-bit samples, stored/uncompressed deflate) for colour types OpenCV cannot write.
Bytes handPng(std::uint32_t w, std::uint32_t h, int colourType, const Bytes& samples) {
    const std::size_t rowBytes = samples.size() / h;
    Bytes raw;
    for (std::uint32_t y = 0; y < h; ++y) {
        raw.push_back(0);  // filter: none
        raw.insert(raw.end(), samples.begin() + y * rowBytes, samples.begin() + (y + 1) * rowBytes);
    }
    Bytes z = {0x78, 0x01, 0x01, static_cast<std::uint8_t>(raw.size() & 0xff), static_cast<std::uint8_t>(raw.size() >> 8),
               static_cast<std::uint8_t>(~raw.size() & 0xff), static_cast<std::uint8_t>((~raw.size() >> 8) & 0xff)};
    z.insert(z.end(), raw.begin(), raw.end());
    std::uint32_t a = 1, b = 0;
    for (std::uint8_t v : raw) {
        a = (a + v) % 65521;
        b = (b + a) % 65521;
    }
    const std::uint32_t adler = (b << 16) | a;
    for (int s = 24; s >= 0; s -= 8) z.push_back((adler >> s) & 0xff);
    Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    for (std::uint32_t v : {w, h})
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back((v >> s) & 0xff);
    ihdr.insert(ihdr.end(), {8, static_cast<std::uint8_t>(colourType), 0, 0, 0});
    pngChunk(out, "IHDR", ihdr);
    pngChunk(out, "IDAT", z);
    pngChunk(out, "IEND", {});
    return out;
}

std::string tempDir() {
    static std::string dir = lowclip::testing::makeTempDir("lowclip-vision-");
    return dir;
}

std::string writeFile(const std::string& name, const Bytes& bytes) {
    std::string path = tempDir() + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

Image decode(const Bytes& b, const DecodeOptions& o = {}) { return decodeImageMemory(b.data(), b.size(), o, "test"); }

Rgb pixel(const Image& im, int x, int y) {
    const std::uint8_t* p = &im.rgb[(static_cast<std::size_t>(y) * im.width + x) * 3];
    return {p[0], p[1], p[2]};
}

int maxDiff(Rgb a, Rgb b) { return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)}); }

// Checks the four quadrant centres of a decoded pattern image; `stored` maps a displayed pixel to the
// stored one whose colour it must have.
void checkQuadrants(const Image& im, int storedW, int storedH, int tolerance,
                    const std::function<std::pair<int, int>(int, int)>& stored, const std::string& what) {
    for (int qy = 0; qy < 2; ++qy)
        for (int qx = 0; qx < 2; ++qx) {
            int x = im.width / 4 + qx * im.width / 2, y = im.height / 4 + qy * im.height / 2;
            auto [sx, sy] = stored(x, y);
            Rgb want = patternColour(sx, sy, storedW, storedH);
            Rgb got = pixel(im, x, y);
            CHECK_MSG(maxDiff(got, want) <= tolerance, what << " at (" << x << "," << y << "): got " << got.r << ","
                                                            << got.g << "," << got.b << " want " << want.r << ","
                                                            << want.g << "," << want.b);
        }
}

std::pair<int, int> identity(int x, int y) { return {x, y}; }

// Displayed pixel (x, y) of an image stored W x H with EXIF orientation o -> stored pixel, straight
// from the EXIF definitions (2: mirrored left-right, 3: rotated 180, 4: mirrored top-bottom,
// 5: transposed, 6: stored rotated 90 CCW (display rotates CW), 7: transverse, 8: display rotates CCW).
std::pair<int, int> storedPixel(int o, int x, int y, int W, int H) {
    switch (o) {
        case 2: return {W - 1 - x, y};
        case 3: return {W - 1 - x, H - 1 - y};
        case 4: return {x, H - 1 - y};
        case 5: return {y, x};
        case 6: return {y, H - 1 - x};
        case 7: return {W - 1 - y, H - 1 - x};
        case 8: return {W - 1 - y, x};
        default: return {x, y};
    }
}

void setExif(const std::string& path, const std::function<void(Exiv2::ExifData&)>& edit) {
    auto img = Exiv2::ImageFactory::open(path);
    img->readMetadata();
    Exiv2::ExifData exif = img->exifData();
    edit(exif);
    img->setExifData(exif);
    img->writeMetadata();
}

Bytes readBytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

long maxRssKb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Python's round(): half to even.
int pyRound(double v) {
    double f = std::floor(v);
    double d = v - f;
    if (d > 0.5) return static_cast<int>(f) + 1;
    if (d < 0.5) return static_cast<int>(f);
    return static_cast<int>(f) % 2 == 0 ? static_cast<int>(f) : static_cast<int>(f) + 1;
}

}  // namespace

// =============================================================================================
// Formats
// =============================================================================================

TEST_CASE("sniffImageFormat recognises formats by content") {
    Image im = quadrantImage(32, 24);
    CHECK(sniffImageFormat(encodeCv(im, ".jpg").data(), encodeCv(im, ".jpg").size()) == "jpeg");
    Bytes png = encodeCv(im, ".png"), webp = encodeCv(im, ".webp"), tif = encodeCv(im, ".tiff"), bmp = encodeCv(im, ".bmp");
    CHECK(sniffImageFormat(png.data(), png.size()) == "png");
    CHECK(sniffImageFormat(webp.data(), webp.size()) == "webp");
    CHECK(sniffImageFormat(tif.data(), tif.size()) == "tiff");
    CHECK(sniffImageFormat(bmp.data(), bmp.size()) == "bmp");
    Bytes heif = encodeHeif(im);
    if (!heif.empty()) CHECK(sniffImageFormat(heif.data(), heif.size()) == "heif");
    const std::string text = "hello, this is not an image\n";
    CHECK(sniffImageFormat(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()).empty());
    CHECK(sniffImageFormat(png.data(), 4).empty());  // too short to be sure
    CHECK(sniffImageFormat(nullptr, 0).empty());
    Bytes mp4 = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 0, 'm', 'p', '4', '1', 'a', 'v', 'c', '1'};
    CHECK(sniffImageFormat(mp4.data(), mp4.size()).empty());  // an ISO-BMFF video is not HEIF
}

TEST_CASE("lossless formats decode to the exact RGB pixels") {
    Image im = noiseImage(37, 23, 1);
    const std::vector<std::pair<std::string, std::vector<int>>> formats = {
        {".png", {}}, {".bmp", {}}, {".tiff", {}}, {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}}};
    for (const auto& [ext, params] : formats) {
        Image out = decode(encodeCv(im, ext, params));
        CHECK_MSG(out.width == 37 && out.height == 23, ext << " gives " << out.width << "x" << out.height);
        CHECK_MSG(out.rgb == im.rgb, ext << " pixels differ (channel order or conversion)");
    }
    // The file path variant, and a misleading extension: the content decides.
    std::string path = writeFile("really-a-png.jpg", encodeCv(im, ".png"));
    CHECK(decodeImageFile(path).rgb == im.rgb);
}

TEST_CASE("lossy formats decode with the right colours and size") {
    Image im = quadrantImage(64, 48);
    Image jpeg = decode(encodeCv(im, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}));
    REQUIRE(jpeg.width == 64 && jpeg.height == 48);
    checkQuadrants(jpeg, 64, 48, 12, identity, "jpeg");
    Image webp = decode(encodeCv(im, ".webp", {cv::IMWRITE_WEBP_QUALITY, 90}));
    REQUIRE(webp.width == 64 && webp.height == 48);
    checkQuadrants(webp, 64, 48, 12, identity, "webp");
}

TEST_CASE("HEIF decodes through libheif, with its orientation and alpha") {
    Image im = quadrantImage(64, 48);
    Bytes heif = encodeHeif(im);
    if (heif.empty()) SKIP("libheif has no HEVC encoder here");
    Image out = decode(heif);
    REQUIRE(out.width == 64 && out.height == 48);
    checkQuadrants(out, 64, 48, 16, identity, "heif");
    // irot/imir written by libheif for EXIF orientation 6 and 3: applied once on decode.
    for (int o : {6, 3}) {
        Image rotated = decode(encodeHeif(im, false, o));
        int w = o >= 5 ? 48 : 64, h = o >= 5 ? 64 : 48;
        REQUIRE(rotated.width == w && rotated.height == h);
        checkQuadrants(rotated, 64, 48, 16, [&](int x, int y) { return storedPixel(o, x, y, 64, 48); },
                       "heif orientation " + std::to_string(o));
        DecodeOptions raw;
        raw.applyExifOrientation = false;
        Image stored = decode(encodeHeif(im, false, o), raw);
        CHECK(stored.width == 64 && stored.height == 48);
    }
    // Alpha: the transparent left half is composited onto white.
    Image alpha = decode(encodeHeif(im, true));
    REQUIRE(alpha.width == 64);
    CHECK_MSG(maxDiff(pixel(alpha, 8, 12), {255, 255, 255}) <= 16, "transparent pixel is not white");
    CHECK(maxDiff(pixel(alpha, 56, 12), {kQuadrant[1].r, kQuadrant[1].g, kQuadrant[1].b}) <= 16);
}

// =============================================================================================
// EXIF orientation
// =============================================================================================

TEST_CASE("EXIF orientation 1..8 written by exiv2 rotates JPEG pixels exactly once") {
    const int W = 64, H = 48;
    Image im = quadrantImage(W, H);
    for (int o = 1; o <= 8; ++o) {
        std::string path = writeFile("orient" + std::to_string(o) + ".jpg", encodeCv(im, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}));
        setExif(path, [&](Exiv2::ExifData& exif) { exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(o); });
        Image out = decodeImageFile(path);
        const int w = o >= 5 ? H : W, h = o >= 5 ? W : H;
        REQUIRE(out.width == w && out.height == h);
        checkQuadrants(out, W, H, 12, [&](int x, int y) { return storedPixel(o, x, y, W, H); },
                       "orientation " + std::to_string(o));
        DecodeOptions raw;
        raw.applyExifOrientation = false;
        Image stored = decodeImageFile(path, raw);
        CHECK(stored.width == W && stored.height == H);
        checkQuadrants(stored, W, H, 12, identity, "orientation ignored " + std::to_string(o));
        PhotoMetadata meta = readPhotoMetadata(path);
        CHECK(meta.orientation == o);
        CHECK(meta.width == w && meta.height == h);
        // Reduced-scale decode orients the same way.
        DecodeOptions reduced;
        reduced.targetShortSide = 10;
        Image small = decodeImageFile(path, reduced);
        CHECK_MSG((small.width < small.height) == (w < h), "reduced decode of orientation " << o);
    }
}

TEST_CASE("EXIF orientation in TIFF and WebP is applied exactly once") {
    const int W = 40, H = 30;
    Image im = quadrantImage(W, H);
    for (int o : {3, 6, 8}) {
        // TIFF: the orientation tag of IFD0.
        Bytes tif = handTiff(W, H, 3, 2, im.rgb, o);
        Image t = decode(tif);
        const int w = o >= 5 ? H : W, h = o >= 5 ? W : H;
        REQUIRE(t.width == w && t.height == h);
        checkQuadrants(t, W, H, 0, [&](int x, int y) { return storedPixel(o, x, y, W, H); },
                       "tiff orientation " + std::to_string(o));
        // WebP: an EXIF chunk written by exiv2.
        std::string path = writeFile("orient" + std::to_string(o) + ".webp", encodeCv(im, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}));
        setExif(path, [&](Exiv2::ExifData& exif) { exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(o); });
        Image wp = decodeImageFile(path);
        REQUIRE(wp.width == w && wp.height == h);
        checkQuadrants(wp, W, H, 0, [&](int x, int y) { return storedPixel(o, x, y, W, H); },
                       "webp orientation " + std::to_string(o));
    }
}

// =============================================================================================
// Reduced-scale JPEG decoding
// =============================================================================================

TEST_CASE("large JPEGs decode at the largest reduction that keeps the short side") {
    const int W = 1000, H = 750;
    Image im = smoothImage(W, H);
    Bytes jpg = encodeCv(im, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
    Image full = decode(jpg);
    REQUIRE(full.width == W && full.height == H);
    for (int target : {0, 50, 93, 94, 150, 224, 375, 376, 700, 5000}) {
        DecodeOptions o;
        o.targetShortSide = target;
        Image out = decode(jpg, o);
        int scale = 1;
        for (int s : {2, 4, 8})
            if (target > 0 && (H + s - 1) / s >= target) scale = s;
        CHECK_MSG(out.width == (W + scale - 1) / scale && out.height == (H + scale - 1) / scale,
                  "target " << target << ": got " << out.width << "x" << out.height << ", scale " << scale);
        if (target <= H) CHECK_MSG(std::min(out.width, out.height) >= target, "target " << target);
        // Same picture: compare with the full decode shrunk by area averaging.
        cv::Mat fullRgb(H, W, CV_8UC3, full.rgb.data()), shrunk;
        cv::resize(fullRgb, shrunk, cv::Size(out.width, out.height), 0, 0, cv::INTER_AREA);
        cv::Mat outRgb(out.height, out.width, CV_8UC3, out.rgb.data());
        double mad = cv::norm(shrunk, outRgb, cv::NORM_L1) / (3.0 * out.width * out.height);
        CHECK_MSG(mad < 4.0, "target " << target << ": mean abs diff " << mad);
    }
}

TEST_CASE("progressive JPEGs at 1/8 scale skip their luma AC scans with identical pixels") {
    const int W = 1203, H = 901;  // not multiples of 8 or 16
    Image im = smoothImage(W, H);
    // Texture, so that the AC scans carry most of the file.
    for (std::size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = static_cast<std::uint8_t>(im.rgb[i] ^ ((i * 2654435761u) >> 28));
    Image gray = im;
    for (std::size_t i = 0; i + 2 < gray.rgb.size(); i += 3) gray.rgb[i + 1] = gray.rgb[i + 2] = gray.rgb[i];
    struct Variant {
        const char* name;
        const Image* image;
        std::vector<int> params;
    };
    const std::vector<Variant> variants = {
        {"colour", &im, {cv::IMWRITE_JPEG_QUALITY, 92, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
        {"colour with restart markers", &im, {cv::IMWRITE_JPEG_QUALITY, 80, cv::IMWRITE_JPEG_PROGRESSIVE, 1, cv::IMWRITE_JPEG_RST_INTERVAL, 3}},
        {"grey", &gray, {cv::IMWRITE_JPEG_QUALITY, 92, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
    };
    for (const auto& v : variants) {
        Bytes progressive = encodeCv(*v.image, ".jpg", v.params);
        auto dc = lowclip::vision::progressiveJpegDcScans(progressive.data(), progressive.size());
        CHECK_MSG(!dc.empty(), v.name << ": nothing dropped");
        if (dc.empty()) continue;
        CHECK_MSG(dc.size() * 10 < progressive.size() * 7, v.name << ": kept " << dc.size() << " of " << progressive.size() << " bytes");
        for (int target : {100, H / 8, (H + 7) / 8}) {
            DecodeOptions fast, slow;
            fast.targetShortSide = slow.targetShortSide = target;
            slow.progressiveDcShortcut = false;
            Image a = decode(progressive, fast), b = decode(progressive, slow);
            REQUIRE(a.width == b.width && a.height == b.height);
            CHECK(a.width == (W + 7) / 8 && a.height == (H + 7) / 8);
            int maxDiff = 0;
            for (std::size_t i = 0; i < a.rgb.size(); ++i) maxDiff = std::max(maxDiff, std::abs(int(a.rgb[i]) - int(b.rgb[i])));
            CHECK_MSG(maxDiff == 0, v.name << ", target " << target << ": differs from the full decode by up to " << maxDiff);
        }
        // A file cut short is still refused (the shortcut never hides a truncation).
        Bytes truncated(progressive.begin(), progressive.begin() + static_cast<std::ptrdiff_t>(progressive.size() * 2 / 3));
        CHECK(lowclip::vision::progressiveJpegDcScans(truncated.data(), truncated.size()).empty());
        DecodeOptions o;
        o.targetShortSide = 100;
        CHECK_THROWS_WITH(decode(truncated, o), DecodeError, "truncated");
    }
    Bytes baseline = encodeCv(im, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 92});
    CHECK(lowclip::vision::progressiveJpegDcScans(baseline.data(), baseline.size()).empty());
    CHECK(lowclip::vision::progressiveJpegDcScans(baseline.data(), 3).empty());
    CHECK(lowclip::vision::progressiveJpegDcScans(nullptr, 0).empty());
}

// =============================================================================================
// Grayscale, alpha, 16-bit, CMYK
// =============================================================================================

TEST_CASE("grayscale images become equal R, G and B") {
    cv::Mat gray(20, 30, CV_8UC1);
    cv::randu(gray, 0, 256);
    for (const std::string ext : {".png", ".tiff", ".bmp"}) {
        Image out = decode(encodeCv(gray, ext));
        REQUIRE(out.width == 30 && out.height == 20);
        bool ok = true;
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 30; ++x) {
                Rgb p = pixel(out, x, y);
                int g = gray.at<std::uint8_t>(y, x);
                ok = ok && p.r == g && p.g == g && p.b == g;
            }
        CHECK_MSG(ok, ext << " grayscale differs");
    }
    cv::Mat flat(32, 32, CV_8UC1, cv::Scalar(77));
    Image jpg = decode(encodeCv(flat, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}));
    Rgb p = pixel(jpg, 10, 10);
    CHECK(p.r == p.g && p.g == p.b && std::abs(p.r - 77) <= 1);
}

TEST_CASE("alpha is composited onto white") {
    cv::Mat bgra(16, 16, CV_8UC4);
    std::mt19937 rng(5);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x)
            bgra.at<cv::Vec4b>(y, x) = cv::Vec4b(rng() & 255, rng() & 255, rng() & 255,
                                                 x == 0 ? 0 : x == 1 ? 255 : (rng() & 255));
    auto expect = [&](int x, int y) {
        cv::Vec4b s = bgra.at<cv::Vec4b>(y, x);
        auto over = [&](int c) { return static_cast<int>(std::lround((c * s[3] + 255.0 * (255 - s[3])) / 255.0)); };
        return Rgb{over(s[2]), over(s[1]), over(s[0])};
    };
    for (const std::string ext : {".png", ".tiff"}) {
        Image out = decode(encodeCv(bgra, ext));
        REQUIRE(out.width == 16);
        int worst = 0;
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x) worst = std::max(worst, maxDiff(pixel(out, x, y), expect(x, y)));
        CHECK_MSG(worst <= 1, ext << " worst diff " << worst);
        CHECK(maxDiff(pixel(out, 0, 3), {255, 255, 255}) == 0);  // fully transparent -> white
    }
    // Gray + alpha (PNG colour type 4).
    Bytes ga = handPng(2, 1, 4, {100, 0, 100, 255});
    Image out = decode(ga);
    REQUIRE(out.width == 2 && out.height == 1);
    CHECK(maxDiff(pixel(out, 0, 0), {255, 255, 255}) <= 1);
    CHECK(maxDiff(pixel(out, 1, 0), {100, 100, 100}) <= 1);
}

TEST_CASE("16-bit PNG and TIFF are scaled to 8 bits") {
    cv::Mat m(10, 12, CV_16UC3);
    cv::randu(m, 0, 65536);
    m.at<cv::Vec3w>(0, 0) = cv::Vec3w(0, 65535, 32896);
    for (const std::string ext : {".png", ".tiff"}) {
        Image out = decode(encodeCv(m, ext));
        REQUIRE(out.width == 12 && out.height == 10);
        int worst = 0;
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 12; ++x) {
                cv::Vec3w s = m.at<cv::Vec3w>(y, x);
                Rgb want{static_cast<int>(std::lround(s[2] / 257.0)), static_cast<int>(std::lround(s[1] / 257.0)),
                         static_cast<int>(std::lround(s[0] / 257.0))};
                worst = std::max(worst, maxDiff(pixel(out, x, y), want));
            }
        CHECK_MSG(worst == 0, ext << " worst diff " << worst);
    }
    cv::Mat g16(8, 8, CV_16UC1, cv::Scalar(51400));  // 200 * 257
    Image g = decode(encodeCv(g16, ".png"));
    CHECK(maxDiff(pixel(g, 3, 3), {200, 200, 200}) == 0);
}

TEST_CASE("CMYK JPEG and CMYK TIFF become RGB") {
    // Patches: C, M, Y, K=50%, white. RGB from CMYK: channel = 255 * (1 - ink) * (1 - k).
    const std::array<int, 4> patches[5] = {{255, 0, 0, 0}, {0, 255, 0, 0}, {0, 0, 255, 0}, {0, 0, 0, 128}, {0, 0, 0, 0}};
    auto expectRgb = [](const std::array<int, 4>& c) {
        auto ch = [&](int ink) { return static_cast<int>(std::lround((255 - ink) * (255 - c[3]) / 255.0)); };
        return Rgb{ch(c[0]), ch(c[1]), ch(c[2])};
    };
    const int W = 80, H = 16;
#ifdef LOWCLIP_TEST_HAVE_LIBJPEG
    Bytes jpg = encodeCmykJpeg(W, H, [&](int x, int) { return patches[x / 16]; });
    CHECK(sniffImageFormat(jpg.data(), jpg.size()) == "jpeg");
    Image out = decode(jpg);
    REQUIRE(out.width == W && out.height == H);
    for (int i = 0; i < 5; ++i)
        CHECK_MSG(maxDiff(pixel(out, i * 16 + 8, 8), expectRgb(patches[i])) <= 6, "CMYK JPEG patch " << i);
#endif

    Bytes px;
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
            for (int k = 0; k < 4; ++k) px.push_back(static_cast<std::uint8_t>(patches[x / 16][k]));
    Image tif = decode(handTiff(W, H, 4, 5, px));  // photometric 5 = separated (CMYK), not inverted
    REQUIRE(tif.width == W && tif.height == H);
    for (int i = 0; i < 5; ++i)
        CHECK_MSG(maxDiff(pixel(tif, i * 16 + 8, 8), expectRgb(patches[i])) <= 2, "CMYK TIFF patch " << i);
}

// =============================================================================================
// Refusals
// =============================================================================================

TEST_CASE("unreadable input is refused with a DecodeError naming the file") {
    std::string empty = writeFile("empty.jpg", {});
    CHECK_THROWS_WITH(decodeImageFile(empty), DecodeError, "empty");
    CHECK_THROWS_WITH(decodeImageFile(empty), DecodeError, "empty.jpg");
    CHECK_THROWS_WITH(decodeImageFile(tempDir() + "/missing.jpg"), DecodeError, "missing.jpg");
    CHECK_THROWS_WITH(decodeImageFile(tempDir()), DecodeError, "folder");
    const std::string text = "These are holiday notes, not a photo.\n";
    std::string notes = writeFile("notes.jpg", Bytes(text.begin(), text.end()));
    CHECK_THROWS_WITH(decodeImageFile(notes), DecodeError, "not a supported image");
    CHECK_THROWS_WITH(decodeImageFile(notes), DecodeError, "notes.jpg");
    std::mt19937 rng(9);
    Bytes random(4096);
    for (auto& b : random) b = static_cast<std::uint8_t>(rng());
    CHECK_THROWS_WITH(decode(random), DecodeError, "not a supported image");
    CHECK_THROWS_WITH(decodeImageMemory(nullptr, 0), DecodeError, "empty");
    // The same refusals from the metadata reader.
    CHECK_THROWS_WITH(readPhotoMetadata(empty), DecodeError, "empty");
    CHECK_THROWS_WITH(readPhotoMetadata(notes), DecodeError, "not a supported image");
}

TEST_CASE("truncated JPEG and PNG are refused") {
    Image im = noiseImage(120, 90, 3);
    Bytes jpg = encodeCv(im, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
    Bytes png = encodeCv(im, ".png");
    for (double frac : {0.9, 0.5, 0.2}) {
        Bytes j(jpg.begin(), jpg.begin() + static_cast<long>(jpg.size() * frac));
        CHECK_THROWS_WITH(decode(j), DecodeError, "truncated");
        Bytes p(png.begin(), png.begin() + static_cast<long>(png.size() * frac));
        CHECK_THROWS_WITH(decode(p), DecodeError, "PNG");
    }
    Bytes head(jpg.begin(), jpg.begin() + 10);
    CHECK_THROWS_WITH(decode(head), DecodeError, "truncated");
    // Missing only the final two bytes (the end-of-image marker).
    Bytes noEnd(jpg.begin(), jpg.end() - 2);
    CHECK_THROWS_WITH(decode(noEnd), DecodeError, "truncated");
    // Trailing data after a complete JPEG is fine.
    Bytes trailing = jpg;
    trailing.insert(trailing.end(), 1000, 0x55);
    CHECK(decode(trailing).width == 120);
}

TEST_CASE("decompression bombs are refused before any allocation") {
    const long before = maxRssKb();
    Bytes bomb = pngBomb(100000, 100000);
    CHECK_THROWS_WITH(decode(bomb), DecodeError, "100000x100000");
    CHECK_THROWS_WITH(decode(bomb), DecodeError, "limit");
    std::string path = writeFile("bomb.png", bomb);
    CHECK_THROWS_WITH(decodeImageFile(path), DecodeError, "bomb.png");
    // A real JPEG whose frame header is patched to 65000 x 65000.
    Bytes jpg = encodeCv(quadrantImage(64, 48), ".jpg");
    for (std::size_t i = 2; i + 9 < jpg.size(); ++i)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {
            jpg[i + 5] = jpg[i + 7] = 0xFD;
            jpg[i + 6] = jpg[i + 8] = 0xE8;
            break;
        }
    CHECK_THROWS_WITH(decode(jpg), DecodeError, "65000x65000");
    // TIFF and BMP headers claiming huge sizes.
    Bytes tif = handTiff(64, 48, 3, 2, quadrantImage(64, 48).rgb);
    Bytes bigTif = handTiff(200000, 200000, 3, 2, quadrantImage(64, 48).rgb);
    CHECK(decode(tif).width == 64);
    CHECK_THROWS_WITH(decode(bigTif), DecodeError, "limit");
    Bytes bmp = encodeCv(quadrantImage(64, 48), ".bmp");
    for (int k = 0; k < 4; ++k) bmp[18 + k] = bmp[22 + k] = k == 2 ? 0x01 : 0x00;  // 65536 x 65536
    CHECK_THROWS_WITH(decode(bmp), DecodeError, "limit");
    const long after = maxRssKb();
    CHECK_MSG(after - before < 64 * 1024, "peak RSS grew by " << (after - before) << " KiB");
    // The limit is configurable.
    Bytes small = encodeCv(quadrantImage(100, 100), ".png");
    DecodeOptions strict;
    strict.maxPixels = 9999;
    CHECK_THROWS_WITH(decode(small, strict), DecodeError, "limit");
    strict.maxPixels = 10000;
    CHECK(decode(small, strict).width == 100);
}

TEST_CASE("damaged files of every format throw DecodeError or decode, never crash") {
    Image im = smoothImage(48, 40);
    std::vector<std::pair<std::string, Bytes>> files = {
        {"jpeg", encodeCv(im, ".jpg")},
        {"png", encodeCv(im, ".png")},
        {"webp", encodeCv(im, ".webp")},
        {"tiff", encodeCv(im, ".tiff")},
        {"bmp", encodeCv(im, ".bmp")},
        {"cmyk-tiff", handTiff(48, 40, 4, 5, Bytes(48 * 40 * 4, 100))},
    };
    Bytes heif = encodeHeif(im);
    if (!heif.empty()) files.emplace_back("heif", heif);
    std::mt19937 rng(11);
    int decoded = 0, refused = 0;
    for (const auto& [name, bytes] : files) {
        auto attempt = [&](const Bytes& b, const std::string& what) {
            try {
                Image out = decode(b);
                CHECK_MSG(!out.empty() && out.rgb.size() == std::size_t(out.width) * out.height * 3, what);
                ++decoded;
            } catch (const DecodeError&) {
                ++refused;
            } catch (const std::exception& e) {
                CHECK_MSG(false, what << ": wrong exception type: " << e.what());
            }
        };
        for (int cut = 1; cut < 16; ++cut)
            attempt(Bytes(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() * cut / 16)),
                    name + " cut " + std::to_string(cut));
        for (int trial = 0; trial < 40; ++trial) {
            Bytes b = bytes;
            for (int k = 0; k < 6; ++k) b[8 + rng() % (b.size() - 8)] = static_cast<std::uint8_t>(rng());
            attempt(b, name + " corrupted " + std::to_string(trial));
        }
    }
    CHECK(refused > 0);
    CHECK(decoded + refused == static_cast<int>(files.size()) * 55);
}

// =============================================================================================
// Metadata
// =============================================================================================

TEST_CASE("readPhotoMetadata reads date, camera and GPS written by exiv2") {
    std::string path = writeFile("meta.jpg", encodeCv(quadrantImage(64, 48), ".jpg"));
    PhotoMetadata bare = readPhotoMetadata(path);  // no EXIF at all: no throw, empty fields
    CHECK(bare.width == 64 && bare.height == 48 && bare.format == "jpeg");
    CHECK(bare.dateTaken.empty() && bare.cameraMake.empty() && !bare.latitude && bare.orientation == 1);
    setExif(path, [](Exiv2::ExifData& exif) {
        exif["Exif.Photo.DateTimeOriginal"] = "2023:07:14 18:05:09";
        exif["Exif.Image.DateTime"] = "2024:01:01 00:00:00";
        exif["Exif.Image.Make"] = "Qaraca Optics ";
        exif["Exif.Image.Model"] = "QX-1";
        exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
        exif["Exif.GPSInfo.GPSLatitude"] = Exiv2::URationalValue();
        exif["Exif.GPSInfo.GPSLatitude"].setValue("40/1 24/1 342/10");
        exif["Exif.GPSInfo.GPSLongitudeRef"] = "W";
        exif["Exif.GPSInfo.GPSLongitude"] = Exiv2::URationalValue();
        exif["Exif.GPSInfo.GPSLongitude"].setValue("49/1 52/1 30/1");
        exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(8);
    });
    PhotoMetadata m = readPhotoMetadata(path);
    CHECK(m.format == "jpeg");
    CHECK_MSG(m.dateTaken == "2023-07-14T18:05:09", m.dateTaken);
    CHECK_MSG(m.cameraMake == "Qaraca Optics", "[" << m.cameraMake << "]");
    CHECK(m.cameraModel == "QX-1");
    REQUIRE(m.latitude && m.longitude);
    CHECK_MSG(std::fabs(*m.latitude - (40 + 24 / 60.0 + 34.2 / 3600)) < 1e-9, *m.latitude);
    CHECK_MSG(std::fabs(*m.longitude + (49 + 52 / 60.0 + 30 / 3600.0)) < 1e-9, *m.longitude);
    CHECK(m.orientation == 8 && m.width == 48 && m.height == 64);

    // A placeholder date is no date; PNG and HEIF report their own size and format.
    setExif(path, [](Exiv2::ExifData& exif) {
        exif["Exif.Photo.DateTimeOriginal"] = "0000:00:00 00:00:00";
        exif.erase(exif.findKey(Exiv2::ExifKey("Exif.Image.DateTime")));
    });
    CHECK(readPhotoMetadata(path).dateTaken.empty());
    PhotoMetadata png = readPhotoMetadata(writeFile("meta.png", encodeCv(quadrantImage(30, 20), ".png")));
    CHECK(png.format == "png" && png.width == 30 && png.height == 20);
    Bytes heif = encodeHeif(quadrantImage(64, 48), false, 6);
    if (!heif.empty()) {
        PhotoMetadata h = readPhotoMetadata(writeFile("meta.heic", heif));
        CHECK(h.format == "heif" && h.width == 48 && h.height == 64 && h.orientation == 1);
    }
}

TEST_CASE("broken EXIF blocks are ignored, not fatal") {
    Bytes jpg = encodeCv(quadrantImage(64, 48), ".jpg");
    std::mt19937 rng(21);
    for (const std::string& head : {std::string("II*\0\x08\0\0\0\xff\xff", 10), std::string("MM\0*\xff\xff\xff\x00", 8),
                                   std::string("garbage!")}) {
        Bytes app1 = {'E', 'x', 'i', 'f', 0, 0};
        app1.insert(app1.end(), head.begin(), head.end());
        for (int i = 0; i < 40; ++i) app1.push_back(static_cast<std::uint8_t>(rng()));
        Bytes broken = {0xFF, 0xD8, 0xFF, 0xE1, static_cast<std::uint8_t>((app1.size() + 2) >> 8),
                        static_cast<std::uint8_t>((app1.size() + 2) & 0xff)};
        broken.insert(broken.end(), app1.begin(), app1.end());
        broken.insert(broken.end(), jpg.begin() + 2, jpg.end());
        Image out = decode(broken);
        CHECK(out.width == 64 && out.height == 48);
        std::string path = writeFile("broken-exif.jpg", broken);
        PhotoMetadata m = readPhotoMetadata(path);
        CHECK(m.width == 64 && m.height == 48 && m.format == "jpeg" && m.orientation == 1);
    }
}

// =============================================================================================
// Encoding, thumbnails
// =============================================================================================

TEST_CASE("saveImage, encodeJpeg and resizeToFit") {
    Image im = noiseImage(50, 30, 4);
    std::string png = tempDir() + "/saved.png";
    CHECK(saveImage(im, png));
    CHECK(decodeImageFile(png).rgb == im.rgb);
    Image smooth = smoothImage(50, 30);
    std::string jpg = tempDir() + "/saved.JPG";
    CHECK(saveImage(smooth, jpg));
    CHECK(sniffImageFormat(readBytes(jpg).data(), readBytes(jpg).size()) == "jpeg");
    Bytes enc = encodeJpeg(smooth, 90);
    Image back = decode(enc);
    cv::Mat a(30, 50, CV_8UC3, smooth.rgb.data()), b(30, 50, CV_8UC3, back.rgb.data());
    CHECK(cv::norm(a, b, cv::NORM_L1) / (50.0 * 30 * 3) < 3.0);
    CHECK(encodeJpeg(smooth, 20).size() < encodeJpeg(smooth, 95).size());
    CHECK(!saveImage(im, tempDir() + "/saved.xyz"));
    CHECK(!saveImage(Image{}, tempDir() + "/empty.png"));
    CHECK(!saveImage(im, tempDir() + "/no-such-folder/x.png"));
    CHECK(!std::filesystem::exists(tempDir() + "/no-such-folder"));

    Image big = smoothImage(400, 100);
    Image t = resizeToFit(big, 128);
    CHECK(t.width == 128 && t.height == 32);
    Image tall = resizeToFit(smoothImage(90, 300), 100);
    CHECK(tall.height == 100 && tall.width == 30);
    Image same = resizeToFit(big, 400);
    CHECK(same.width == 400 && same.rgb == big.rgb);
    // Area interpolation: a 2x2 block average.
    Image checker = noiseImage(4, 2, 6);
    Image half = resizeToFit(checker, 2);
    REQUIRE(half.width == 2 && half.height == 1);
    int sum = 0;
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) sum += pixel(checker, x, y).r;
    CHECK(std::abs(pixel(half, 0, 0).r - sum / 4.0) <= 0.5 + 1e-9);
}

// =============================================================================================
// Preprocessing
// =============================================================================================

namespace {

// PIL's antialiased resampling weights for one axis, written out densely from the definition:
// output i covers input centre c = (i + 0.5) * in / out; with s = max(in / out, 1), input pixel j
// gets k((j + 0.5 - c) / s) for j within c +- support * s (rounded as PIL does), normalised to sum 1.
std::vector<std::vector<double>> denseWeights(int in, int out, double support, const std::function<double(double)>& k) {
    std::vector<std::vector<double>> w(out, std::vector<double>(in, 0.0));
    double scale = double(in) / out, fs = std::max(scale, 1.0), sup = support * fs;
    for (int i = 0; i < out; ++i) {
        double c = (i + 0.5) * scale;
        int lo = std::max(static_cast<int>(c - sup + 0.5), 0), hi = std::min(static_cast<int>(c + sup + 0.5), in);
        double sum = 0;
        for (int j = lo; j < hi; ++j) sum += (w[i][j] = k((j + 0.5 - c) / fs));
        for (int j = lo; j < hi; ++j) w[i][j] /= sum;
    }
    return w;
}

double triangle(double x) { return std::max(0.0, 1.0 - std::fabs(x)); }
double cubic(double x) {
    const double a = -0.5;
    x = std::fabs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0;
}

// Direct torchvision Resize + CenterCrop + Normalize from dense weight matrices, in double precision.
std::vector<float> referencePreprocess(const Image& im, const PreprocessSpec& spec, double support,
                                       const std::function<double(double)>& k) {
    const int r = spec.resizeSize ? spec.resizeSize : spec.imageSize;
    int ow, oh;
    if (im.width <= im.height) {
        ow = r;
        oh = static_cast<int>(std::floor(double(r) * im.height / im.width));
    } else {
        oh = r;
        ow = static_cast<int>(std::floor(double(r) * im.width / im.height));
    }
    const int left = pyRound((ow - spec.imageSize) / 2.0), top = pyRound((oh - spec.imageSize) / 2.0);
    auto wx = denseWeights(im.width, ow, support, k), wy = denseWeights(im.height, oh, support, k);
    const int S = spec.imageSize;
    // Horizontal pass over every row (clamped to 0..255 like PIL's 8-bit intermediate), then vertical.
    std::vector<double> mid(static_cast<std::size_t>(im.height) * S * 3);
    for (int sy = 0; sy < im.height; ++sy)
        for (int x = 0; x < S; ++x)
            for (int c = 0; c < 3; ++c) {
                double v = 0;
                for (int sx = 0; sx < im.width; ++sx)
                    v += wx[left + x][sx] * im.rgb[(static_cast<std::size_t>(sy) * im.width + sx) * 3 + c];
                mid[(static_cast<std::size_t>(sy) * S + x) * 3 + c] = std::clamp(v, 0.0, 255.0);
            }
    std::vector<float> out(3 * S * S);
    for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x)
            for (int c = 0; c < 3; ++c) {
                double v = 0;
                for (int sy = 0; sy < im.height; ++sy) v += wy[top + y][sy] * mid[(static_cast<std::size_t>(sy) * S + x) * 3 + c];
                v = std::clamp(v, 0.0, 255.0);
                out[(c * S + y) * S + x] = static_cast<float>((v / 255.0 - spec.mean[c]) / spec.std[c]);
            }
    return out;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
    return m;
}

}  // namespace

TEST_CASE("preprocess of a flat image is the normalised colour everywhere") {
    Image im;
    im.width = 300;
    im.height = 200;
    im.rgb.resize(300 * 200 * 3);
    for (std::size_t i = 0; i < im.rgb.size(); i += 3) {
        im.rgb[i] = 10;
        im.rgb[i + 1] = 128;
        im.rgb[i + 2] = 250;
    }
    PreprocessSpec spec;
    std::vector<float> out = preprocess(im, spec);
    REQUIRE(out.size() == 3u * 224 * 224);
    const int v[3] = {10, 128, 250};
    for (int c = 0; c < 3; ++c) {
        const double want = (v[c] / 255.0 - spec.mean[c]) / spec.std[c];
        double worst = 0;
        for (int i = 0; i < 224 * 224; ++i) worst = std::max(worst, std::fabs(out[c * 224 * 224 + i] - want));
        CHECK_MSG(worst < 1e-5, "channel " << c << " worst " << worst);
    }
}

TEST_CASE("preprocess matches a direct computation of resize, centre crop and normalise") {
    struct Case {
        int w, h, size, resize;
        std::string interpolation;
    };
    // Downscaling (antialiased), upscaling, odd crop offsets (ties round to even), portrait, bicubic.
    const Case cases[] = {{97, 61, 32, 40, "bilinear"}, {23, 19, 30, 0, "bilinear"}, {61, 97, 32, 35, "bilinear"},
                          {80, 45, 24, 27, "bicubic"},  {50, 50, 16, 16, "bilinear"}};
    for (const Case& c : cases) {
        Image im = noiseImage(c.w, c.h, static_cast<unsigned>(c.w * 31 + c.h));
        PreprocessSpec spec;
        spec.imageSize = c.size;
        spec.resizeSize = c.resize;
        spec.interpolation = c.interpolation;
        spec.mean = {0.48145466f, 0.4578275f, 0.40821073f};
        spec.std = {0.26862954f, 0.26130258f, 0.27577711f};
        std::vector<float> got = preprocess(im, spec);
        std::vector<float> want =
            c.interpolation == "bicubic" ? referencePreprocess(im, spec, 2.0, cubic) : referencePreprocess(im, spec, 1.0, triangle);
        REQUIRE(got.size() == want.size());
        const double diff = maxAbsDiff(got, want);
        CHECK_MSG(diff < 1e-4, c.w << "x" << c.h << " -> " << c.size << "/" << c.resize << " " << c.interpolation
                                   << ": max diff " << diff);
        // preprocessInto writes the same floats into a caller's buffer.
        std::vector<float> into(got.size() + 1, -7.0f);
        preprocessInto(im, spec, into.data());
        CHECK(std::equal(got.begin(), got.end(), into.begin()) && into.back() == -7.0f);
    }
}

TEST_CASE("upscaling agrees with OpenCV's bilinear resize on floats") {
    Image im = noiseImage(50, 37, 8);
    PreprocessSpec spec;
    spec.imageSize = 64;
    spec.resizeSize = 72;
    // torchvision sizes: shorter side 37 -> 72, longer int(72 * 50 / 37).
    const int ow = 72 * 50 / 37, oh = 72;
    cv::Mat f;
    cv::Mat(37, 50, CV_8UC3, im.rgb.data()).convertTo(f, CV_32FC3);
    cv::Mat up;
    cv::resize(f, up, cv::Size(ow, oh), 0, 0, cv::INTER_LINEAR);
    const int left = pyRound((ow - 64) / 2.0), top = pyRound((oh - 64) / 2.0);
    std::vector<float> got = preprocess(im, spec);
    double worst = 0;
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) {
                double v = (up.at<cv::Vec3f>(top + y, left + x)[c] / 255.0 - spec.mean[c]) / spec.std[c];
                worst = std::max(worst, std::fabs(got[(c * 64 + y) * 64 + x] - v));
            }
    CHECK_MSG(worst < 1e-4, "max diff " << worst);
}

TEST_CASE("centre crop offsets, identity at scale 1, and channel planes") {
    // Coordinates encoded in the pixels; resizeSize equal to the shorter side keeps the scale at 1.
    for (auto [w, h] : std::vector<std::pair<int, int>>{{227, 230}, {230, 227}, {225, 224}, {229, 226}}) {
        Image im;
        im.width = w;
        im.height = h;
        im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                std::uint8_t* p = &im.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
                p[0] = static_cast<std::uint8_t>(x);
                p[1] = static_cast<std::uint8_t>(y);
                p[2] = static_cast<std::uint8_t>(x + y);
            }
        PreprocessSpec spec;
        spec.imageSize = 224;
        spec.resizeSize = std::min(w, h);
        spec.mean = {0, 0, 0};
        spec.std = {1, 1, 1};
        Image crop = resizeAndCenterCrop(im, spec);
        REQUIRE(crop.width == 224 && crop.height == 224);
        const int left = pyRound((w - 224) / 2.0), top = pyRound((h - 224) / 2.0);
        CHECK_MSG(crop.rgb == resizeAndCenterCrop(im, spec).rgb, "deterministic");
        Rgb p = pixel(crop, 0, 0);
        CHECK_MSG(p.r == left && p.g == top, w << "x" << h << ": crop starts at " << p.r << "," << p.g << " not " << left << ","
                                                << top);
        std::vector<float> chw = preprocess(im, spec);
        const int x = 17, y = 101;
        Rgb q = pixel(im, left + x, top + y);
        CHECK(std::fabs(chw[(0 * 224 + y) * 224 + x] - q.r / 255.0f) < 1e-6);
        CHECK(std::fabs(chw[(1 * 224 + y) * 224 + x] - q.g / 255.0f) < 1e-6);
        CHECK(std::fabs(chw[(2 * 224 + y) * 224 + x] - q.b / 255.0f) < 1e-6);
    }
}

TEST_CASE("preprocess rejects invalid specs and images") {
    Image im = noiseImage(20, 20, 1);
    PreprocessSpec spec;
    spec.imageSize = 16;
    spec.resizeSize = 12;
    CHECK_THROWS_WITH(preprocess(im, spec), lowclip::Error, "resizeSize");
    spec.resizeSize = 0;
    spec.interpolation = "sinc-ish";
    CHECK_THROWS_WITH(preprocess(im, spec), lowclip::Error, "interpolation");
    spec.interpolation = "nearest";
    CHECK(preprocess(im, spec).size() == 3u * 16 * 16);
    CHECK_THROWS_WITH(preprocess(Image{}, spec), lowclip::Error, "empty");
    Image broken = im;
    broken.rgb.resize(10);
    CHECK_THROWS_WITH(preprocess(broken, spec), lowclip::Error, "empty");
}

// =============================================================================================
// Augmentation
// =============================================================================================

TEST_CASE("augmentation is reproducible per seed and varies across seeds") {
    Image im = smoothImage(320, 240);
    AugmentConfig all;  // the paper's set
    all.randomResizedCrop = 0.5f;
    all.colorJitter = 0.5f;
    Augmenter aug(all);
    std::vector<std::vector<std::uint8_t>> outputs;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        std::mt19937_64 a(seed), b(seed);
        Image x = aug.apply(im, a), y = aug.apply(im, b);
        CHECK(x.width == 224 && x.height == 224);
        CHECK_MSG(x.rgb == y.rgb, "seed " << seed << " is not reproducible");
        // The generator advances: the next draw differs from the first.
        CHECK(aug.apply(im, a).rgb != x.rgb);
        outputs.push_back(x.rgb);
    }
    int distinct = 0;
    for (std::size_t i = 1; i < outputs.size(); ++i) distinct += outputs[i] != outputs[0];
    CHECK(distinct == static_cast<int>(outputs.size()) - 1);
}

TEST_CASE("every augmentation changes the image, and none() only resizes") {
    Image im = smoothImage(300, 200);
    AugmentConfig none = AugmentConfig::none();
    none.outputSize = 96;
    std::mt19937_64 rng0(3);
    Image base = Augmenter(none).apply(im, rng0);
    PreprocessSpec spec;
    spec.imageSize = 96;
    CHECK(base.rgb == resizeAndCenterCrop(im, spec).rgb);
    const std::vector<std::pair<std::string, float AugmentConfig::*>> ops = {
        {"hflip", &AugmentConfig::hflip},
        {"vflip", &AugmentConfig::vflip},
        {"rotate90", &AugmentConfig::rotate90},
        {"shiftScaleRotate", &AugmentConfig::shiftScaleRotate},
        {"perspective", &AugmentConfig::perspective},
        {"blur", &AugmentConfig::blur},
        {"gaussNoise", &AugmentConfig::gaussNoise},
        {"colorJitter", &AugmentConfig::colorJitter},
        {"randomResizedCrop", &AugmentConfig::randomResizedCrop},
    };
    for (const auto& [name, member] : ops) {
        AugmentConfig c = none;
        c.*member = 1.0f;
        Augmenter aug(c);
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            std::mt19937_64 rng(seed);
            Image out = aug.apply(im, rng);
            REQUIRE(out.width == 96 && out.height == 96);
            cv::Mat a(96, 96, CV_8UC3, base.rgb.data()), b(96, 96, CV_8UC3, out.rgb.data());
            const double mad = cv::norm(a, b, cv::NORM_L1) / (96.0 * 96 * 3);
            CHECK_MSG(mad > 0.5, name << " seed " << seed << " barely changed the image (mean abs diff " << mad << ")");
        }
    }
    // Flips are exact mirrors of the base image.
    AugmentConfig h = none;
    h.hflip = 1.0f;
    std::mt19937_64 rng(1);
    Image flipped = Augmenter(h).apply(im, rng);
    CHECK(pixel(flipped, 0, 10).r == pixel(base, 95, 10).r && pixel(flipped, 95, 50).g == pixel(base, 0, 50).g);
}

TEST_CASE("augmenter rejects invalid configurations") {
    AugmentConfig c;
    c.hflip = 1.5f;
    CHECK_THROWS_WITH(Augmenter{c}, lowclip::Error, "hflip");
    c = AugmentConfig{};
    c.outputSize = 0;
    CHECK_THROWS_WITH(Augmenter{c}, lowclip::Error, "outputSize");
    c = AugmentConfig{};
    c.interpolation = "fancy";
    CHECK_THROWS_WITH(Augmenter{c}, lowclip::Error, "interpolation");
    c = AugmentConfig{};
    c.blurLimit = 1;
    CHECK_THROWS_WITH(Augmenter{c}, lowclip::Error, "blurLimit");
    std::mt19937_64 rng(1);
    CHECK_THROWS_WITH(Augmenter().apply(Image{}, rng), lowclip::Error, "empty");
}

LOWCLIP_TEST_MAIN()
