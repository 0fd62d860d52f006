// The caption file format on its own: escapes, BOM, CRLF, comments, refused lines, long lines.
#include <sstream>

#include "core/library/caption_tsv.h"
#include "tests/support/testing.h"

using namespace lowclip::library;

TEST_CASE("captions with every special character survive a write and a read") {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"/şəkillər/a\tb.jpg", "dağ\tgölü\nikinci sətir\\son\r"}, {"rel/x.jpg", "Göygöl"}};
    std::istringstream in(formatCaptionTsv(rows));
    auto lines = parseCaptionTsv(in);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].path == rows[0].first);
    CHECK(lines[0].text == "dağ\tgölü\nikinci sətir\\son");  // trimmed at the ends only
    CHECK(lines[0].problem.empty());
    CHECK(lines[1].line == 2);
    CHECK(lines[1].text == "Göygöl");
    CHECK(tsvUnescape(tsvEscape("a\\tb")) == "a\\tb");
}

TEST_CASE("BOM, CRLF, comments and blank lines; refused lines keep their line numbers") {
    std::istringstream in("\xEF\xBB\xBF" "a.jpg\tbir\r\n# a comment\n\n   \nno tab here\nb.jpg\t   \nc.jpg\tüç");
    auto lines = parseCaptionTsv(in);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].path == "a.jpg");
    CHECK(lines[0].text == "bir");
    CHECK(lines[1].line == 5);
    CHECK(lines[1].problem == "no TAB between path and caption");
    CHECK(lines[2].line == 6);
    CHECK(lines[2].problem == "empty caption");
    CHECK(lines[3].line == 7);
    CHECK(lines[3].text == "üç");  // the last line needs no line feed
}

TEST_CASE("a line longer than the limit is refused without being kept, and reading goes on") {
    std::string huge(kMaxTsvLineBytes + 10, 'x');
    huge[5] = '\t';
    std::istringstream in("a.jpg\tbir\n" + huge + "\nb.jpg\tiki\n");
    auto lines = parseCaptionTsv(in);
    REQUIRE(lines.size() == 3);
    CHECK(lines[1].line == 2);
    CHECK(lines[1].problem.find("longer than") != std::string::npos);
    CHECK(lines[1].path.empty());
    CHECK(lines[2].text == "iki");
}

TEST_CASE("paths starting with '#' or a byte-order mark survive a round trip; an empty path is refused") {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"\xEF\xBB\xBF" "b.jpg", "iki"}, {"#2024/a.jpg", "bir"}, {"\\#c.jpg", "üç"}};
    std::istringstream in(formatCaptionTsv(rows));
    auto lines = parseCaptionTsv(in);
    REQUIRE(lines.size() == 3);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(lines[i].problem.empty());
        CHECK(lines[i].path == rows[i].first);
        CHECK(lines[i].text == rows[i].second);
    }
    std::istringstream empty("\tcaption without a path\n");
    auto refused = parseCaptionTsv(empty);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].problem == "empty path");
}

LOWCLIP_TEST_MAIN()
