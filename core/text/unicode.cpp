#include "core/text/unicode.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <array>
#include <memory>

#include "core/error.h"

namespace lowclip::text::unicode {

// ---------------------------------------------------------------------------------------------
// Character classes

namespace {

bool newerThanReference(char32_t c) {
    UVersionInfo age;
    u_charAge(static_cast<UChar32>(c), age);
    if (age[0] != kReferenceUnicodeMajor) return age[0] > kReferenceUnicodeMajor;
    return age[1] > kReferenceUnicodeMinor;
}

bool isCategoryC(int8_t type) {
    switch (type) {
        case U_UNASSIGNED:  // Cn
        case U_CONTROL_CHAR:
        case U_FORMAT_CHAR:
        case U_PRIVATE_USE_CHAR:
        case U_SURROGATE:
            return true;
        default:
            return false;
    }
}

bool isCategoryP(int8_t type) {
    switch (type) {
        case U_DASH_PUNCTUATION:
        case U_START_PUNCTUATION:
        case U_END_PUNCTUATION:
        case U_CONNECTOR_PUNCTUATION:
        case U_OTHER_PUNCTUATION:
        case U_INITIAL_PUNCTUATION:
        case U_FINAL_PUNCTUATION:
            return true;
        default:
            return false;
    }
}

CharClass computeClass(char32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return CharClass::Space;
    if (c == 0 || c == kReplacementChar) return CharClass::Drop;
    const auto type = static_cast<int8_t>(u_charType(static_cast<UChar32>(c)));
    if (isCategoryC(type) || newerThanReference(c)) return CharClass::Drop;
    // Zs is cleaned to ' '; Zl/Zp (U+2028, U+2029) are not, but Python's str.split() splits on them.
    if (type == U_SPACE_SEPARATOR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR)
        return CharClass::Space;
    if (isCjkIdeograph(c)) return CharClass::Cjk;
    return CharClass::Keep;
}

bool computePunctuation(char32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
    return isCategoryP(static_cast<int8_t>(u_charType(static_cast<UChar32>(c))));
}

bool computeMn(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK; }

// One byte per BMP code point: bits 0-1 CharClass, bit 2 punctuation, bit 3 Mn.
constexpr uint8_t kPunctBit = 4, kMnBit = 8;

const std::array<uint8_t, 0x10000>& bmpTable() {
    static const std::unique_ptr<std::array<uint8_t, 0x10000>> table = [] {
        auto t = std::make_unique<std::array<uint8_t, 0x10000>>();
        for (char32_t c = 0; c < 0x10000; ++c) {
            uint8_t v = static_cast<uint8_t>(computeClass(c));
            if (computePunctuation(c)) v |= kPunctBit;
            if (computeMn(c)) v |= kMnBit;
            (*t)[c] = v;
        }
        return t;
    }();
    return *table;
}

}  // namespace

bool isCjkIdeograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

CharClass classify(char32_t c) {
    if (c < 0x10000) return static_cast<CharClass>(bmpTable()[c] & 3u);
    if (c > 0x10FFFF) return CharClass::Drop;
    return computeClass(c);
}

bool isPunctuation(char32_t c) {
    if (c < 0x10000) return (bmpTable()[c] & kPunctBit) != 0;
    if (c > 0x10FFFF) return false;
    return computePunctuation(c);
}

bool isNonSpacingMark(char32_t c) {
    if (c < 0x10000) return (bmpTable()[c] & kMnBit) != 0;
    if (c > 0x10FFFF) return false;
    return computeMn(c);
}

bool isPythonWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// ---------------------------------------------------------------------------------------------
// Lower-casing + accent stripping

namespace {

const UNormalizer2* nfd() {
    static const UNormalizer2* n = [] {
        UErrorCode err = U_ZERO_ERROR;
        const UNormalizer2* p = unorm2_getNFDInstance(&err);
        if (U_FAILURE(err) || !p) throw Error(std::string("ICU: cannot load NFD normalization data: ") + u_errorName(err));
        return p;
    }();
    return n;
}

// Calls fn(dest, capacity, &err) -> length, growing dest on U_BUFFER_OVERFLOW_ERROR.
template <class Fn>
void callGrowing(std::u16string& dest, Fn fn, const char* what) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        UErrorCode err = U_ZERO_ERROR;
        int32_t n = fn(dest.data(), static_cast<int32_t>(dest.size()), &err);
        if (err == U_BUFFER_OVERFLOW_ERROR) {
            dest.resize(static_cast<std::size_t>(n) + 1);
            continue;
        }
        if (U_FAILURE(err)) throw Error(std::string("ICU ") + what + " failed: " + u_errorName(err));
        dest.resize(static_cast<std::size_t>(n));
        return;
    }
    throw Error(std::string("ICU ") + what + " failed: buffer keeps growing");
}

}  // namespace

void lowerStripAccentsIcu(const char32_t* word, std::size_t n, std::u32string& out) {
    thread_local std::u16string src, lowered, decomposed;
    src.clear();
    for (std::size_t i = 0; i < n; ++i) {
        char32_t c = word[i];
        if (c < 0x10000) {
            src.push_back(static_cast<char16_t>(c));
        } else {
            src.push_back(static_cast<char16_t>(U16_LEAD(c)));
            src.push_back(static_cast<char16_t>(U16_TRAIL(c)));
        }
    }
    // Root locale "": language-independent full mappings (U+0130 -> i U+0307) plus the
    // Final_Sigma context, the same as Python's str.lower().
    lowered.resize(src.size() * 2 + 8);
    callGrowing(
        lowered,
        [&](char16_t* d, int32_t cap, UErrorCode* e) {
            return u_strToLower(reinterpret_cast<UChar*>(d), cap, reinterpret_cast<const UChar*>(src.data()),
                                static_cast<int32_t>(src.size()), "", e);
        },
        "lower-casing");
    decomposed.resize(lowered.size() * 3 + 8);
    callGrowing(
        decomposed,
        [&](char16_t* d, int32_t cap, UErrorCode* e) {
            return unorm2_normalize(nfd(), reinterpret_cast<const UChar*>(lowered.data()),
                                    static_cast<int32_t>(lowered.size()), reinterpret_cast<UChar*>(d), cap, e);
        },
        "NFD normalization");
    const std::size_t len = decomposed.size();
    for (std::size_t i = 0; i < len;) {
        UChar32 c;
        U16_NEXT(decomposed.data(), i, len, c);
        if (!isNonSpacingMark(static_cast<char32_t>(c))) out.push_back(static_cast<char32_t>(c));
    }
}

void lowerAzerbaijani(const char32_t* word, std::size_t n, std::u32string& out) {
    bool ascii = true;
    for (std::size_t i = 0; i < n && ascii; ++i) ascii = word[i] < 0x80;
    if (ascii) {  // already NFC; only I needs the Azerbaijani rule
        for (std::size_t i = 0; i < n; ++i) {
            const char32_t c = word[i];
            out.push_back(c == U'I' ? U'\u0131' : (c >= U'A' && c <= U'Z') ? c + 32 : c);
        }
        return;
    }
    thread_local std::u16string src, composed, lowered;
    src.clear();
    for (std::size_t i = 0; i < n; ++i) {
        char32_t c = word[i];
        if (c < 0x10000) {
            src.push_back(static_cast<char16_t>(c));
        } else {
            src.push_back(static_cast<char16_t>(U16_LEAD(c)));
            src.push_back(static_cast<char16_t>(U16_TRAIL(c)));
        }
    }
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) throw Error(std::string("ICU NFC is not available: ") + u_errorName(status));
    composed.resize(src.size() + 8);
    callGrowing(
        composed,
        [&](char16_t* d, int32_t cap, UErrorCode* e) {
            return unorm2_normalize(nfc, reinterpret_cast<const UChar*>(src.data()), static_cast<int32_t>(src.size()),
                                    reinterpret_cast<UChar*>(d), cap, e);
        },
        "NFC normalization");
    lowered.resize(composed.size() * 2 + 8);
    callGrowing(
        lowered,
        [&](char16_t* d, int32_t cap, UErrorCode* e) {
            return u_strToLower(reinterpret_cast<UChar*>(d), cap, reinterpret_cast<const UChar*>(composed.data()),
                                static_cast<int32_t>(composed.size()), "az", e);
        },
        "lower-casing");
    const std::size_t len = lowered.size();
    for (std::size_t i = 0; i < len;) {
        UChar32 c;
        U16_NEXT(lowered.data(), i, len, c);
        out.push_back(static_cast<char32_t>(c));
    }
}

char32_t simpleUpper(char32_t c) { return static_cast<char32_t>(u_toupper(static_cast<UChar32>(c))); }
char32_t simpleLower(char32_t c) { return static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))); }
bool isLetter(char32_t c) { return u_isalpha(static_cast<UChar32>(c)) != 0; }

namespace {

// Per BMP code point, the result of lowerStripAccents on that character alone, when it is valid
// inside any word: kSlow marks characters that need the whole-word path (Σ, whose lower case
// depends on the context; results of more than one character; decompositions holding a non-Mn
// character with a non-zero combining class, which canonical reordering could move). Otherwise
// per-character results concatenate exactly: lower-casing is then context-free, and canonical
// reordering only permutes non-starters, which are all Mn here and dropped.
constexpr int32_t kSlow = -1, kNothing = -2;

const std::vector<int32_t>& bmpLowerTable() {
    static const std::vector<int32_t> table = [] {
        std::vector<int32_t> t(0x10000, kSlow);
        std::u32string r;
        for (char32_t c = 0; c < 0x10000; ++c) {
            if (c == 0x03A3 || (c >= 0xD800 && c <= 0xDFFF)) continue;
            r.clear();
            thread_local std::u16string lowered, decomposed;
            const auto ch = static_cast<char16_t>(c);
            lowered.resize(8);
            callGrowing(
                lowered,
                [&](char16_t* d, int32_t cap, UErrorCode* e) {
                    return u_strToLower(reinterpret_cast<UChar*>(d), cap, reinterpret_cast<const UChar*>(&ch), 1, "", e);
                },
                "lower-casing");
            decomposed.resize(lowered.size() * 4 + 8);
            callGrowing(
                decomposed,
                [&](char16_t* d, int32_t cap, UErrorCode* e) {
                    return unorm2_normalize(nfd(), reinterpret_cast<const UChar*>(lowered.data()),
                                            static_cast<int32_t>(lowered.size()), reinterpret_cast<UChar*>(d), cap, e);
                },
                "NFD normalization");
            bool simple = true;
            for (std::size_t i = 0; i < decomposed.size();) {
                UChar32 d;
                U16_NEXT(decomposed.data(), i, decomposed.size(), d);
                const bool mn = isNonSpacingMark(static_cast<char32_t>(d));
                if (!mn && u_getCombiningClass(d) != 0) simple = false;
                if (!mn) r.push_back(static_cast<char32_t>(d));
            }
            if (!simple || r.size() > 1) continue;
            t[c] = r.empty() ? kNothing : static_cast<int32_t>(r[0]);
        }
        return t;
    }();
    return table;
}

}  // namespace

void lowerStripAccents(const char32_t* word, std::size_t n, std::u32string& out) {
    const std::size_t mark = out.size();
    const std::vector<int32_t>* table = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        const char32_t c = word[i];
        if (c < 0x80) {  // ASCII: lower case is ASCII, NFD leaves it alone, no Mn
            out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        if (c < 0x10000) {
            if (!table) table = &bmpLowerTable();
            const int32_t v = (*table)[c];
            if (v >= 0) {
                out.push_back(static_cast<char32_t>(v));
                continue;
            }
            if (v == kNothing) continue;
        }
        out.resize(mark);  // a character the per-character table cannot handle: the whole word via ICU
        lowerStripAccentsIcu(word, n, out);
        return;
    }
}

}  // namespace lowclip::text::unicode
