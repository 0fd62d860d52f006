// core/util/utf8: decoding with both replacement policies, validation, encoding, display.
#include <string>

#include "core/util/utf8.h"
#include "tests/support/testing.h"

using namespace lowclip::util;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
std::u32string decodeEach(const std::string& s) { return decodeUtf8(s, Utf8Replacement::EachByte); }
}  // namespace

TEST_CASE("valid text decodes to its code points and encodes back") {
    const std::string az = "Göygöl, ağ şəkil: İçərişəhər \xF0\x9F\x93\xB7";  // ends with U+1F4F7
    std::u32string cps = decodeUtf8(az);
    CHECK(cps == U"Göygöl, ağ şəkil: İçərişəhər \U0001F4F7");
    CHECK(encodeUtf8(cps) == az);
    CHECK(isValidUtf8(az));
    CHECK(makeValidUtf8(az) == az);
    CHECK(makeValidUtf8(az, Utf8Replacement::EachByte) == az);
    std::size_t pos = 1;
    CHECK(decodeUtf8(az, pos) == U'ö');
    CHECK(pos == 3);
}

TEST_CASE("every scalar value round-trips; surrogates and values past U+10FFFF encode as U+FFFD") {
    std::size_t bad = 0;
    for (char32_t c = 0; c <= 0x10FFFF; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        std::string s;
        appendUtf8(s, c);
        std::size_t pos = 0;
        if (decodeUtf8(s, pos) != c || pos != s.size() || !isValidUtf8(s)) ++bad;
    }
    CHECK(bad == 0);
    std::string s;
    appendUtf8(s, 0xD800);
    appendUtf8(s, 0x110000);
    CHECK(s == kFffd + kFffd);
}

TEST_CASE("maximal subpart: one U+FFFD per bad sequence, as Unicode, ICU and Python do") {
    // The example of the Unicode standard (3.9, table 3-8), checked against Python's
    // bytes.decode("utf-8", errors="replace").
    const std::string t = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
    CHECK(decodeUtf8(t) == U"a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd");
    CHECK(decodeUtf8("\xE2\x82" "A") == U"\uFFFDA");      // truncated: the 'A' is not swallowed
    CHECK(decodeUtf8("\xC0\xAF") == U"\uFFFD\uFFFD");     // overlong '/'
    CHECK(decodeUtf8("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD");  // a surrogate
    CHECK(decodeUtf8("\xF4\x90\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD");  // past U+10FFFF
    CHECK(decodeUtf8("\xF0\x9F\x98") == U"\uFFFD");       // truncated at the end
    CHECK(decodeUtf8("\xFF\xFE") == U"\uFFFD\uFFFD");
    std::size_t pos = 0;
    CHECK(decodeUtf8("\xE2\x82" "A", pos) == kReplacementChar);
    CHECK(pos == 2);
    CHECK(makeValidUtf8("x\xE2\x82" "A") == "x" + kFffd + "A");
}

TEST_CASE("each byte: one U+FFFD per byte outside a valid sequence") {
    CHECK(decodeEach("\xE2\x82" "A") == U"\uFFFD\uFFFDA");
    CHECK(decodeEach("\xF0\x9F\x98") == U"\uFFFD\uFFFD\uFFFD");
    CHECK(decodeEach("a\xC3\xA4\xFF") == U"a\u00E4\uFFFD");
    std::size_t pos = 0;
    CHECK(decodeUtf8("\xE2\x82" "A", pos, Utf8Replacement::EachByte) == kReplacementChar);
    CHECK(pos == 1);
    CHECK(makeValidUtf8("x\xE2\x82", Utf8Replacement::EachByte) == "x" + kFffd + kFffd);
    CHECK(makeValidUtf8("bad\xff\xfe name", Utf8Replacement::EachByte) == "bad" + kFffd + kFffd + " name");
}

TEST_CASE("validation: a literal U+FFFD is valid, every kind of bad sequence is not") {
    CHECK(isValidUtf8(""));
    CHECK(isValidUtf8("\xC9\x99" + kFffd));
    for (const char* bad : {"\xC9", "\x80", "\xC0\x80", "\xE0\x80\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                            "a\xE2\x82"}) {
        CHECK_MSG(!isValidUtf8(bad), "accepted " << bad);
        CHECK(isValidUtf8(makeValidUtf8(bad)));
        CHECK(isValidUtf8(makeValidUtf8(bad, Utf8Replacement::EachByte)));
    }
}

LOWCLIP_TEST_MAIN()
