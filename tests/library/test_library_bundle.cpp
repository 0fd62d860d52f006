// The library with a real model bundle behind train::loadEmbedder: $LOWCLIP_TEST_BUNDLE when set,
// else the fixtures' tiny Simple-CLIP model imported into a bundle here.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/io/importers.h"
#include "core/library/fs_util.h"
#include "core/library/library.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;

namespace {

std::string bundleDir() {
    if (const char* b = std::getenv("LOWCLIP_TEST_BUNDLE"); b && *b) return b;
    std::string fx = lowclip::testing::fixturesDir();
    std::string state = fx + "/lowclip/lowclip-tiny.pt", config = fx + "/bert/config.json",
                vocabAll = fx + "/tokenizer/vocab-mbert-cased.txt";
    if (!pathExists(state) || !pathExists(config) || !pathExists(vocabAll))
        SKIP("no LOWCLIP_TEST_BUNDLE and no tiny model in the fixtures at " + fx);
    std::ifstream cin(config);
    auto vocabSize = nlohmann::json::parse(cin).at("vocab_size").get<long>();
    std::string tmp = lowclip::testing::makeTempDir();
    // The first vocab_size lines of the mBERT vocabulary (its specials sit at ids 0 and 100-103).
    std::ifstream in(vocabAll);
    std::ofstream out(tmp + "/vocab.txt");
    std::string line;
    for (long i = 0; i < vocabSize && std::getline(in, line); ++i) out << line << "\n";
    out.close();
    lowclip::io::SimpleClipImportOptions o;
    o.stateDict = state;
    o.vocab = tmp + "/vocab.txt";
    o.bertConfig = config;
    o.out = tmp + "/tiny";
    o.name = "tiny";
    lowclip::io::importSimpleClip(o);
    return o.out;
}

}  // namespace

TEST_CASE("a real bundle: index, text search, similar photos") {
    std::string bundle = bundleDir();
    auto emb = lowclip::train::loadEmbedder(bundle, "cpu");
    REQUIRE(emb->dim() > 0);
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/dəniz.jpg", 30, 80, 200, 96, 64);
    writeImage(photos + "/kopya.jpg", 30, 80, 200, 96, 64);  // the same picture twice
    writeImage(photos + "/meşə.png", 20, 160, 40, 80, 80);
    writeImage(photos + "/gün_batımı.jpg", 230, 120, 30, 64, 96);
    writeImage(photos + "/qar.png", 240, 240, 245, 70, 50);
    writeImage(photos + "/gecə.jpg", 10, 10, 30, 50, 70);

    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    CHECK(lib->scan().added == 6);
    IndexOptions o;
    o.batchSize = 4;
    o.decodeThreads = 2;
    o.bundlePath = bundle;
    auto r = lib->index(*emb, o);
    CHECK(r.embedded == 6);
    CHECK(r.failed == 0);
    CHECK(r.complete);
    auto active = lib->activeModel();
    REQUIRE(active);
    CHECK(active->modelId == emb->modelId());
    CHECK(active->dim == emb->dim());
    CHECK(active->bundlePath == bundle);

    auto a = lib->photoByPath(photos + "/dəniz.jpg");
    auto b = lib->photoByPath(photos + "/kopya.jpg");
    REQUIRE(a && b);
    SearchOptions so;
    so.k = 3;
    auto sim = lib->similar(a->id, so);
    REQUIRE(!sim.empty());
    CHECK(sim[0].photo.id == b->id);
    CHECK_MSG(sim[0].score > 0.999f, "score " << sim[0].score);

    so.k = 6;
    auto hits = lib->search(*emb, "dənizdə gün batımı", so);
    CHECK(hits.size() == 6);
    std::set<PhotoId> ids;
    for (std::size_t i = 0; i < hits.size(); ++i) {
        CHECK(hits[i].score <= 1.0001f && hits[i].score >= -1.0001f);
        if (i) CHECK(hits[i - 1].score >= hits[i].score);
        ids.insert(hits[i].photo.id);
    }
    CHECK(ids.size() == 6);
    // The text vector the library used is the embedder's own.
    auto v = emb->encodeTexts({"dənizdə gün batımı"});
    auto same = lib->searchVector(emb->modelId(), v, so);
    REQUIRE(same.size() == hits.size());
    for (std::size_t i = 0; i < same.size(); ++i) CHECK(same[i].photo.id == hits[i].photo.id);
}

TEST_CASE("bfloat16 text precision: the same bundle's query vectors, within bfloat16 rounding") {
    std::string bundle = bundleDir();
    auto exact = lowclip::train::loadEmbedder(bundle, "cpu", lowclip::train::TextPrecision::Float32);
    auto fast = lowclip::train::loadEmbedder(bundle, "cpu", lowclip::train::parseTextPrecision("bfloat16"));
    CHECK(fast->modelId() == exact->modelId());
    const std::vector<std::string> texts = {"dənizdə gün batımı", "qarlı dağlar və mavi səma", "it"};
    auto a = exact->encodeTexts(texts), b = fast->encodeTexts(texts);
    REQUIRE(a.size() == b.size());
    const std::size_t dim = static_cast<std::size_t>(exact->dim());
    for (std::size_t t = 0; t < texts.size(); ++t) {
        double dot = 0;
        for (std::size_t k = 0; k < dim; ++k) dot += static_cast<double>(a[t * dim + k]) * b[t * dim + k];
        CHECK_MSG(dot > 0.999, texts[t] << ": cosine " << dot);  // both rows are unit vectors
    }
    CHECK_THROWS_WITH(lowclip::train::parseTextPrecision("half"), lowclip::Error, "float32, bfloat16, int8 or auto");
}

LOWCLIP_TEST_MAIN()
