#pragma once
// Caption files: one "path<TAB>caption" per line, UTF-8, an optional BOM, '#' comment lines and
// blank lines skipped, CRLF accepted. In both fields \t \n \r and \\ stand for TAB, line feed,
// carriage return and backslash, so any caption survives a round trip. Internal to core/library.
#include <cstddef>
#include <istream>
#include <string>
#include <utility>
#include <vector>

namespace lowclip::library {

// A line longer than this is refused (reported as a problem) rather than read into memory whole.
constexpr std::size_t kMaxTsvLineBytes = 1 << 20;

// One meaningful line of a caption file: a caption for a path, or why the line was refused.
struct TsvLine {
    std::size_t line = 0;  // 1-based
    std::string path;      // unescaped, bytes
    std::string text;      // unescaped and trimmed (trimCaption)
    std::string problem;   // non-empty: "no TAB between path and caption", "empty caption", ...
};

// Every non-blank, non-comment line, in file order.
std::vector<TsvLine> parseCaptionTsv(std::istream& in);

// "path<TAB>text\n" per pair, escaped.
std::string formatCaptionTsv(const std::vector<std::pair<std::string, std::string>>& pathAndText);

std::string tsvEscape(const std::string& field);
std::string tsvUnescape(const std::string& field);

// A caption as stored: without leading and trailing spaces, tabs and line breaks ("" when nothing is left).
std::string trimCaption(const std::string& text);

}  // namespace lowclip::library
