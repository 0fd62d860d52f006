#include "core/util/utf8.h"

namespace lowclip::util {

namespace {

// Decodes the sequence at s[pos]. Returns its length when valid (and the code point in *cp);
// otherwise 0, with the length of its maximal subpart (at least 1) in *bad.
std::size_t decodeAt(std::string_view s, std::size_t pos, char32_t* cp, std::size_t* bad) {
    const auto b0 = static_cast<unsigned char>(s[pos]);
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    int need = 0;
    char32_t v = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
    if (b0 < 0xC2) {  // a stray continuation byte or the overlong leads C0/C1
        *bad = 1;
        return 0;
    } else if (b0 < 0xE0) {
        need = 1;
        v = b0 & 0x1Fu;
    } else if (b0 < 0xF0) {
        need = 2;
        v = b0 & 0x0Fu;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 < 0xF5) {
        need = 3;
        v = b0 & 0x07u;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    } else {
        *bad = 1;
        return 0;
    }
    std::size_t i = pos + 1;
    for (int k = 0; k < need; ++k, ++i) {
        if (i >= s.size()) {
            *bad = i - pos;
            return 0;
        }
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < lo || b > hi) {
            *bad = i - pos;  // the offending byte starts the next character
            return 0;
        }
        v = (v << 6) | (b & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return i - pos;
}

}  // namespace

char32_t decodeUtf8(std::string_view s, std::size_t& pos, Utf8Replacement policy) {
    char32_t cp = 0;
    std::size_t bad = 0;
    if (std::size_t len = decodeAt(s, pos, &cp, &bad)) {
        pos += len;
        return cp;
    }
    pos += policy == Utf8Replacement::EachByte ? 1 : bad;
    return kReplacementChar;
}

std::u32string decodeUtf8(std::string_view s, Utf8Replacement policy) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) out.push_back(decodeUtf8(s, i, policy));
    return out;
}

bool isValidUtf8(std::string_view s) {
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = decodeAt(s, i, &cp, &bad);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

void appendUtf8(std::string& out, char32_t c) {
    if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacementChar;
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string encodeUtf8(const char32_t* cps, std::size_t n) {
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) appendUtf8(out, cps[i]);
    return out;
}

std::string makeValidUtf8(std::string_view bytes, Utf8Replacement policy) {
    std::string out;
    out.reserve(bytes.size());
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < bytes.size();) {
        if (std::size_t len = decodeAt(bytes, i, &cp, &bad)) {
            out.append(bytes.data() + i, len);
            i += len;
        } else {
            appendUtf8(out, kReplacementChar);
            i += policy == Utf8Replacement::EachByte ? 1 : bad;
        }
    }
    return out;
}

}  // namespace lowclip::util
