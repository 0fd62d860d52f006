// Crafted image headers: each is refused by our own probe, with our own words and a typed error,
// before a decoder sees it (no OpenCV assertion text, no big allocation).
#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "core/vision/vision.h"
#include "tests/support/testing.h"

using namespace lowclip;
using namespace lowclip::vision;
using Bytes = std::vector<std::uint8_t>;

namespace {

struct TiffEntry {
    unsigned tag, type, count, value;
};

// A little-endian TIFF with the given first-directory entries (written as given, so tags can repeat)
// and `dataSize` bytes of pixel data at offset 8.
Bytes tiff(const std::vector<TiffEntry>& entries, std::size_t dataSize = 64 * 48) {
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
    const unsigned ifdOffset = dataOffset + static_cast<unsigned>(dataSize) + (dataSize & 1);
    t.insert(t.end(), {'I', 'I', 42, 0});
    u32(ifdOffset);
    for (std::size_t i = 0; i < dataSize; ++i) t.push_back(static_cast<std::uint8_t>(i * 7));
    while (t.size() < ifdOffset) t.push_back(0);
    u16(static_cast<unsigned>(entries.size()));
    for (const auto& e : entries) {
        u16(e.tag);
        u16(e.type);
        u32(e.count);
        u32(e.type == 3 && e.count == 1 ? (e.value & 0xffff) : e.value);
    }
    u32(0);
    return t;
}

// Gray 8-bit strip TIFF entries for a w x h image; `widths` gives one or more ImageWidth tags.
std::vector<TiffEntry> grayTiff(std::vector<unsigned> widths, unsigned h) {
    std::vector<TiffEntry> e;
    for (unsigned w : widths) e.push_back({256, 4, 1, w});
    e.push_back({257, 4, 1, h});
    e.push_back({258, 3, 1, 8});
    e.push_back({259, 3, 1, 1});
    e.push_back({262, 3, 1, 1});
    e.push_back({273, 4, 1, 8});
    e.push_back({277, 3, 1, 1});
    e.push_back({278, 4, 1, h});
    e.push_back({279, 4, 1, 64 * 48});
    return e;
}

long maxRssKb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Decodes `bytes` as "name" and checks that it is refused with `expect`, typed, in plain words.
void checkRefused(const std::string& name, const Bytes& bytes, const std::string& expect) {
    bool threw = false;
    try {
        decodeImageMemory(bytes.data(), bytes.size(), {}, name);
    } catch (const DecodeError& e) {
        threw = true;
        const std::string what = e.what();
        CHECK_MSG(what.find(expect) != std::string::npos, name << ": got '" << what << "'");
        CHECK_MSG(e.code() == ErrorCode::InvalidFile, name << ": code " << errorCodeName(e.code()));
        CHECK_MSG(e.detail("path") == name, name << ": path detail '" << e.detail("path") << "'");
        CHECK_MSG(!e.detail("reason").empty(), name << ": no reason detail");
        for (const char* internal : {"OpenCV", "cv::", "Assertion", "error: (", "validateInputImageSize", "bad_alloc"})
            CHECK_MSG(what.find(internal) == std::string::npos, name << ": internal text in '" << what << "'");
    } catch (const std::exception& e) {
        CHECK_MSG(false, name << ": not a DecodeError: " << e.what());
    }
    CHECK_MSG(threw, name << " was decoded");
}

}  // namespace

TEST_CASE("the hand-made TIFF decodes (the crafted ones below differ from it in one tag)") {
    Bytes t = tiff(grayTiff({64}, 48));
    Image im = decodeImageMemory(t.data(), t.size());
    CHECK(im.width == 64);
    CHECK(im.height == 48);
}

TEST_CASE("a TIFF with a repeated tag is refused by the probe (readers disagree on which copy counts)") {
    const long before = maxRssKb();
    // libtiff keeps the first ImageWidth (40000 x 40000 = 1.6 gigapixels), a last-wins probe the second (64).
    checkRefused("two-widths.tif", tiff(grayTiff({40000, 64}, 40000)), "appears more than once");
    checkRefused("two-widths-small-first.tif", tiff(grayTiff({64, 40000}, 48)), "appears more than once");
    auto e = grayTiff({64}, 48);
    e.push_back({274, 3, 1, 1});
    e.push_back({274, 3, 1, 6});
    checkRefused("two-orientations.tif", tiff(e), "appears more than once");
    Bytes twice = tiff(grayTiff({40000, 64}, 40000));
    CHECK_THROWS_WITH(probeImageHeader(twice.data(), twice.size(), "x.tif"), DecodeError, "tag 256");
    CHECK_MSG(maxRssKb() - before < 32 * 1024, "peak RSS grew by " << (maxRssKb() - before) << " KiB");
}

TEST_CASE("sizes whose product overflows, and sizes beyond the decoder's own limits, get our message") {
    // 0xFFFFFFFF x 0xFFFFFFFF overflows int64 when multiplied.
    checkRefused("4G-by-4G.tif", tiff(grayTiff({0xFFFFFFFFu}, 0xFFFFFFFFu)), "above the limit");
    checkRefused("3G-by-3G.tif", tiff(grayTiff({3037000500u}, 3037000500u)), "above the limit");
    // 2^21 x 1: only 2 MP, under our limit, but wider than OpenCV reads (2^20).
    cv::Mat px(1, 4, CV_8UC3, cv::Scalar(10, 20, 30));
    std::vector<std::uint8_t> png;
    REQUIRE(cv::imencode(".png", px, png));
    const std::uint32_t w = 1u << 21;
    png[16] = w >> 24;
    png[17] = (w >> 16) & 0xff;
    png[18] = (w >> 8) & 0xff;
    png[19] = w & 0xff;
    std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, png.data() + 12, 17));
    for (int i = 0; i < 4; ++i) png[29 + i] = (crc >> (24 - 8 * i)) & 0xff;
    checkRefused("wide.png", png, "larger than the image decoder accepts");
    // The same wide image with a larger limit of ours still gets our message.
    DecodeOptions loose;
    loose.maxPixels = 0;  // no limit of ours
    CHECK_THROWS_WITH(decodeImageMemory(png.data(), png.size(), loose, "wide.png"), DecodeError, "decoder accepts");
}

TEST_CASE("probed sizes are checked for every format before decoding; errors are typed with the file") {
    // PNG, JPEG and WebP whose headers claim 60000 x 60000 (3.6 GP).
    cv::Mat px(48, 64, CV_8UC3, cv::Scalar(10, 200, 30));
    std::vector<std::uint8_t> png, jpg;
    REQUIRE(cv::imencode(".png", px, png));
    REQUIRE(cv::imencode(".jpg", px, jpg));
    for (int k : {16, 20}) {
        png[k] = 0;
        png[k + 1] = 0;
        png[k + 2] = 60000 >> 8;
        png[k + 3] = 60000 & 0xff;
    }
    std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, png.data() + 12, 17));
    for (int i = 0; i < 4; ++i) png[29 + i] = (crc >> (24 - 8 * i)) & 0xff;
    checkRefused("big.png", png, "60000x60000");
    for (std::size_t i = 2; i + 9 < jpg.size(); ++i)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {
            jpg[i + 5] = jpg[i + 7] = 60000 >> 8;
            jpg[i + 6] = jpg[i + 8] = 60000 & 0xff;
            break;
        }
    checkRefused("big.jpg", jpg, "60000x60000");
    // WebP VP8X canvas of 2^24 x 2^24.
    Bytes webp = {'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0,
                  0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    checkRefused("big.webp", webp, "16777216x16777216");
    // Not an image at all, and empty.
    checkRefused("text.jpg", Bytes{'h', 'e', 'l', 'l', 'o'}, "not a supported image");
    checkRefused("empty.png", Bytes{}, "empty");
}

LOWCLIP_TEST_MAIN()
