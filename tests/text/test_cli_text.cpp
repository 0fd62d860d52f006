// Runs `lowclip-cli tokenize` and `lowclip-cli vocab` on temporary files and checks their output
// against the reference fixtures and the library.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/text/tokenizer.h"
#include "core/text/vocab_builder.h"
#include "tests/support/testing.h"

using namespace lowclip::text;
namespace fs = std::filesystem;

namespace {

const std::string& tempDir() {
    static const std::string dir = lowclip::testing::makeTempDir("lowclip-cli-text-");
    return dir;
}

void writeFile(const std::string& path, const std::string& content) {
    std::ofstream f(path, std::ios::binary);
    f << content;
}

std::string readFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Run {
    int status;
    std::string out, err;
};

// lowclip-cli ARGS < stdin
Run cli(const std::string& args, const std::string& stdinText) {
    const std::string in = tempDir() + "/stdin", out = tempDir() + "/stdout", err = tempDir() + "/stderr";
    writeFile(in, stdinText);
    const std::string cmd = std::string("'") + LOWCLIP_CLI_PATH + "' " + args + " < '" + in + "' > '" + out + "' 2> '" + err + "'";
    const int raw = std::system(cmd.c_str());
    Run r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, readFile(out), readFile(err)};
    return r;
}

std::vector<nlohmann::json> jsonLines(const std::string& s) {
    std::vector<nlohmann::json> v;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) v.push_back(nlohmann::json::parse(line));
    return v;
}

struct FixtureLine {
    std::string text;
    std::vector<std::string> tokens;
    std::vector<int64_t> ids, ids64;
};

std::vector<FixtureLine> fixtureLines(const std::string& file) {
    std::ifstream in(lowclip::testing::fixturesDir() + "/tokenizer/" + file);
    std::vector<FixtureLine> v;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line);
        FixtureLine f{j.at("text").get<std::string>(), j.at("tokens").get<std::vector<std::string>>(),
                      j.at("ids").get<std::vector<int64_t>>(), j.at("ids_with_special_max64").get<std::vector<int64_t>>()};
        if (f.text.find('\n') == std::string::npos) v.push_back(std::move(f));  // one text per stdin line
    }
    return v;
}

void checkAgainstFixture(const std::string& file, const std::string& flags) {
    const std::string vocab = lowclip::testing::fixturesDir() + "/tokenizer/vocab-mbert-cased.txt";
    const auto lines = fixtureLines(file);
    if (lines.empty() || !fs::exists(vocab)) SKIP("no tokenizer fixtures");
    std::string input;
    for (const auto& l : lines) input += l.text + "\n";
    Run r = cli("tokenize --vocab '" + vocab + "' " + flags, input);
    REQUIRE(r.status == 0);
    auto out = jsonLines(r.out);
    REQUIRE(out.size() == lines.size());
    int bad = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        bool ok = out[i].at("tokens").get<std::vector<std::string>>() == lines[i].tokens &&
                  out[i].at("ids").get<std::vector<int64_t>>() == lines[i].ids;
        CHECK_MSG(ok, file << " line " << i + 1 << ": " << out[i].dump());
        bad += !ok;
    }
    // With --max-len: the model input, specials included.
    r = cli("tokenize --vocab '" + vocab + "' " + flags + " --max-len 64", input);
    REQUIRE(r.status == 0);
    out = jsonLines(r.out);
    REQUIRE(out.size() == lines.size());
    const auto tok = WordPieceTokenizer::fromVocabFile(vocab, false);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto ids = out[i].at("ids").get<std::vector<int64_t>>();
        const auto tokens = out[i].at("tokens").get<std::vector<std::string>>();
        CHECK_MSG(ids == lines[i].ids64, file << " line " << i + 1 << " --max-len 64");
        REQUIRE(tokens.size() == ids.size());
        CHECK(tokens.front() == "[CLS]");
        CHECK(tokens.back() == "[SEP]");
        for (std::size_t k = 0; k < ids.size(); ++k) CHECK(tok.token(ids[k]) == tokens[k]);
    }
    std::cout << "  " << file << ": " << lines.size() << " lines through the CLI, " << bad << " differ" << std::endl;
}

// A small vocabulary that does not need the fixtures.
std::string smallVocab() {
    const std::string path = tempDir() + "/small-vocab.txt";
    writeVocab(path, {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "ab", "##b", "##c", "."});
    return path;
}

}  // namespace

TEST_CASE("tokenize: every single-line fixture text, cased") { checkAgainstFixture("tokens-mbert-cased.jsonl", ""); }

TEST_CASE("tokenize: every single-line fixture text, --lowercase") {
    checkAgainstFixture("tokens-mbert-cased-vocab-lower.jsonl", "--lowercase");
}

TEST_CASE("tokenize: line handling, invalid UTF-8, JSON shape") {
    const std::string vocab = smallVocab();
    // \r kept (then cleaned to a space), empty line, invalid bytes dropped, last line without \n.
    Run r = cli("tokenize --vocab '" + vocab + "'", "ab c\r\n\nab\xFF" "b.\xE2\x82\nc\xC0 a");
    REQUIRE(r.status == 0);
    CHECK(r.out ==
          "{\"tokens\":[\"ab\",\"c\"],\"ids\":[8,7]}\n"
          "{\"tokens\":[],\"ids\":[]}\n"
          "{\"tokens\":[\"ab\",\"##b\",\".\"],\"ids\":[8,9,11]}\n"
          "{\"tokens\":[\"c\",\"a\"],\"ids\":[7,5]}\n");
    r = cli("tokenize --vocab '" + vocab + "' --max-len 3", "ab c\nzz\n");
    REQUIRE(r.status == 0);
    CHECK(r.out ==
          "{\"tokens\":[\"[CLS]\",\"ab\",\"[SEP]\"],\"ids\":[2,8,3]}\n"
          "{\"tokens\":[\"[CLS]\",\"[UNK]\",\"[SEP]\"],\"ids\":[2,1,3]}\n");
    r = cli("tokenize --vocab '" + vocab + "'", "");
    CHECK(r.status == 0);
    CHECK(r.out.empty());
}

TEST_CASE("tokenize: errors") {
    const std::string vocab = smallVocab();
    Run r = cli("tokenize", "a\n");
    CHECK(r.status == 2);
    CHECK(r.err.find("--vocab") != std::string::npos);
    r = cli("tokenize --vocab '" + tempDir() + "/missing.txt'", "a\n");
    CHECK(r.status == 1);
    CHECK(r.err.find("missing.txt") != std::string::npos);
    r = cli("tokenize --vocab '" + vocab + "' --max-len 1", "a\n");
    CHECK(r.status == 2);
    r = cli("tokenize --vocab '" + vocab + "' --bogus 3", "a\n");
    CHECK(r.status == 2);
}

TEST_CASE("vocab: builds a vocabulary the tokenizer reads, with no [UNK] on its corpus") {
    const std::string corpus = tempDir() + "/corpus.txt";
    const std::string text =
        "Qırmızı köynəkli uşaq parkda qaçır.\nİki it çəmənlikdə oynayır.\nQadın dənizin sahilində oturur.\n"
        "Uşaq parkda gülür.\nİt parkda qaçır.\n";
    writeFile(corpus, text);
    const std::string out = tempDir() + "/built-vocab.txt";
    Run r = cli("vocab --out '" + out + "' --size 80 '" + corpus + "' -", "Kişi küçədə yeriyir.\n");
    REQUIRE(r.status == 0);
    const auto tokens = readVocab(out);
    REQUIRE(tokens.size() >= 5);
    CHECK(std::vector<std::string>(tokens.begin(), tokens.begin() + 5) == specialTokens());
    const auto tok = WordPieceTokenizer::fromVocabFile(out, false);
    for (const std::string line : {"Qırmızı köynəkli uşaq parkda qaçır.", "Kişi küçədə yeriyir."})
        for (int64_t id : tok.tokenIds(line)) CHECK(id != tok.unkId());
    CHECK(cli("vocab --size 80 '" + corpus + "'", "").status == 2);           // no --out
    CHECK(cli("vocab --out '" + out + "'", "").status == 2);                  // no input
    CHECK(cli("vocab --out '" + out + "' '" + tempDir() + "/nope.txt'", "").status == 1);
}

LOWCLIP_TEST_MAIN()
