#pragma once
// UTF-8 for the whole program: decoding with replacement of invalid sequences by U+FFFD,
// validation, encoding, and making arbitrary bytes (file names, messages from outside) valid
// UTF-8 for display. No dependencies beyond the standard library; ICU-based Unicode data (character
// classes, case mapping, normalisation) lives in core/text/unicode on top of this.
//
// Invalid means: a byte that cannot start a sequence (80..C1, F5..FF), a truncated sequence, an
// overlong form, a surrogate (U+D800..U+DFFF) or a value beyond U+10FFFF.
#include <cstddef>
#include <string>
#include <string_view>

namespace lowclip::util {

constexpr char32_t kReplacementChar = 0xFFFD;

// How much of an invalid sequence one U+FFFD stands for.
enum class Utf8Replacement {
    // The "maximal subpart" of the bad sequence (at least one byte): the policy of the Unicode
    // standard (3.9, U+FFFD substitution), of ICU and of Python's bytes.decode(errors="replace").
    // "\xE2\x82A" -> U+FFFD 'A'. A valid character is never swallowed.
    MaximalSubpart,
    // One U+FFFD for every byte that is not part of a valid sequence: "\xE2\x82A" -> U+FFFD U+FFFD
    // 'A'. Used for byte paths shown to a person, so each undecodable byte stays visible.
    EachByte,
};

// Decodes one code point starting at s[pos] (pos < s.size()) and advances pos past it; an invalid
// sequence gives U+FFFD and advances as `policy` says (always by at least one byte).
char32_t decodeUtf8(std::string_view s, std::size_t& pos, Utf8Replacement policy = Utf8Replacement::MaximalSubpart);
// The whole string; invalid sequences become U+FFFD as above.
std::u32string decodeUtf8(std::string_view s, Utf8Replacement policy = Utf8Replacement::MaximalSubpart);

// True when every byte belongs to a valid sequence (a literal U+FFFD, EF BF BD, is valid).
bool isValidUtf8(std::string_view s);

// Appends the UTF-8 form of `c`; a value that is not a Unicode scalar value (a surrogate, or
// beyond U+10FFFF) is written as U+FFFD, so the output is always valid.
void appendUtf8(std::string& out, char32_t c);
std::string encodeUtf8(const char32_t* cps, std::size_t n);
inline std::string encodeUtf8(const std::u32string& s) { return encodeUtf8(s.data(), s.size()); }

// `bytes` unchanged when valid; otherwise with invalid sequences replaced by U+FFFD.
std::string makeValidUtf8(std::string_view bytes, Utf8Replacement policy = Utf8Replacement::MaximalSubpart);

}  // namespace lowclip::util
