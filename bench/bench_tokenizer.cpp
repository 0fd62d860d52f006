// bench_tokenizer: single-thread throughput of the BERT WordPiece tokenizer over the fixture
// sentences (tokenizer/*.jsonl "text" fields), repeated for about `seconds` per measurement.
//   bench_tokenizer [FIXTURES_DIR] [--seconds S]
// FIXTURES_DIR defaults to $LOWCLIP_FIXTURES, else ../shared/fixtures beside the source tree.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text/basic_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/vocab_builder.h"

using Clock = std::chrono::steady_clock;
using lowclip::text::WordPieceTokenizer;

namespace {

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Runs fn over all texts repeatedly for about `seconds`; prints MB/s and sentences/s.
void measure(const std::string& name, const std::vector<std::string>& texts, double seconds,
             const std::function<std::size_t(const std::string&)>& fn) {
    std::size_t bytes = 0, sentences = 0, sink = 0;
    for (const auto& t : texts) sink += fn(t);  // warm-up
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        for (const auto& t : texts) {
            sink += fn(t);
            bytes += t.size();
        }
        sentences += texts.size();
        elapsed = secondsSince(start);
    } while (elapsed < seconds);
    std::cout << std::left << std::setw(44) << name << std::right << std::fixed << std::setprecision(2) << std::setw(9)
              << bytes / elapsed / 1e6 << " MB/s " << std::setw(12) << std::setprecision(0) << sentences / elapsed
              << " sentences/s " << std::setprecision(2) << std::setw(8) << 1e6 * elapsed / sentences
              << " us/sentence  (" << sink % 10 << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::string fixtures;
    double seconds = 2.0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = std::atof(argv[++i]);
        else
            fixtures = argv[i];
    }
    if (fixtures.empty()) {
        const char* env = std::getenv("LOWCLIP_FIXTURES");
        fixtures = env && *env ? env : std::string(LOWCLIP_SOURCE_DIR) + "/../shared/fixtures";
    }
    const std::string dir = fixtures + "/tokenizer";
    std::vector<std::string> texts;
    {
        std::ifstream in(dir + "/tokens-mbert-cased.jsonl");
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    }
    if (texts.empty()) {
        std::cerr << "bench_tokenizer: no texts in " << dir << "/tokens-mbert-cased.jsonl\n";
        return 1;
    }
    std::vector<std::string> captions(texts.begin(), texts.begin() + std::min<std::size_t>(500, texts.size()));
    std::size_t totalBytes = 0;
    for (const auto& t : texts) totalBytes += t.size();

    auto t0 = Clock::now();
    const auto vocab = lowclip::text::readVocab(dir + "/vocab-mbert-cased.txt");
    const double readS = secondsSince(t0);
    t0 = Clock::now();
    const WordPieceTokenizer cased(vocab, false);
    const double buildS = secondsSince(t0);
    const WordPieceTokenizer lower(vocab, true);
    std::cout << "bench_tokenizer: " << texts.size() << " texts (" << totalBytes << " bytes), first "
              << captions.size() << " are Azerbaijani captions; vocabulary " << vocab.size() << " tokens\n";
    std::cout << std::fixed << std::setprecision(1) << "vocab.txt read " << readS * 1e3 << " ms, tables built "
              << buildS * 1e3 << " ms\n";
    std::cout << "single thread, ~" << seconds << " s per line:\n";

    measure("captions, cased, tokenIds", captions, seconds, [&](const std::string& t) { return cased.tokenIds(t).size(); });
    measure("captions, lowercase, tokenIds", captions, seconds, [&](const std::string& t) { return lower.tokenIds(t).size(); });
    measure("captions, cased, encode(max 64)", captions, seconds,
            [&](const std::string& t) { return cased.encode(t, 64).ids.size(); });
    measure("captions, cased, tokenize (strings)", captions, seconds,
            [&](const std::string& t) { return cased.tokenize(t).size(); });
    measure("all fixture texts, cased, tokenIds", texts, seconds, [&](const std::string& t) { return cased.tokenIds(t).size(); });
    measure("all fixture texts, lowercase, tokenIds", texts, seconds,
            [&](const std::string& t) { return lower.tokenIds(t).size(); });
    const lowclip::text::BasicTokenizer basicLower(true);
    measure("captions, lowercase, BasicTokenizer words only", captions, seconds, [&](const std::string& t) {
        std::size_t n = 0;
        basicLower.forEachWord(t, [&](const char32_t*, std::size_t) { return ++n, true; });
        return n;
    });
    return 0;
}
