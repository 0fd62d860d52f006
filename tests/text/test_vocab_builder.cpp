// WordPiece vocabulary builder and vocab.txt writing/reading.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

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

// A small generated Azerbaijani caption corpus (no fixtures needed).
std::vector<std::string> syntheticCorpus(int lines, unsigned seed) {
    const std::vector<std::string> subjects{"Kişi", "Qadın", "Uşaq", "İt", "Pişik", "Oğlan", "Qız", "Ağ at", "Qırmızı quş"};
    const std::vector<std::string> verbs{"qaçır", "oturur", "gülür", "oynayır", "baxır", "yeriyir", "üzür"};
    const std::vector<std::string> places{"parkda", "çəmənlikdə", "dənizin sahilində", "şəhərdə", "dağlarda",
                                          "evin qarşısında", "küçədə"};
    const std::vector<std::string> extras{"", " və gülümsəyir", ", günəş parlayır", " (2024)", " — çox gözəl!",
                                          " yaşıl ağacların yanında"};
    std::mt19937 rng(seed);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    std::vector<std::string> out;
    for (int i = 0; i < lines; ++i) out.push_back(pick(subjects) + " " + pick(places) + " " + pick(verbs) + pick(extras) + ".");
    return out;
}

std::vector<std::string> fixtureCaptions() {
    const std::string path = lowclip::testing::fixturesDir() + "/tokenizer/tokens-mbert-cased.jsonl";
    std::ifstream in(path);
    std::vector<std::string> texts;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    return texts;
}

// Every word of the corpus (<= 100 code points) tokenizes without [UNK].
int countUnknown(const WordPieceTokenizer& tok, const std::vector<std::string>& corpus) {
    int unknown = 0;
    for (const auto& line : corpus)
        for (int64_t id : tok.tokenIds(line)) unknown += id == tok.unkId();
    return unknown;
}

}  // namespace

TEST_CASE("specials first, then every character in both forms, no duplicates") {
    const auto corpus = syntheticCorpus(400, 1);
    VocabBuilderOptions o;
    o.vocabSize = 150;  // this corpus allows about 230 tokens
    o.completeAlphabets = false;  // exactly the characters seen (the alphabets are the next case)
    const auto vocab = buildWordPieceVocab(corpus, o);
    REQUIRE(vocab.size() >= 5);
    CHECK(std::vector<std::string>(vocab.begin(), vocab.begin() + 5) == specialTokens());
    CHECK(specialTokens() == (std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}));
    CHECK_MSG(vocab.size() == o.vocabSize, vocab.size());
    CHECK(std::set<std::string>(vocab.begin(), vocab.end()).size() == vocab.size());
    std::set<char32_t> seen;
    const BasicTokenizer basic(false);
    for (const auto& line : corpus)
        basic.forEachWord(line, [&](const char32_t* w, std::size_t n) {
            seen.insert(w, w + n);
            return true;
        });
    const std::set<std::string> set(vocab.begin(), vocab.end());
    for (char32_t c : seen) {
        std::string s;
        unicode::appendUtf8(s, c);
        CHECK_MSG(set.count(s) && set.count("##" + s), "character " << s);
    }
    // Single characters come right after the specials, then their ## forms.
    CHECK(vocab.size() >= 5 + 2 * seen.size());
    for (std::size_t i = 5; i < 5 + seen.size(); ++i) CHECK(unicode::decodeUtf8(vocab[i]).size() == 1);
    for (std::size_t i = 5 + seen.size(); i < 5 + 2 * seen.size(); ++i) {
        CHECK(vocab[i].compare(0, 2, "##") == 0);
        CHECK(unicode::decodeUtf8(vocab[i]).size() == 3);
    }
}

TEST_CASE("complete alphabets: a word of letters the corpus lacked is never [UNK], in either case") {
    // A corpus without ö, x, w, Ç and digits.
    const std::vector<std::string> corpus{"qırmızı dairə", "mavi kvadrat", "yaşıl üçbucaq", "sarı ulduz"};
    for (TextNormalization n : {TextNormalization::None, TextNormalization::BertLower, TextNormalization::Azerbaijani}) {
        VocabBuilderOptions o;
        o.vocabSize = 100;
        o.normalization = n;
        const auto vocab = buildWordPieceVocab(corpus, o);
        const WordPieceTokenizer tok(vocab, n);
        for (const std::string word : {"göl", "xəzər", "wifi", "ÖZÜ", "Çay", "2024", "QIRMIZI", "İLAN"})
            CHECK_MSG(countUnknown(tok, {word}) == 0, normalizationName(n) << ": " << word);
        const std::set<std::string> set(vocab.begin(), vocab.end());
        if (n != TextNormalization::BertLower) CHECK(set.count("ö") && set.count("##ö"));  // BERT strips it to o
        if (n == TextNormalization::None) CHECK(set.count("Ö") && set.count("##Ö") && set.count("İ"));
        // Without the option the corpus's own letters only: ö is unknown there.
        o.completeAlphabets = false;
        const WordPieceTokenizer bare(buildWordPieceVocab(corpus, o), n);
        CHECK(countUnknown(bare, {"göl"}) > 0);
    }
}

TEST_CASE("Azerbaijani normalization: capital I is ı, İ is i, letters keep their marks") {
    const BasicTokenizer az(TextNormalization::Azerbaijani);
    CHECK(az.tokenize("QIRMIZI DAİRƏ") == (std::vector<std::string>{"qırmızı", "dairə"}));
    CHECK(az.tokenize("Göl, ŞƏKİL!") == (std::vector<std::string>{"göl", ",", "şəkil", "!"}));
    CHECK(az.tokenize("I\u0307lan") == (std::vector<std::string>{"ilan"}));  // I + combining dot above
    CHECK(az.tokenize("o\u0308z") == (std::vector<std::string>{"\u00f6z"}));  // decomposed ö composes
    CHECK(az.tokenize("[CLS] İki") == (std::vector<std::string>{"[CLS]", "iki"}));
    // BERT's lower-casing, for comparison: the dotless ı is lost and marks are stripped.
    const BasicTokenizer bert(TextNormalization::BertLower);
    CHECK(bert.tokenize("QIRMIZI Göl") == (std::vector<std::string>{"qirmizi", "gol"}));
    CHECK(parseNormalization("azerbaijani") == TextNormalization::Azerbaijani);
    CHECK(parseNormalization(normalizationName(TextNormalization::BertLower)) == TextNormalization::BertLower);
    CHECK_THROWS_WITH(parseNormalization("turkish"), lowclip::Error, "unknown text normalization");
}

TEST_CASE("round trip: no [UNK] on the corpus, frequent words and suffixes learned") {
    const auto corpus = syntheticCorpus(600, 2);
    for (bool lowercase : {false, true}) {
        VocabBuilderOptions o;
        o.vocabSize = 400;
        o.lowercase = lowercase;
        const auto vocab = buildWordPieceVocab(corpus, o);
        const WordPieceTokenizer tok(vocab, lowercase);
        CHECK(countUnknown(tok, corpus) == 0);
        // Unseen sentence made of seen characters.
        CHECK(countUnknown(tok, {"Qışda dağ küçəsində sakit yeriyir, şəhər gülür!"}) == 0);
        // A frequent whole word is one token.
        const auto pieces = tok.tokenize("parkda");
        CHECK_MSG(pieces.size() == 1, "parkda -> " << pieces.size() << " pieces");
        // Merging helps: far fewer pieces than characters.
        std::size_t chars = 0, ids = 0;
        for (const auto& line : corpus) {
            ids += tok.tokenIds(line).size();
            chars += unicode::decodeUtf8(line).size();
        }
        CHECK_MSG(ids * 3 < chars, ids << " pieces for " << chars << " characters");
        if (lowercase) {
            for (const auto& t : vocab) {
                if (t.size() > 2 && t.front() == '[' && t.back() == ']') continue;
                CHECK_MSG(std::none_of(t.begin(), t.end(), [](char c) { return c >= 'A' && c <= 'Z'; }), t);
                CHECK_MSG(t.find("\xC5\x9F") == std::string::npos, t);  // ş is stripped to s
            }
        }
    }
}

TEST_CASE("deterministic, and the size, frequency and length limits hold") {
    const auto corpus = syntheticCorpus(300, 3);
    VocabBuilderOptions o;
    o.vocabSize = 250;
    CHECK(buildWordPieceVocab(corpus, o) == buildWordPieceVocab(corpus, o));

    VocabBuilderOptions few = o;
    few.minFrequency = 1000000;  // no merge qualifies: specials + alphabet only
    const auto alphabetOnly = buildWordPieceVocab(corpus, few);
    for (std::size_t i = 5; i < alphabetOnly.size(); ++i) {
        const std::string& t = alphabetOnly[i];
        CHECK(unicode::decodeUtf8(t.compare(0, 2, "##") == 0 && t.size() > 2 ? t.substr(2) : t).size() == 1);
    }
    CHECK(countUnknown(WordPieceTokenizer(alphabetOnly, false), corpus) == 0);

    VocabBuilderOptions tiny = o;
    tiny.vocabSize = 5;  // smaller than the alphabet: the alphabet still comes in full
    CHECK(buildWordPieceVocab(corpus, tiny).size() == alphabetOnly.size());

    VocabBuilderOptions shortPieces = o;
    shortPieces.vocabSize = 2000;
    shortPieces.maxWordPieceLength = 3;
    const auto v3 = buildWordPieceVocab(corpus, shortPieces);
    for (std::size_t i = 5; i < v3.size(); ++i) {
        const std::string& t = v3[i];
        CHECK_MSG(unicode::decodeUtf8(t.compare(0, 2, "##") == 0 ? t.substr(2) : t).size() <= 3, t);
    }
    CHECK(countUnknown(WordPieceTokenizer(v3, false), corpus) == 0);

    CHECK(buildWordPieceVocab({}, o) == specialTokens());
    CHECK(buildWordPieceVocab({"[CLS] [SEP]"}, o) == specialTokens());  // specials are not counted
}

TEST_CASE("fixture captions: round trip and writeVocab/readVocab") {
    const auto corpus = fixtureCaptions();
    if (corpus.empty()) SKIP("no fixture captions");
    VocabBuilderOptions o;
    o.vocabSize = 3000;
    const auto vocab = buildWordPieceVocab(corpus, o);
    CHECK(vocab.size() <= 3000);  // the alphabet of these captions is far smaller
    const std::string dir = lowclip::testing::makeTempDir("lowclip-vocab-");
    const std::string path = dir + "/vocab.txt";
    writeVocab(path, vocab);
    CHECK(readVocab(path) == vocab);
    const auto tok = WordPieceTokenizer::fromVocabFile(path, false);
    CHECK(tok.vocabSize() == vocab.size());
    CHECK(tok.padId() == 0);
    CHECK(tok.unkId() == 1);
    CHECK(tok.clsId() == 2);
    CHECK(tok.sepId() == 3);
    CHECK(tok.maskId() == 4);
    // Only words over 100 code points may be [UNK].
    const BasicTokenizer basic(false);
    int longWords = 0;
    for (const auto& line : corpus)
        basic.forEachWord(line, [&](const char32_t* w, std::size_t n) {
            longWords += n > 100 || (n == 5 && std::u32string(w, n) == U"[UNK]");  // a literal [UNK] too
            return true;
        });
    CHECK(countUnknown(tok, corpus) == longWords);
    fs::remove_all(dir);
}

TEST_CASE("errors: options and unwritable tokens") {
    VocabBuilderOptions o;
    o.vocabSize = 4;
    CHECK_THROWS_WITH(buildWordPieceVocab({"a"}, o), Error, "at least 5");
    o.vocabSize = 100;
    o.minFrequency = 0;
    CHECK_THROWS_WITH(buildWordPieceVocab({"a"}, o), Error, "frequency");
    o.minFrequency = 1;
    o.maxWordPieceLength = 0;
    CHECK_THROWS_WITH(buildWordPieceVocab({"a"}, o), Error, "length");

    const std::string dir = lowclip::testing::makeTempDir("lowclip-vocab-");
    const std::string path = dir + "/vocab.txt";
    CHECK_THROWS_WITH(writeVocab(path, {"[PAD]", "a\nb"}), Error, "token 1");
    CHECK_THROWS_WITH(writeVocab(path, {"[PAD]", " a"}), Error, "whitespace");
    CHECK_THROWS_WITH(writeVocab(path, {"a\xC2\xA0"}), Error, "whitespace");
    CHECK_THROWS_WITH(writeVocab(path, {""}), Error, "empty");
    CHECK_THROWS_WITH(writeVocab(path, {"\xFF"}), Error, "UTF-8");
    CHECK(!fs::exists(path));
    CHECK_THROWS_WITH(writeVocab(dir + "/no/such/folder/vocab.txt", {"a"}), Error, "cannot write");
    writeVocab(path, {"a", "##\xC9\x99"});
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == "a\n##\xC9\x99\n");
    // No temporary file left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
    CHECK(files == 1);
    fs::remove_all(dir);
}

LOWCLIP_TEST_MAIN()
