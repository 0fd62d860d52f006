#pragma once
// Unicode helpers for the BERT tokenizer: the character classes of
// the reference BasicTokenizer (pytorch_pretrained_bert 0.4.0 on Python 3.11, Unicode 14.0).
// ICU supplies the character data; ICU stays out of this header.
//
// Unicode version: the reference ran with Python's unicodedata 14.0.0 while Debian 12's ICU 72
// knows Unicode 15.0. A code point first assigned after 14.0 is unassigned (category Cn) for the
// reference, so cleaning drops it; we do the same (u_charAge > kReferenceUnicodeVersion -> Drop).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/utf8.h"

namespace lowclip::text::unicode {

// UTF-8 itself is core/util's (invalid sequences -> U+FFFD, maximal subpart by default); these
// names keep the tokenizer's code and tests reading as before.
using util::kReplacementChar;
using util::decodeUtf8;
using util::isValidUtf8;
using util::appendUtf8;
using util::encodeUtf8;

constexpr int kReferenceUnicodeMajor = 14;  // Python 3.11's unicodedata.unidata_version = 14.0.0
constexpr int kReferenceUnicodeMinor = 0;

// What the reference BasicTokenizer does with a character of the raw text (steps 1-3):
enum class CharClass : uint8_t {
    Keep,   // part of a word
    Drop,   // U+0000, U+FFFD, category C* other than \t \n \r (incl. unassigned in Unicode 14)
    Space,  // word boundary: \t \n \r, Zs (cleaned to ' '), U+2028/U+2029 (Python str.split())
    Cjk,    // CJK ideograph: a word of its own
};
CharClass classify(char32_t c);
// ASCII 33-47, 58-64, 91-96, 123-126, or a category P* character.
bool isPunctuation(char32_t c);
bool isNonSpacingMark(char32_t c);  // category Mn
bool isCjkIdeograph(char32_t c);    // the reference's _is_chinese_char ranges
// Python's str.isspace() (Unicode 14 data).
bool isPythonWhitespace(char32_t c);

// The lower-casing step of the reference for one whitespace-separated word: Python str.lower()
// (full Unicode lower-casing, no language rules: U+0130 -> i U+0307, I -> i, Final_Sigma), then
// NFD, then every Mn character removed. Appends to out.
// A per-character table answers most BMP characters; Σ, supplementary characters and the few
// whose results could interact go through ICU for the whole word (lowerStripAccentsIcu).
void lowerStripAccents(const char32_t* word, std::size_t n, std::u32string& out);
// The same through ICU alone (u_strToLower with the root locale, NFD, drop Mn); for tests.
void lowerStripAccentsIcu(const char32_t* word, std::size_t n, std::u32string& out);
// NFC, then Azerbaijani lower-casing (ICU locale "az": I -> ı, İ -> i, I + U+0307 -> i); marks kept.
// Appends to `out`.
void lowerAzerbaijani(const char32_t* word, std::size_t n, std::u32string& out);
// The simple upper / lower case of one code point (root locale; c itself when it has none).
char32_t simpleUpper(char32_t c);
char32_t simpleLower(char32_t c);
bool isLetter(char32_t c);

}  // namespace lowclip::text::unicode
