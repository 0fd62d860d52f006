// vocab.txt reading and writing (declared in vocab_builder.h).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "core/text/unicode.h"
#include "core/text/vocab_builder.h"
#include "core/util/atomic_file.h"

namespace lowclip::text {

namespace {

// Python's str.strip() on a valid UTF-8 string.
std::string_view pythonStrip(std::string_view s) {
    std::size_t begin = 0;
    while (begin < s.size()) {
        std::size_t next = begin;
        if (!unicode::isPythonWhitespace(unicode::decodeUtf8(s, next))) break;
        begin = next;
    }
    std::size_t end = begin;  // end of the last non-whitespace character
    for (std::size_t i = begin; i < s.size();) {
        if (!unicode::isPythonWhitespace(unicode::decodeUtf8(s, i))) end = i;
    }
    return s.substr(begin, end - begin);
}

}  // namespace

std::vector<std::string> readVocab(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error("cannot open vocabulary file '" + path + "': " + std::strerror(errno));
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw Error("cannot read vocabulary file '" + path + "'");
    std::vector<std::string> tokens;
    tokens.reserve(data.size() / 8 + 1);
    std::size_t i = 0;
    while (i < data.size()) {
        std::size_t j = data.find_first_of("\r\n", i);
        std::string_view line;
        if (j == std::string::npos) {
            line = std::string_view(data).substr(i);
            i = data.size();
        } else {
            line = std::string_view(data).substr(i, j - i);
            i = j + 1;
            if (data[j] == '\r' && i < data.size() && data[i] == '\n') ++i;
        }
        if (!unicode::isValidUtf8(line))
            throw Error("vocabulary file '" + path + "' line " + std::to_string(tokens.size() + 1) +
                        " is not valid UTF-8");
        tokens.emplace_back(pythonStrip(line));
    }
    return tokens;
}

void writeVocab(const std::string& path, const std::vector<std::string>& tokens) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        std::string why;
        if (t.empty())
            why = "is empty";
        else if (!unicode::isValidUtf8(t))
            why = "is not valid UTF-8";
        else if (t.find_first_of("\r\n") != std::string::npos)
            why = "contains a line break";
        else if (pythonStrip(t).size() != t.size())
            why = "starts or ends with whitespace";
        if (!why.empty())
            throw Error("cannot write vocabulary '" + path + "': token " + std::to_string(i) + " " + why +
                        " and would not read back as itself");
    }
    std::string text;
    for (const auto& t : tokens) {
        text += t;
        text += '\n';
    }
    util::writeFileAtomically(path, text);
}

}  // namespace lowclip::text
