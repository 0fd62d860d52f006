// Tokenizer: the reference fixtures (every line of both jsonl files) and the edge cases of the
// BERT BasicTokenizer + WordPiece semantics (../shared/fixtures/README.md, tokenizer/).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text/basic_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/unicode.h"
#include "core/text/vocab_builder.h"
#include "tests/support/testing.h"

using lowclip::Error;
using namespace lowclip::text;
namespace fs = std::filesystem;

namespace {

std::string tokenizerDir() { return lowclip::testing::fixturesDir() + "/tokenizer"; }

// The fixture vocabulary, loaded once (120k tokens).
const WordPieceTokenizer& fixtureTokenizer(bool lowercase) {
    static std::optional<WordPieceTokenizer> cased, lower;
    auto& slot = lowercase ? lower : cased;
    if (!slot) {
        const std::string path = tokenizerDir() + "/vocab-mbert-cased.txt";
        if (!fs::exists(path)) SKIP("no fixture vocabulary at " + path);
        slot = WordPieceTokenizer::fromVocabFile(path, lowercase);
    }
    return *slot;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}
std::string join(const std::vector<int64_t>& v) {
    std::string s;
    for (auto x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
    return s;
}

// Compares every line of a fixture file; the maximum length comes from the field name.
void checkFixtureFile(const std::string& file, bool lowercase) {
    const WordPieceTokenizer& tok = fixtureTokenizer(lowercase);
    const std::string path = tokenizerDir() + "/" + file;
    std::ifstream in(path);
    if (!in) SKIP("no fixture file " + path);
    const std::string prefix = "ids_with_special_max";
    std::string line;
    int lines = 0, bad = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        ++lines;
        const auto j = nlohmann::json::parse(line);
        const std::string text = j.at("text").get<std::string>();
        const auto tokens = j.at("tokens").get<std::vector<std::string>>();
        const auto ids = j.at("ids").get<std::vector<int64_t>>();
        bool ok = true;
        const auto gotTokens = tok.tokenize(text);
        const auto gotIds = tok.tokenIds(text);
        CHECK_MSG(gotTokens == tokens, file << ":" << lines << " tokens\n    got:  " << join(gotTokens)
                                            << "\n    want: " << join(tokens));
        CHECK_MSG(gotIds == ids, file << ":" << lines << " ids\n    got:  " << join(gotIds) << "\n    want: " << join(ids));
        ok = gotTokens == tokens && gotIds == ids;
        int fields = 0;
        for (const auto& [key, value] : j.items()) {
            if (key.compare(0, prefix.size(), prefix) != 0) continue;
            ++fields;
            const int maxLength = std::stoi(key.substr(prefix.size()));
            const auto want = value.get<std::vector<int64_t>>();
            const Encoding e = tok.encode(text, maxLength);
            CHECK_MSG(e.ids == want, file << ":" << lines << " " << key << "\n    got:  " << join(e.ids)
                                          << "\n    want: " << join(want));
            CHECK(e.attentionMask == std::vector<int64_t>(want.size(), 1));
            CHECK(e.tokenTypeIds == std::vector<int64_t>(want.size(), 0));
            ok = ok && e.ids == want;
        }
        CHECK(fields >= 1);
        bad += !ok;
    }
    std::cout << "  " << file << ": " << lines << " lines, " << bad << " differ" << std::endl;
    REQUIRE(lines > 0);
}

WordPieceTokenizer smallTokenizer(bool lowercase) {
    return WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "x", "y", "ab", "##b", "##c",
                               "##x", "##bc", "abc", "i", "##i", ".", ",", "!", "[", "]", "##y", "一", "σ", "##ς", "##σ"},
                              lowercase);
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

void writeFile(const fs::path& p, const std::string& content) {
    std::ofstream f(p, std::ios::binary);
    f << content;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Reference fixtures

TEST_CASE("fixture: cased, every line") { checkFixtureFile("tokens-mbert-cased.jsonl", false); }

TEST_CASE("fixture: lowercase, every line") { checkFixtureFile("tokens-mbert-cased-vocab-lower.jsonl", true); }

TEST_CASE("fixture: vocabulary ids of the specials") {
    const auto& tok = fixtureTokenizer(false);
    const auto tokens = readVocab(tokenizerDir() + "/vocab-mbert-cased.txt");
    CHECK(tok.vocabSize() == tokens.size());
    for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
        auto it = std::find(tokens.begin(), tokens.end(), s);
        REQUIRE(it != tokens.end());
        CHECK(tok.id(s) == std::optional<int64_t>(it - tokens.begin()));
    }
    CHECK(tok.token(tok.clsId()) == "[CLS]");
    CHECK(tok.token(tok.sepId()) == "[SEP]");
    CHECK(tok.token(tok.padId()) == "[PAD]");
    CHECK(tok.token(tok.unkId()) == "[UNK]");
    CHECK(tok.token(tok.maskId()) == "[MASK]");
    for (std::size_t i = 0; i < tokens.size(); i += 997) CHECK(tok.id(tokens[i]) == std::optional<int64_t>(i));
    CHECK(!tok.id("definitely-not-a-token-\xC9\x99\xC9\x99"));
    CHECK_THROWS_WITH(tok.token(-1), Error, "outside the vocabulary");
    CHECK_THROWS_WITH(tok.token(static_cast<int64_t>(tokens.size())), Error, "outside the vocabulary");
}

TEST_CASE("fixture: truncation keeps the first pieces") {
    const auto& tok = fixtureTokenizer(false);
    const std::string text = "Qırmızı köynək geyinmiş kiçik bir oğlan yaşıl çəmənlikdə iti ilə birlikdə qaçır.";
    const auto ids = tok.tokenIds(text);
    REQUIRE(ids.size() > 8);
    for (int maxLength : {2, 3, 5, 8, static_cast<int>(ids.size()) + 1, static_cast<int>(ids.size()) + 2, 200}) {
        const Encoding e = tok.encode(text, maxLength);
        const std::size_t keep = std::min(ids.size(), static_cast<std::size_t>(maxLength - 2));
        std::vector<int64_t> want{tok.clsId()};
        want.insert(want.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep));
        want.push_back(tok.sepId());
        CHECK_MSG(e.ids == want, "maxLength " << maxLength);
    }
}

// ----------------------------------------------------------------------------------------------
// BasicTokenizer semantics

TEST_CASE("lower-casing: dotted and dotless I, Azerbaijani letters") {
    const BasicTokenizer lower(true), cased(false);
    // İ -> i + U+0307 -> NFD -> the Mn dot is dropped; I -> i (never ı); ı stays.
    CHECK(lower.tokenize("\xC4\xB0stanbul I\xC5\x9EIQ \xC4\xB1l\xC4\xB1q") ==
          (std::vector<std::string>{"istanbul", "isiq", "\xC4\xB1l\xC4\xB1q"}));
    CHECK(cased.tokenize("\xC4\xB0stanbul I\xC5\x9EIQ") == (std::vector<std::string>{"\xC4\xB0stanbul", "I\xC5\x9EIQ"}));
    // ş ç ğ ö ü lose their marks, ə has no decomposition and stays.
    CHECK(lower.tokenize("\xC5\x9E\xC3\x87\xC4\x9E\xC3\x96\xC3\x9C\xC6\x8F") == (std::vector<std::string>{"scgou\xC9\x99"}));
    // I + U+0307 (decomposed İ) is i after lower-casing.
    CHECK(lower.tokenize("I\xCC\x87") == (std::vector<std::string>{"i"}));
    CHECK(cased.tokenize("I\xCC\x87") == (std::vector<std::string>{"I\xCC\x87"}));
}

TEST_CASE("lower-casing: Greek final sigma decided per whitespace word") {
    const BasicTokenizer lower(true);
    // "ΣΑΣ" -> "σας"; "Σ" alone -> "σ".
    CHECK(lower.tokenize("\xCE\xA3\xCE\x91\xCE\xA3") == (std::vector<std::string>{"\xCF\x83\xCE\xB1\xCF\x82"}));
    CHECK(lower.tokenize("\xCE\xA3") == (std::vector<std::string>{"\xCF\x83"}));
    // "ΑΣ.Β": '.' is case-ignorable and Β cased -> σ (not final); then '.' is split off.
    CHECK(lower.tokenize("\xCE\x91\xCE\xA3.\xCE\x92") ==
          (std::vector<std::string>{"\xCE\xB1\xCF\x83", ".", "\xCE\xB2"}));
    // "ΑΣ." -> final ς, decided before the punctuation split.
    CHECK(lower.tokenize("\xCE\x91\xCE\xA3.") == (std::vector<std::string>{"\xCE\xB1\xCF\x82", "."}));
    // The word boundary is whitespace: "ΑΣ ΑΣ" gives two final sigmas.
    CHECK(lower.tokenize("\xCE\x91\xCE\xA3 \xCE\x91\xCE\xA3") ==
          (std::vector<std::string>{"\xCE\xB1\xCF\x82", "\xCE\xB1\xCF\x82"}));
}

TEST_CASE("lower-casing: the per-character fast path equals ICU on every BMP character") {
    int differ = 0;
    std::u32string fast, icu;
    for (char32_t c = 0x80; c < 0x10000; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        for (const std::u32string& w : {std::u32string(1, c), U"A" + std::u32string(1, c) + U"b\u0301",
                                        std::u32string(1, c) + std::u32string(1, c) + U"\u03A3",
                                        U"\u03A3" + std::u32string(1, c)}) {
            fast.clear();
            icu.clear();
            unicode::lowerStripAccents(w.data(), w.size(), fast);
            unicode::lowerStripAccentsIcu(w.data(), w.size(), icu);
            if (fast != icu && ++differ <= 5) CHECK_MSG(fast == icu, "U+" << std::hex << static_cast<uint32_t>(c));
        }
    }
    CHECK(differ == 0);
}

TEST_CASE("cleaning: controls, format characters, U+FFFD, exotic spaces") {
    const BasicTokenizer t(false);
    CHECK(t.tokenize(std::string("a\0b", 3)) == (std::vector<std::string>{"ab"}));
    CHECK(t.tokenize("a\x01" "b\x7F" "c") == (std::vector<std::string>{"abc"}));
    CHECK(t.tokenize("a\xEF\xBF\xBD" "b") == (std::vector<std::string>{"ab"}));                 // U+FFFD
    CHECK(t.tokenize("so\xC2\xADz a\xE2\x80\x8D" "b \xEF\xBB\xBFx") == (std::vector<std::string>{"soz", "ab", "x"}));
    CHECK(t.tokenize("a\xC2\x85" "b") == (std::vector<std::string>{"ab"}));                     // U+0085 is Cc
    CHECK(t.tokenize("a\tb\nc\rd") == (std::vector<std::string>{"a", "b", "c", "d"}));
    CHECK(t.tokenize("a\xC2\xA0" "b\xE3\x80\x80" "c\xE2\x80\xAF" "d") ==                         // NBSP, ideographic, NNBSP
          (std::vector<std::string>{"a", "b", "c", "d"}));
    CHECK(t.tokenize("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c") == (std::vector<std::string>{"a", "b", "c"}));  // U+2028/9
    CHECK(t.tokenize("a\x1C" "b\x0B" "c\x0C" "d") == (std::vector<std::string>{"abcd"}));       // Cc, dropped first
    CHECK(t.tokenize("a\xEE\x80\x80" "b") == (std::vector<std::string>{"ab"}));                 // private use (Co)
    CHECK(t.tokenize("   \t\n ").empty());
    CHECK(t.tokenize("").empty());
}

TEST_CASE("cleaning: characters unassigned in Unicode 14 are dropped") {
    // U+11F04 (Kawi) and U+1E030 were assigned in Unicode 15.0; the reference (Python 3.11,
    // Unicode 14.0) sees category Cn and deletes them.
    const BasicTokenizer t(false);
    CHECK(t.tokenize("a\xF0\x91\xBC\x84" "b") == (std::vector<std::string>{"ab"}));
    CHECK(t.tokenize("a\xF0\x9E\x80\xB0" "b") == (std::vector<std::string>{"ab"}));
    CHECK(unicode::classify(0x11F04) == unicode::CharClass::Drop);
    CHECK(unicode::classify(0x10FFFF) == unicode::CharClass::Drop);
    CHECK(unicode::classify(U'a') == unicode::CharClass::Keep);
    CHECK(unicode::classify(0x0259) == unicode::CharClass::Keep);
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and is dropped, never swallowing a valid character") {
    const BasicTokenizer t(false);
    CHECK(t.tokenize("ab\xFF" "cd") == (std::vector<std::string>{"abcd"}));
    CHECK(t.tokenize("\xE2\x82" "A") == (std::vector<std::string>{"A"}));         // truncated 3-byte sequence
    CHECK(t.tokenize("x\xC0\xAF" "y") == (std::vector<std::string>{"xy"}));       // overlong '/'
    CHECK(t.tokenize("x\xED\xA0\x80" "y") == (std::vector<std::string>{"xy"}));   // surrogate
    CHECK(t.tokenize("x\xF4\x90\x80\x80" "y") == (std::vector<std::string>{"xy"}));  // > U+10FFFF
    CHECK(t.tokenize("\xC9") == (std::vector<std::string>{}));                     // truncated at the end
    CHECK(t.tokenize("x\xC9 y") == (std::vector<std::string>{"x", "y"}));
    std::size_t pos = 0;
    CHECK(unicode::decodeUtf8("\xE2\x82" "A", pos) == unicode::kReplacementChar);
    CHECK(pos == 2);
    CHECK(unicode::isValidUtf8("\xC9\x99\xEF\xBF\xBD"));
    CHECK(!unicode::isValidUtf8("\xC9"));
}

TEST_CASE("CJK ideographs are words; kana and hangul are not") {
    const BasicTokenizer t(false), lower(true);
    CHECK(t.tokenize("a\xE4\xB8\x80" "b") == (std::vector<std::string>{"a", "\xE4\xB8\x80", "b"}));  // a一b
    CHECK(t.tokenize("\xE3\x82\xBF\xE3\x83\xAF") == (std::vector<std::string>{"\xE3\x82\xBF\xE3\x83\xAF"}));  // タワ
    CHECK(t.tokenize("\xF0\xA0\x80\x80x") == (std::vector<std::string>{"\xF0\xA0\x80\x80", "x"}));  // U+20000
    // A compatibility ideograph (U+F900) is NFD-normalized in lowercase mode (to U+8C48).
    CHECK(lower.tokenize("\xEF\xA4\x80") == (std::vector<std::string>{"\xE8\xB1\x88"}));
    CHECK(t.tokenize("\xEF\xA4\x80") == (std::vector<std::string>{"\xEF\xA4\x80"}));
}

TEST_CASE("punctuation split, including characters that become punctuation under NFD") {
    const BasicTokenizer t(false), lower(true);
    CHECK(t.tokenize("a.b,,c!") == (std::vector<std::string>{"a", ".", "b", ",", ",", "c", "!"}));
    CHECK(t.tokenize("$5 ^_^ `x` ~") == (std::vector<std::string>{"$", "5", "^", "_", "^", "`", "x", "`", "~"}));
    CHECK(t.tokenize("\xC2\xABSalam\xC2\xBB") == (std::vector<std::string>{"\xC2\xAB", "Salam", "\xC2\xBB"}));  // «Salam»
    // U+1FEF GREEK VARIA is Sk (kept in cased mode) but its NFD is '`' (ASCII punctuation).
    CHECK(t.tokenize("a\xE1\xBF\xAF" "b") == (std::vector<std::string>{"a\xE1\xBF\xAF" "b"}));
    CHECK(lower.tokenize("a\xE1\xBF\xAF" "b") == (std::vector<std::string>{"a", "`", "b"}));
    // A word made only of combining marks vanishes when lower-cased.
    CHECK(lower.tokenize("\xCC\x81 x") == (std::vector<std::string>{"x"}));
    CHECK(t.tokenize("\xCC\x81 x") == (std::vector<std::string>{"\xCC\x81", "x"}));
}

TEST_CASE("never-split specials") {
    const BasicTokenizer t(false), lower(true);
    for (const auto* b : {&t, &lower}) {
        CHECK(b->tokenize("[CLS] x [SEP] [MASK] [UNK] [PAD]") ==
              (std::vector<std::string>{"[CLS]", "x", "[SEP]", "[MASK]", "[UNK]", "[PAD]"}));
    }
    // Only the exact word is special: "[CLS]." is split (and lower-cased in lowercase mode).
    CHECK(t.tokenize("[CLS].") == (std::vector<std::string>{"[", "CLS", "]", "."}));
    CHECK(lower.tokenize("[CLS].") == (std::vector<std::string>{"[", "cls", "]", "."}));
    CHECK(lower.tokenize("[cls]") == (std::vector<std::string>{"[", "cls", "]"}));
    CHECK(t.tokenize("[Cls]") == (std::vector<std::string>{"[", "Cls", "]"}));
    const auto tok = smallTokenizer(false);
    CHECK(tok.tokenIds("[CLS] a [MASK]") == (std::vector<int64_t>{2, 5, 4}));
    CHECK(tok.tokenIds("[cls]") == (std::vector<int64_t>{21, 1, 22}));  // [ [UNK] ]: no "##l" for "cls"
}

// ----------------------------------------------------------------------------------------------
// WordPiece

TEST_CASE("WordPiece: greedy longest match first, unmatched position makes the word [UNK]") {
    const auto tok = smallTokenizer(false);
    CHECK(tok.tokenize("abc") == (std::vector<std::string>{"abc"}));
    CHECK(tok.tokenize("abcbc") == (std::vector<std::string>{"abc", "##bc"}));
    CHECK(tok.tokenize("abb") == (std::vector<std::string>{"ab", "##b"}));
    CHECK(tok.tokenize("axy") == (std::vector<std::string>{"a", "##x", "##y"}));
    CHECK(tok.tokenize("abz") == (std::vector<std::string>{"[UNK]"}));        // z matches nothing
    CHECK(tok.tokenize("bab") == (std::vector<std::string>{"[UNK]"}));        // no "##a"
    CHECK(tok.tokenize("abz, c") == (std::vector<std::string>{"[UNK]", ",", "c"}));
    CHECK(tok.tokenIds("abz, c") == (std::vector<int64_t>{1, 19, 7}));
}

TEST_CASE("WordPiece: 100 code points is a word, 101 is [UNK] (counted in code points)") {
    const auto tok = smallTokenizer(false);
    const auto w100 = tok.tokenize("x" + repeat("x", 99));
    CHECK(w100.size() == 100);
    CHECK(w100.front() == "x");
    CHECK(tok.tokenize(repeat("x", 101)) == (std::vector<std::string>{"[UNK]"}));
    // Two-byte characters: the limit is on characters, not bytes. σ + 99 × σ -> final ς in lowercase.
    const auto lower = smallTokenizer(true);
    const std::string sigma = "\xCE\xA3";
    const auto s100 = lower.tokenize(repeat(sigma, 100));
    CHECK(s100.size() == 100);
    CHECK(s100.back() == "##\xCF\x82");
    CHECK(lower.tokenize(repeat(sigma, 101)) == (std::vector<std::string>{"[UNK]"}));
    // The limit applies after the punctuation split.
    CHECK(tok.tokenize(repeat("x", 60) + "." + repeat("x", 60)).size() == 121);
}

TEST_CASE("WordPiece: lowercase mode uses the lower-cased word") {
    const auto tok = smallTokenizer(true);
    CHECK(tok.tokenize("ABC \xC4\xB0I") == (std::vector<std::string>{"abc", "i", "##i"}));
    CHECK(smallTokenizer(false).tokenize("ABC") == (std::vector<std::string>{"[UNK]"}));
    CHECK(tok.lowercase());
    CHECK(!smallTokenizer(false).lowercase());
}

TEST_CASE("encode: specials, truncation, padding, masks") {
    const auto tok = smallTokenizer(false);
    Encoding e = tok.encode("a b c", 16);
    CHECK(e.ids == (std::vector<int64_t>{2, 5, 6, 7, 3}));
    CHECK(e.attentionMask == (std::vector<int64_t>{1, 1, 1, 1, 1}));
    CHECK(e.tokenTypeIds == (std::vector<int64_t>{0, 0, 0, 0, 0}));
    e = tok.encode("a b c", 8, true);
    CHECK(e.ids == (std::vector<int64_t>{2, 5, 6, 7, 3, 0, 0, 0}));
    CHECK(e.attentionMask == (std::vector<int64_t>{1, 1, 1, 1, 1, 0, 0, 0}));
    CHECK(e.tokenTypeIds == (std::vector<int64_t>(8, 0)));
    e = tok.encode("a b c", 4, true);
    CHECK(e.ids == (std::vector<int64_t>{2, 5, 6, 3}));
    e = tok.encode("abcbc", 3);  // truncation inside a word's pieces
    CHECK(e.ids == (std::vector<int64_t>{2, 15, 3}));
    e = tok.encode("a b c", 2);
    CHECK(e.ids == (std::vector<int64_t>{2, 3}));
    e = tok.encode("", 5, true);
    CHECK(e.ids == (std::vector<int64_t>{2, 3, 0, 0, 0}));
    CHECK(e.attentionMask == (std::vector<int64_t>{1, 1, 0, 0, 0}));
    CHECK_THROWS_WITH(tok.encode("a", 1), Error, "at least 2");
    CHECK_THROWS_WITH(tok.encode("a", -5), Error, "at least 2");
}

TEST_CASE("encodeBatch: padding modes, masks and token types") {
    const auto tok = smallTokenizer(false);
    const std::vector<std::string> texts{"a", "a b c", ""};
    BatchEncoding b = tok.encodeBatch(texts, 16);
    CHECK(b.batch == 3);
    CHECK(b.length == 5);
    CHECK(b.ids == (std::vector<int64_t>{2, 5, 3, 0, 0, /**/ 2, 5, 6, 7, 3, /**/ 2, 3, 0, 0, 0}));
    CHECK(b.attentionMask == (std::vector<int64_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
    CHECK(b.tokenTypeIds == std::vector<int64_t>(15, 0));
    b = tok.encodeBatch(texts, 4, Padding::Longest);
    CHECK(b.length == 4);
    CHECK(b.ids == (std::vector<int64_t>{2, 5, 3, 0, 2, 5, 6, 3, 2, 3, 0, 0}));
    b = tok.encodeBatch(texts, 7, Padding::MaxLength);
    CHECK(b.length == 7);
    CHECK(b.ids.size() == 21);
    CHECK(b.attentionMask[7 + 4] == 1);
    CHECK(b.attentionMask[7 + 5] == 0);
    b = tok.encodeBatch({"a b", "b c"}, 8, Padding::None);
    CHECK(b.length == 4);
    CHECK(b.attentionMask == std::vector<int64_t>(8, 1));
    CHECK_THROWS_WITH(tok.encodeBatch(texts, 8, Padding::None), Error, "equal length");
    b = tok.encodeBatch({}, 8);
    CHECK(b.batch == 0);
    CHECK(b.ids.empty());
    CHECK_THROWS_WITH(tok.encodeBatch(texts, 0), Error, "at least 2");
}

TEST_CASE("vocabulary errors and loading rules") {
    CHECK_THROWS_WITH(WordPieceTokenizer({"[PAD]", "[CLS]", "[SEP]", "a"}, false), Error, "[UNK]");
    CHECK_THROWS_WITH(WordPieceTokenizer({"[UNK]", "[CLS]", "[SEP]"}, false), Error, "[PAD]");
    const std::string dir = lowclip::testing::makeTempDir("lowclip-text-");
    const fs::path bad = fs::path(dir) / "bad-vocab.txt";
    writeFile(bad, "[PAD]\n[UNK]\n[CLS]\nhello\n");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromVocabFile(bad.string(), false), Error, "bad-vocab.txt");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromVocabFile(bad.string(), false), Error, "[SEP]");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromVocabFile((fs::path(dir) / "missing.txt").string(), false), Error,
                      "missing.txt");
    const fs::path invalid = fs::path(dir) / "invalid.txt";
    writeFile(invalid, "[PAD]\n[UNK]\xFF\n");
    CHECK_THROWS_WITH(readVocab(invalid.string()), Error, "line 2");
    const auto noMask = WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]"}, false);
    CHECK_THROWS_WITH(noMask.maskId(), Error, "[MASK]");

    // Line ends \n, \r\n, \r; Python str.strip() (including U+00A0, U+3000); no token after the last newline;
    // an empty line is a token; duplicates: lookups find the later id.
    const fs::path v = fs::path(dir) / "vocab-crlf.txt";
    writeFile(v, "[PAD]\r\n[UNK]\r[CLS]\n  [SEP]\t\n\xC2\xA0x\xE3\x80\x80\n\nx\ny");
    const auto tokens = readVocab(v.string());
    CHECK(tokens == (std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "x", "", "x", "y"}));
    const auto tok = WordPieceTokenizer::fromVocabFile(v.string(), false);
    CHECK(tok.id("x") == std::optional<int64_t>(6));
    CHECK(tok.token(4) == "x");
    CHECK(tok.tokenIds("x y") == (std::vector<int64_t>{6, 7}));
    CHECK(tok.source() == v.string());
    fs::remove_all(dir);
}

TEST_CASE("fromFolder: where lower-casing comes from") {
    const fs::path root = lowclip::testing::makeTempDir("lowclip-text-");
    const std::string casedVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nAbc\nabc\n";
    const std::string lowerVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nabc\n";
    auto make = [&](const std::string& name, const std::string& vocab) {
        fs::path d = root / name;
        fs::create_directories(d);
        writeFile(d / "vocab.txt", vocab);
        return d;
    };
    fs::path d = make("m1", casedVocab);
    writeFile(d / "tokenizer_config.json", R"({"do_lower_case": true})");
    CHECK(WordPieceTokenizer::fromFolder(d.string()).lowercase());
    writeFile(d / "lowclip.json", R"({"tokenizer": {"lowercase": false, "max_length": 64}})");  // the bundle wins
    CHECK(!WordPieceTokenizer::fromFolder(d.string()).lowercase());
    d = make("m2", lowerVocab);
    writeFile(d / "config.json", R"({"do_lower_case": false})");
    CHECK(!WordPieceTokenizer::fromFolder(d.string()).lowercase());
    d = make("bert-base-uncased", casedVocab);
    CHECK(WordPieceTokenizer::fromFolder(d.string()).lowercase());
    d = make("m3", lowerVocab);
    writeFile(d / "config.json", R"({"_name_or_path": "bert-base-multilingual-cased"})");
    CHECK(!WordPieceTokenizer::fromFolder(d.string()).lowercase());
    CHECK(WordPieceTokenizer::fromFolder(make("m4", lowerVocab).string()).lowercase());   // no upper-case tokens
    CHECK(!WordPieceTokenizer::fromFolder(make("m5", casedVocab).string()).lowercase());
    d = make("m6", casedVocab);
    writeFile(d / "tokenizer_config.json", R"({"do_lower_case": "yes"})");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromFolder(d.string()), Error, "do_lower_case");
    writeFile(d / "tokenizer_config.json", "{not json");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromFolder(d.string()), Error, "tokenizer_config.json");
    fs::create_directories(root / "empty");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromFolder((root / "empty").string()), Error, "vocab.txt");
    CHECK_THROWS_WITH(WordPieceTokenizer::fromFolder((root / "nowhere").string()), Error, "not a folder");
    fs::remove_all(root);
}

TEST_CASE("random text: tokenize, tokenIds and encode agree; threads agree") {
    const auto& tok = fixtureTokenizer(true);
    std::mt19937 rng(1234);
    const std::vector<std::string> alphabet{"a", "B", "\xC9\x99", "\xC4\xB0", "\xC4\xB1", "\xC5\x9F", " ", " ", ".",
                                            "\xE4\xB8\x80", "\xCC\x81", "\xE2\x80\x8D", "\xF0\x9F\x99\x82", "\xFF",
                                            "\t", "[CLS]", "\xCE\xA3", "7", "\xC2\xA0"};
    std::vector<std::string> texts;
    for (int i = 0; i < 300; ++i) {
        std::string s;
        const int n = static_cast<int>(rng() % 40);
        for (int k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
        texts.push_back(s);
    }
    std::vector<std::vector<int64_t>> expected;
    for (const auto& s : texts) {
        const auto pieces = tok.tokenize(s);
        const auto ids = tok.tokenIds(s);
        REQUIRE(pieces.size() == ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) CHECK(tok.token(ids[i]) == pieces[i]);
        const auto e = tok.encode(s, 12);
        const std::size_t keep = std::min<std::size_t>(ids.size(), 10);
        CHECK(e.ids.size() == keep + 2);
        CHECK(std::equal(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep), e.ids.begin() + 1));
        expected.push_back(ids);
    }
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (std::size_t i = 0; i < texts.size(); ++i) mismatches[t] += tok.tokenIds(texts[i]) != expected[i];
        });
    for (auto& th : threads) th.join();
    for (int m : mismatches) CHECK(m == 0);
}

LOWCLIP_TEST_MAIN()
