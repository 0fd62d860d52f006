#include "core/library/caption_tsv.h"

namespace lowclip::library {

std::string tsvEscape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    return out;
}

std::string tsvUnescape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char n = s[++i];
        out += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    }
    return out;
}

std::string trimCaption(const std::string& text) {
    std::size_t b = text.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    std::size_t e = text.find_last_not_of(" \t\r\n");
    return text.substr(b, e - b + 1);
}

namespace {

// Reads one line into `line` (without its '\n'); a line longer than kMaxTsvLineBytes is skipped to
// its end and reported through `tooLong`. Returns false at the end of the input.
bool readLine(std::istream& in, std::string& line, bool& tooLong) {
    line.clear();
    tooLong = false;
    bool any = false;
    for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
        any = true;
        if (c == '\n') return true;
        if (line.size() < kMaxTsvLineBytes)
            line.push_back(static_cast<char>(c));
        else
            tooLong = true;
    }
    return any;
}

}  // namespace

std::vector<TsvLine> parseCaptionTsv(std::istream& in) {
    std::vector<TsvLine> out;
    std::string line;
    bool tooLong = false;
    for (std::size_t lineNo = 1; readLine(in, line, tooLong); ++lineNo) {
        if (tooLong) {
            out.push_back({lineNo, {}, {}, "longer than " + std::to_string(kMaxTsvLineBytes) + " bytes"});
            continue;
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (lineNo == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
        if (trimCaption(line).empty() || line[0] == '#') continue;
        auto tab = line.find('\t');
        if (tab == std::string::npos) {
            out.push_back({lineNo, {}, {}, "no TAB between path and caption"});
            continue;
        }
        TsvLine t{lineNo, tsvUnescape(line.substr(0, tab)), trimCaption(tsvUnescape(line.substr(tab + 1))), {}};
        if (t.path.empty())
            t.problem = "empty path";
        else if (t.text.empty())
            t.problem = "empty caption";
        out.push_back(std::move(t));
    }
    return out;
}

std::string formatCaptionTsv(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string out;
    for (const auto& [path, text] : rows) {
        std::string p = tsvEscape(path);
        // A line starting with '#' would read back as a comment, and one starting with a byte-order
        // mark would lose it on the first line: a backslash in front keeps that first byte as it is
        // (tsvUnescape drops the backslash).
        if (!p.empty() && (p[0] == '#' || static_cast<unsigned char>(p[0]) == 0xEF)) p.insert(0, 1, '\\');
        out += p + "\t" + tsvEscape(text) + "\n";
    }
    return out;
}

}  // namespace lowclip::library
