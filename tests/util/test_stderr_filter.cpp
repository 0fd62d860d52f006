// core/util/stderr_filter: library diagnostics held back, everything else passed through in order.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "core/util/stderr_filter.h"
#include "tests/support/testing.h"

namespace util = lowclip::util;

namespace {
void put(const char* s) {
    ssize_t n = ::write(2, s, std::strlen(s));
    (void)n;
}
}  // namespace

TEST_CASE("the prefixes of libpng, libjpeg, libtiff and OpenCV are noise; other lines are not") {
    CHECK(util::isLibraryNoise("libpng warning: iCCP: known incorrect sRGB profile"));
    CHECK(util::isLibraryNoise("Corrupt JPEG data: 12 extraneous bytes before marker 0xd9"));
    CHECK(util::isLibraryNoise("[ WARN:0@0.012] global loadsave.cpp (244) findDecoder imread_(...)"));
    CHECK(!util::isLibraryNoise("lowclip-cli index: 3 photos could not be read"));
    CHECK(!util::isLibraryNoise("  libpng warning: indented is ours"));
}

TEST_CASE("through the filter: noise dropped, our lines (also partial and \\r-terminated) kept in order") {
    const std::string file = lowclip::testing::makeTempDir() + "/stderr.txt";
    int saved = ::dup(2);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(saved >= 0 && fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
    const bool installed = util::installStderrFilter();
    put("first line\n");
    put("libpng warning: iCCP: known incorrect sRGB profile\n");
    put("progress 10%\r");
    put("Corrupt JPEG data: premature end of data segment\n");
    put("Corrupt JPEG");  // noise arriving in pieces
    put(" data: bad Huffman code\n");
    std::fprintf(stderr, "[ WARN:0@1.2] global grfmt_png.cpp something\n");
    std::fflush(stderr);
    put("prompt without end");
    util::removeStderrFilter();
    ::dup2(saved, 2);
    ::close(saved);
    REQUIRE(installed);
    std::ifstream in(file, std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_MSG(got == "first line\nprogress 10%\rprompt without end", "got: " << got);
}

LOWCLIP_TEST_MAIN()
