// Model bundles (save/load/validate, atomic writes), importers (Simple-CLIP state dicts, a BERT
// folder + backbone weights) and the Embedder, against the lowclip/, bert/ and vision-* fixtures.
#include <torch/torch.h>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/io/bundle.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "core/io/importers.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/text/tokenizer.h"
#include "core/train/demo.h"
#include "core/train/embedder.h"
#include "core/text/vocab_builder.h"
#include "core/util/json_config.h"
#include "core/vision/preprocess.h"
#include "tests/support/testing.h"

using namespace lowclip;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& rel) { return testing::fixturesDir() + "/" + rel; }

struct TempRoot {
    std::string dir = testing::makeTempDir("lowclip-bundle-");
    ~TempRoot() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

std::string tempRoot() {
    static TempRoot root;
    return root.dir;
}

void requireFixtures() {
    if (!fs::exists(fixture("lowclip/lowclip-tiny.pt")) || !fs::exists(fixture("tokenizer/vocab-mbert-cased.txt")))
        SKIP("fixtures not found at " + testing::fixturesDir());
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

nlohmann::json readJson(const std::string& path) { return nlohmann::json::parse(readFile(path)); }

double maxAbs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

void checkClose(const torch::Tensor& got, const torch::Tensor& ref, const std::string& what, double tol = 1e-4) {
    REQUIRE(got.sizes() == ref.sizes());
    double diff = maxAbs(got.to(torch::kFloat64) - ref.to(torch::kFloat64));
    double bound = tol * std::max(1.0, maxAbs(ref.to(torch::kFloat64)));
    CHECK_MSG(diff <= bound, what << ": max diff " << diff << " > " << bound);
}

// A vocabulary of `n` tokens: the first n lines of the fixture mBERT vocabulary (its specials are
// at ids 0 and 100-103, so n must exceed 103).
std::string writeVocab(const std::string& path, int64_t n) {
    std::ifstream in(fixture("tokenizer/vocab-mbert-cased.txt"));
    std::string line, out;
    int64_t count = 0;
    while (count < n && std::getline(in, line)) {
        out += line + "\n";
        ++count;
    }
    if (count < n || n <= 103) SKIP("cannot make a vocabulary of " + std::to_string(n) + " tokens from the fixture");
    writeFile(path, out);
    return path;
}

int64_t tinyVocabSize() {
    io::TensorMap w = io::loadWeights(fixture("lowclip/lowclip-tiny.safetensors"));
    return w.at("text_encoder.model.embeddings.word_embeddings.weight").size(0);
}

std::string tinyVocab() {
    static std::string path;
    if (path.empty()) path = writeVocab(tempRoot() + "/tiny-vocab.txt", tinyVocabSize());
    return path;
}

// The fixture's Simple-CLIP model imported once per run.
std::string tinyBundle() {
    static std::string dir;
    if (!dir.empty()) return dir;
    io::SimpleClipImportOptions o;
    o.stateDict = fixture("lowclip/lowclip-tiny.pt");
    o.vocab = tinyVocab();
    o.bertConfig = fixture("bert/config.json");
    o.out = tempRoot() + "/tiny";
    o.name = "tiny";
    io::importSimpleClip(o);
    dir = o.out;
    return dir;
}

// A copy of the tiny bundle to break.
std::string copyOfTiny(const std::string& name) {
    std::string dir = tempRoot() + "/" + name;
    fs::remove_all(dir);
    fs::copy(tinyBundle(), dir, fs::copy_options::recursive);
    return dir;
}

void checkTinyParity(nn::DualEncoder& model) {
    auto ref = io::readSafetensors(fixture("lowclip/io.safetensors")).tensors;
    torch::NoGradGuard g;
    checkClose(model->encodeImages(ref.at("images")), ref.at("image_embeddings"), "image_embeddings");
    checkClose(model->encodeTexts(ref.at("input_ids"), ref.at("attention_mask")), ref.at("text_embeddings"),
               "text_embeddings");
}

// A small fresh model (from scratch shapes) with its own vocabulary.
nn::ClipConfig smallConfig(int64_t vocabSize) {
    nn::ClipConfig c;
    c.text.vocabSize = vocabSize;
    c.text.hiddenSize = 32;
    c.text.numLayers = 1;
    c.text.numHeads = 2;
    c.text.intermediateSize = 64;
    c.text.maxPositions = 32;
    c.imageArch = "resnet";
    c.imageConfig = {{"block", "basic"}, {"layers", {1, 1}}, {"stage_planes", {8, 16}}, {"stem_width", 8}};
    c.projectionDim = 16;
    c.loss = "infonce";
    c.maxTextLength = 16;
    c.imageSize = 48;
    c.normalization = text::TextNormalization::BertLower;
    return c;
}

std::vector<std::string> smallVocab() {
    std::vector<std::string> v = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (const char* w : {"qırmızı", "mavi", "dairə", "kvadrat", "solunda", "sağında", "bir", "iki", "##lar", "##nin", "."})
        v.push_back(w);
    for (char ch = 'a'; ch <= 'z'; ++ch) {
        v.push_back(std::string(1, ch));
        v.push_back("##" + std::string(1, ch));
    }
    return v;
}

vision::Image randomImage(int w, int h, std::mt19937& rng) {
    vision::Image im;
    im.width = w;
    im.height = h;
    im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
    for (auto& b : im.rgb) b = static_cast<std::uint8_t>(rng() & 0xff);
    return im;
}

bool leftovers(const std::string& parent) {
    for (const auto& e : fs::directory_iterator(parent)) {
        std::string n = e.path().filename().string();
        if (n.find(".tmp-") != std::string::npos || n.find(".old-") != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("import simpleclip (.pt) writes a bundle that reproduces the reference embeddings") {
    requireFixtures();
    std::string dir = tinyBundle();
    CHECK(fs::is_regular_file(dir + "/lowclip.json"));
    CHECK(fs::is_regular_file(dir + "/model.safetensors"));
    CHECK(fs::is_regular_file(dir + "/vocab.txt"));
    io::BundleInfo info = io::readBundleInfo(dir);
    nlohmann::json dims = readJson(fixture("lowclip/lowclip-tiny.json"));
    CHECK(info.name == "tiny");
    CHECK(info.formatVersion == io::kBundleFormatVersion);
    CHECK(info.projectionDim == dims.at("projection_dim").get<int64_t>());
    CHECK(info.vocabSize == tinyVocabSize());
    CHECK(info.loss == "simpleclip");
    CHECK(info.imageArch == "resnet");
    CHECK(info.source.find("lowclip-tiny.pt") != std::string::npos);
    CHECK(!info.created.empty());
    CHECK(info.weightsBytes > 0);
    io::validateBundle(dir);
    io::LoadedBundle b = io::loadBundle(dir, "cpu");
    CHECK(!b.model->is_training());
    nn::BertConfig bert = nn::BertConfig::fromJsonFile(fixture("bert/config.json"));
    CHECK(b.config.text.numHeads == bert.numHeads);
    checkTinyParity(b.model);
    // The weights in the bundle are named as the DualEncoder's.
    auto names = io::readSafetensors(dir + "/model.safetensors").tensors;
    CHECK(names.count("logit_scale") && names.count("text_projection.fc.weight") &&
          names.count("text_encoder.embeddings.word_embeddings.weight") && names.count("image_encoder.conv1.weight"));
}

TEST_CASE("import simpleclip from .safetensors; attention heads from a config.json beside the vocabulary") {
    requireFixtures();
    std::string hf = tempRoot() + "/hf-beside";
    fs::create_directories(hf);
    fs::copy_file(fixture("bert/config.json"), hf + "/config.json", fs::copy_options::overwrite_existing);
    writeVocab(hf + "/vocab.txt", tinyVocabSize());
    io::SimpleClipImportOptions o;
    o.stateDict = fixture("lowclip/lowclip-tiny.safetensors");
    o.vocab = hf + "/vocab.txt";
    o.out = tempRoot() + "/tiny-st";
    io::importSimpleClip(o);
    io::LoadedBundle b = io::loadBundle(o.out, "cpu");
    CHECK(b.info.name == "tiny-st");
    checkTinyParity(b.model);

    // Without any config the heads default to hidden/64.
    io::SimpleClipImportOptions p = o;
    p.vocab = tinyVocab();
    p.out = tempRoot() + "/tiny-noheads";
    io::importSimpleClip(p);
    io::LoadedBundle c = io::loadBundle(p.out, "cpu");
    CHECK(c.config.text.numHeads == std::max<int64_t>(1, c.config.text.hiddenSize / 64));
    // ... or come from --heads.
    p.numHeads = b.config.text.numHeads;
    p.out = tempRoot() + "/tiny-heads";
    io::importSimpleClip(p);
    CHECK(io::loadBundle(p.out, "cpu").config.text.numHeads == b.config.text.numHeads);
}

TEST_CASE("save -> load round trip: identical outputs, config, vocabulary, provenance") {
    requireFixtures();
    torch::manual_seed(3);
    std::vector<std::string> vocab = smallVocab();
    nn::ClipConfig c = smallConfig(static_cast<int64_t>(vocab.size()));
    nn::DualEncoder model(c);
    {
        torch::NoGradGuard g;
        model->logit_scale.fill_(2.5);
    }
    model->eval();
    io::BundleProvenance prov;
    prov.name = "küçük model";
    prov.source = "test";
    prov.training = {{"epochs", 3}};
    prov.metrics = {{"t2i_r1", 0.5}};
    std::string dir = tempRoot() + "/roundtrip";
    io::saveBundle(dir, *model, c, vocab, prov);
    CHECK(!leftovers(tempRoot()));

    io::LoadedBundle b = io::loadBundle(dir, "cpu");
    CHECK(b.config.toJson() == c.toJson());
    CHECK(b.vocab == vocab);
    CHECK(b.tokenizer->vocabSize() == vocab.size());
    CHECK(b.tokenizer->lowercase());
    CHECK(b.info.name == "küçük model");
    CHECK(b.info.source == "test");
    CHECK(b.info.training.value("epochs", 0) == 3);
    CHECK(b.info.metrics.value("t2i_r1", 0.0) == 0.5);
    CHECK(std::abs(b.model->logit_scale.item<double>() - 2.5) < 1e-7);
    auto before = nn::stateDict(*model), after = nn::stateDict(*b.model);
    CHECK(before.size() == after.size());
    for (const auto& [k, v] : before) {
        REQUIRE(after.count(k));
        CHECK_MSG(torch::equal(v, after.at(k)), k);
    }
    torch::NoGradGuard g;
    torch::Tensor images = torch::randn({3, 3, c.imageSize, c.imageSize});
    CHECK(torch::equal(model->encodeImages(images), b.model->encodeImages(images)));
    auto enc = b.tokenizer->encodeBatch({"iki mavi dairə", "Qırmızı kvadrat solunda", ""}, c.maxTextLength);
    auto opts = torch::TensorOptions().dtype(torch::kInt64);
    torch::Tensor ids = torch::from_blob(enc.ids.data(), {enc.batch, enc.length}, opts).clone();
    torch::Tensor mask = torch::from_blob(enc.attentionMask.data(), {enc.batch, enc.length}, opts).clone();
    CHECK(torch::equal(model->encodeTexts(ids, mask), b.model->encodeTexts(ids, mask)));

    // Saving again over it replaces it (no leftovers), and the vocab-file overload works.
    prov.name = "second";
    io::saveBundle(dir, *model, c, dir + "/vocab.txt", prov);
    CHECK(io::readBundleInfo(dir).name == "second");
    CHECK(!leftovers(tempRoot()));
}

TEST_CASE("validateBundle names each problem") {
    requireFixtures();
    {
        std::string dir = copyOfTiny("broken-missing");
        auto w = io::readSafetensors(dir + "/model.safetensors").tensors;
        io::TensorMap copy(w.begin(), w.end());
        copy.erase("text_projection.fc.bias");
        io::writeSafetensors(dir + "/model.safetensors", copy);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "missing (1): text_projection.fc.bias");
        CHECK_THROWS_WITH(io::loadBundle(dir), Error, "text_projection.fc.bias");
    }
    {
        std::string dir = copyOfTiny("broken-shape");
        io::TensorMap w = io::readSafetensors(dir + "/model.safetensors").tensors;
        w["image_projection.layer_norm.weight"] = torch::ones({7});
        io::writeSafetensors(dir + "/model.safetensors", w);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "mis-shaped (1): image_projection.layer_norm.weight");
    }
    {
        std::string dir = copyOfTiny("broken-extra");
        io::TensorMap w = io::readSafetensors(dir + "/model.safetensors").tensors;
        w["text_encoder.cls.predictions.bias"] = torch::ones({3});
        io::writeSafetensors(dir + "/model.safetensors", w);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "unexpected (1): text_encoder.cls.predictions.bias");
    }
    {
        std::string dir = copyOfTiny("broken-json");
        writeFile(dir + "/lowclip.json", "{\"format\": \"lowclip-bundle\", ");
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "is not valid JSON");
    }
    {
        std::string dir = copyOfTiny("broken-version");
        nlohmann::json j = readJson(dir + "/lowclip.json");
        j["format_version"] = 99;
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "format version 99 is not supported");
        j["format"] = "something-else";
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "does not describe a LowCLIP model bundle");
    }
    {
        std::string dir = copyOfTiny("broken-config");
        nlohmann::json j = readJson(dir + "/lowclip.json");
        j["projection"]["dim"] = 128;  // the weights are for another size: refused from the header
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error,
                          "'text_projection.projection.weight' as [256, 64] but lowclip.json's projection.dim needs [128, 64]");
        j["loss"]["kind"] = "hinge";
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "'loss.kind' is \"hinge\"");
    }
    {
        std::string dir = copyOfTiny("broken-vocab");
        std::string v = readFile(dir + "/vocab.txt");
        v = v.substr(0, v.rfind('\n', v.size() - 2) + 1);  // drop the last token
        writeFile(dir + "/vocab.txt", v);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "vocabulary size mismatch");
        fs::remove(dir + "/vocab.txt");
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "vocab.txt is missing");
    }
    {
        std::string dir = copyOfTiny("broken-files");
        fs::remove(dir + "/model.safetensors");
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "model.safetensors is missing");
        writeFile(dir + "/model.safetensors", "not a safetensors file at all");
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "model.safetensors");
        fs::remove(dir + "/lowclip.json");
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "lowclip.json is missing");
    }
    CHECK_THROWS_WITH(io::validateBundle(tempRoot() + "/no-such-bundle"), Error, "does not exist");
}

TEST_CASE("a failed save leaves an existing bundle untouched; non-bundle folders are never replaced") {
    requireFixtures();
    std::string dir = copyOfTiny("atomic");
    std::string jsonBefore = readFile(dir + "/lowclip.json"), weightsBefore = readFile(dir + "/model.safetensors"),
                vocabBefore = readFile(dir + "/vocab.txt");
    io::LoadedBundle b = io::loadBundle(dir, "cpu");
    // A weight the writer cannot store (complex dtype) fails the write half-way.
    io::TensorMap w = nn::stateDict(*b.model);
    w["text_projection.fc.bias"] = torch::zeros({b.config.projectionDim}, torch::kComplexFloat);
    CHECK_THROWS_WITH(io::saveBundleWeights(dir, w, b.config, b.vocab), Error, "text_projection.fc.bias");
    // Weights that do not fit, and a wrong vocabulary, are refused before anything is written.
    io::TensorMap w2 = nn::stateDict(*b.model);
    w2.erase("logit_scale");
    CHECK_THROWS_WITH(io::saveBundleWeights(dir, w2, b.config, b.vocab), Error, "logit_scale");
    std::vector<std::string> shortVocab(b.vocab.begin(), b.vocab.end() - 1);
    CHECK_THROWS_WITH(io::saveBundle(dir, *b.model, b.config, shortVocab), Error, "vocabulary size mismatch");
    CHECK(readFile(dir + "/lowclip.json") == jsonBefore);
    CHECK(readFile(dir + "/model.safetensors") == weightsBefore);
    CHECK(readFile(dir + "/vocab.txt") == vocabBefore);
    CHECK(!leftovers(tempRoot()));
    io::validateBundle(dir);

    // A folder with other things in it is not a bundle: refused, left as it was.
    std::string photos = tempRoot() + "/photos";
    fs::create_directories(photos);
    writeFile(photos + "/holiday.jpg", "pretend photo");
    CHECK_THROWS_WITH(io::saveBundle(photos, *b.model, b.config, b.vocab), Error, "refusing to replace");
    CHECK(readFile(photos + "/holiday.jpg") == "pretend photo");
    // A file where the bundle should go.
    CHECK_THROWS_WITH(io::saveBundle(photos + "/holiday.jpg", *b.model, b.config, b.vocab), Error, "not a folder");
    // An empty folder is fine.
    std::string empty = tempRoot() + "/empty-target";
    fs::create_directories(empty);
    io::saveBundle(empty, *b.model, b.config, b.vocab);
    io::validateBundle(empty);
}

TEST_CASE("importer errors are clear and leave no bundle behind") {
    requireFixtures();
    std::string out = tempRoot() + "/import-fail";
    io::SimpleClipImportOptions o;
    o.stateDict = fixture("lowclip/lowclip-tiny.pt");
    o.vocab = tinyVocab();
    o.bertConfig = fixture("bert/config.json");
    o.out = out;

    io::SimpleClipImportOptions missing = o;
    missing.stateDict = tempRoot() + "/nope.pt";
    CHECK_THROWS_WITH(io::importSimpleClip(missing), Error, "does not exist");
    io::SimpleClipImportOptions wrongVocab = o;
    wrongVocab.vocab = writeVocab(tempRoot() + "/short-vocab.txt", tinyVocabSize() - 1);
    CHECK_THROWS_WITH(io::importSimpleClip(wrongVocab), Error, "word embeddings have");
    io::SimpleClipImportOptions bertOnly = o;
    bertOnly.stateDict = fixture("bert/pytorch_model.bin");
    CHECK_THROWS_WITH(io::importSimpleClip(bertOnly), Error, "image_encoder");
    io::SimpleClipImportOptions notWeights = o;
    notWeights.stateDict = fixture("bert/config.json");
    CHECK_THROWS_WITH(io::importSimpleClip(notWeights), Error, "config.json");
    io::SimpleClipImportOptions badHint = o;
    badHint.bertConfig = tempRoot() + "/bad-config.json";
    nlohmann::json cfg = readJson(fixture("bert/config.json"));
    cfg["hidden_size"] = cfg["hidden_size"].get<int>() * 2;
    writeFile(badHint.bertConfig, cfg.dump());
    CHECK_THROWS_WITH(io::importSimpleClip(badHint), Error, "hidden_size");
    io::SimpleClipImportOptions wrongArch = o;
    wrongArch.imageArch = "efficientnet_b0";
    CHECK_THROWS_WITH(io::importSimpleClip(wrongArch), Error, "efficientnet_b0");
    CHECK(!fs::exists(out));

    io::BaseImportOptions b;
    b.bertFolder = tempRoot() + "/no-bert";
    b.imageWeights = fixture("vision-torchvision/resnet_small.safetensors");
    b.out = out;
    CHECK_THROWS_WITH(io::importBase(b), Error, "does not exist");
    // Image weights whose keys fit no known architecture.
    std::string hf = tempRoot() + "/hf-bert";
    fs::create_directories(hf);
    fs::copy_file(fixture("bert/config.json"), hf + "/config.json", fs::copy_options::overwrite_existing);
    fs::copy_file(fixture("bert/model.safetensors"), hf + "/model.safetensors", fs::copy_options::overwrite_existing);
    writeVocab(hf + "/vocab.txt", nn::BertConfig::fromJsonFile(hf + "/config.json").vocabSize);
    b.bertFolder = hf;
    b.imageWeights = fixture("bert/model.safetensors");
    CHECK_THROWS_WITH(io::importBase(b), Error, "--arch");
    CHECK(!fs::exists(out));
}

TEST_CASE("import base: BERT folder + backbone weights, architecture guessed, seeded fresh heads") {
    requireFixtures();
    std::string hf = tempRoot() + "/hf-base";
    fs::create_directories(hf);
    fs::copy_file(fixture("bert/config.json"), hf + "/config.json", fs::copy_options::overwrite_existing);
    fs::copy_file(fixture("bert/pytorch_model.bin"), hf + "/pytorch_model.bin", fs::copy_options::overwrite_existing);
    writeVocab(hf + "/vocab.txt", nn::BertConfig::fromJsonFile(hf + "/config.json").vocabSize);
    writeFile(hf + "/tokenizer_config.json", "{\"do_lower_case\": true}");

    CHECK(io::guessImageArch(fixture("vision-torchvision/resnet_small.safetensors")) == "resnet");
    io::BaseImportOptions o;
    o.bertFolder = hf;
    o.imageWeights = fixture("vision-torchvision/resnet_small.safetensors");
    o.projectionDim = 32;
    o.seed = 7;
    o.out = tempRoot() + "/base-a";
    io::BundleInfo info = io::importBase(o);
    CHECK(info.projectionDim == 32);
    CHECK(info.lowercase);
    CHECK(info.imageArch == "resnet");
    io::LoadedBundle a = io::loadBundle(o.out, "cpu");
    // Towers carry the given weights: BERT and the backbone reproduce their fixtures.
    {
        auto ref = io::readSafetensors(fixture("vision-torchvision/resnet_small-io.safetensors")).tensors;
        torch::NoGradGuard g;
        checkClose(a.model->imageFeatures(ref.at("input")), ref.at("features"), "resnet_small features");
        auto bref = io::readSafetensors(fixture("bert/io.safetensors")).tensors;
        nn::BertOutput out = a.model->textEncoder->forward(bref.at("input_ids"), bref.at("attention_mask"),
                                                           bref.at("token_type_ids"));
        checkClose(out.lastHiddenState, bref.at("last_hidden_state"), "BERT last_hidden_state");
    }
    o.out = tempRoot() + "/base-b";
    io::importBase(o);
    o.seed = 8;
    o.out = tempRoot() + "/base-c";
    io::importBase(o);
    auto wa = io::readSafetensors(tempRoot() + "/base-a/model.safetensors").tensors;
    auto wb = io::readSafetensors(tempRoot() + "/base-b/model.safetensors").tensors;
    auto wc = io::readSafetensors(tempRoot() + "/base-c/model.safetensors").tensors;
    CHECK(torch::equal(wa.at("text_projection.projection.weight"), wb.at("text_projection.projection.weight")));
    CHECK(!torch::equal(wa.at("text_projection.projection.weight"), wc.at("text_projection.projection.weight")));
    CHECK(torch::equal(wa.at("image_encoder.conv1.weight"), wc.at("image_encoder.conv1.weight")));

    // timm names with a preset given explicitly.
    if (fs::exists(fixture("vision-timm/efficientnet_b0.safetensors"))) {
        CHECK(io::guessImageArch(fixture("vision-timm/efficientnet_b0.safetensors")) == "efficientnet_b0");
        o.imageWeights = fixture("vision-timm/efficientnet_b0.safetensors");
        o.imageArch = "efficientnet_b0";
        o.out = tempRoot() + "/base-effnet";
        io::BundleInfo e = io::importBase(o);
        CHECK(e.imageArch == "efficientnet_b0");
        io::LoadedBundle eb = io::loadBundle(o.out, "cpu");
        auto ref = io::readSafetensors(fixture("vision-timm/efficientnet_b0-io.safetensors")).tensors;
        torch::NoGradGuard g;
        checkClose(eb.model->imageFeatures(ref.at("input")), ref.at("features"), "timm efficientnet_b0 features");
    }
}

TEST_CASE("importBundle validates and copies; refuses broken bundles") {
    requireFixtures();
    io::BundleInfo info = io::importBundle(tinyBundle(), tempRoot() + "/imported");
    CHECK(info.name == "tiny");
    CHECK(readFile(tempRoot() + "/imported/model.safetensors") == readFile(tinyBundle() + "/model.safetensors"));
    std::string broken = copyOfTiny("broken-for-import");
    fs::remove(broken + "/vocab.txt");
    CHECK_THROWS_WITH(io::importBundle(broken, tempRoot() + "/imported-broken"), Error, "vocab.txt is missing");
    CHECK(!fs::exists(tempRoot() + "/imported-broken"));
}

TEST_CASE("Embedder: normalised rows equal to a direct model forward; stable model id") {
    requireFixtures();
    std::string dir = tinyBundle();
    auto emb = train::loadEmbedder(dir, "cpu");
    io::LoadedBundle b = io::loadBundle(dir, "cpu");
    CHECK(emb->dim() == b.config.projectionDim);
    CHECK(emb->imageSize() == b.config.imageSize);
    CHECK(emb->modelId().size() == 16);
    CHECK(train::loadEmbedder(dir, "cpu")->modelId() == emb->modelId());
    const int d = emb->dim();

    std::vector<std::string> texts = {"Qırmızı paltarlı qız çəmənlikdə qaçır.", "İki it", "", "ə ı ğ ş ç ö ü"};
    std::vector<float> t = emb->encodeTexts(texts);
    REQUIRE(t.size() == texts.size() * static_cast<std::size_t>(d));
    auto enc = b.tokenizer->encodeBatch(texts, b.config.maxTextLength);
    auto opts = torch::TensorOptions().dtype(torch::kInt64);
    torch::Tensor ids = torch::from_blob(enc.ids.data(), {enc.batch, enc.length}, opts).clone();
    torch::Tensor mask = torch::from_blob(enc.attentionMask.data(), {enc.batch, enc.length}, opts).clone();
    torch::NoGradGuard g;
    torch::Tensor direct = torch::nn::functional::normalize(b.model->encodeTexts(ids, mask),
                                                            torch::nn::functional::NormalizeFuncOptions().dim(1));
    torch::Tensor got = torch::from_blob(t.data(), {static_cast<int64_t>(texts.size()), d}).clone();
    checkClose(got, direct, "text embeddings", 1e-5);
    checkClose(got.norm(2, 1), torch::ones({static_cast<int64_t>(texts.size())}), "text norms", 1e-5);

    // 40 images of several sizes (more than one batch of 32).
    std::mt19937 rng(1);
    std::vector<vision::Image> images;
    for (int i = 0; i < 40; ++i) images.push_back(randomImage(200 + 13 * (i % 7), 180 + 29 * (i % 5), rng));
    std::vector<float> v = emb->encodeImages(images);
    REQUIRE(v.size() == images.size() * static_cast<std::size_t>(d));
    vision::PreprocessSpec spec;
    spec.imageSize = b.config.imageSize;
    spec.resizeSize = b.config.resizeSize;
    spec.mean = b.config.mean;
    spec.std = b.config.std;
    spec.interpolation = b.config.interpolation;
    std::vector<torch::Tensor> pre;
    for (const auto& im : images) {
        std::vector<float> chw = vision::preprocess(im, spec);
        pre.push_back(torch::from_blob(chw.data(), {3, spec.imageSize, spec.imageSize}).clone());
    }
    torch::Tensor directImages = torch::nn::functional::normalize(b.model->encodeImages(torch::stack(pre)),
                                                                  torch::nn::functional::NormalizeFuncOptions().dim(1));
    torch::Tensor gotImages = torch::from_blob(v.data(), {static_cast<int64_t>(images.size()), d}).clone();
    checkClose(gotImages, directImages, "image embeddings", 1e-5);
    checkClose(gotImages.norm(2, 1), torch::ones({static_cast<int64_t>(images.size())}), "image norms", 1e-5);
    CHECK(emb->encodeImages({}).empty());
    CHECK_THROWS_WITH(emb->encodeImages({vision::Image{}}), Error, "empty");
    // The split the indexing pipeline uses: the bundle's preprocessing on the caller's threads, then
    // encodePreprocessed over contiguous inputs, gives encodeImages' vectors exactly.
    const std::optional<vision::PreprocessSpec> stated = emb->imagePreprocessing();
    REQUIRE(stated.has_value());
    CHECK(stated->imageSize == spec.imageSize && stated->resizeSize == spec.resizeSize && stated->mean == spec.mean &&
          stated->std == spec.std && stated->interpolation == spec.interpolation);
    std::vector<float> inputs;
    for (const auto& im : images) {
        std::vector<float> chw = vision::preprocess(im, *stated);
        inputs.insert(inputs.end(), chw.begin(), chw.end());
    }
    std::vector<float> split = emb->encodePreprocessed(inputs.data(), images.size());
    CHECK(split == v);
    CHECK(emb->encodePreprocessed(inputs.data(), 0).empty());
    // The indexing pipeline's thread share: LibTorch's count is set for the run (not around every call,
    // which empties oneDNN's convolution cache) and put back afterwards.
    const int threadsBefore = at::get_num_threads();
    emb->setImageThreads(1);
    CHECK(at::get_num_threads() == 1);
    std::vector<float> oneThread = emb->encodePreprocessed(inputs.data(), images.size());
    REQUIRE(oneThread.size() == v.size());
    checkClose(torch::from_blob(oneThread.data(), {static_cast<int64_t>(images.size()), d}).clone(), gotImages,
               "image embeddings on one thread", 1e-5);
    CHECK(at::get_num_threads() == 1);
    emb->setImageThreads(0);
    CHECK(at::get_num_threads() == threadsBefore);

    // Other weights, other id.
    std::string other = copyOfTiny("other-weights");
    io::TensorMap w = io::readSafetensors(other + "/model.safetensors").tensors;
    w["logit_scale"] = torch::full({}, 1.0);
    io::writeSafetensors(other + "/model.safetensors", w, {{"format", "pt"}});
    CHECK(train::loadEmbedder(other, "cpu")->modelId() != emb->modelId());
    CHECK_THROWS_WITH(train::loadEmbedder(tempRoot() + "/missing-bundle", "cpu"), Error, "does not exist");
}

TEST_CASE("lowclip.json: exact, range-checked integers; unknown keys named with their path") {
    requireFixtures();
    std::string dir = copyOfTiny("json-exact");
    const nlohmann::json good = readJson(dir + "/lowclip.json");
    auto withJson = [&](const std::function<void(nlohmann::json&)>& edit) {
        nlohmann::json j = good;
        edit(j);
        writeFile(dir + "/lowclip.json", j.dump());
    };
    // 2^32 + 1 was read as 1 (truncated to int).
    withJson([](nlohmann::json& j) { j["format_version"] = (std::uint64_t{1} << 32) + 1; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "format version 4294967297 is not supported");
    withJson([](nlohmann::json& j) { j["format_version"] = std::uint64_t{18446744073709551615ULL}; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "format_version");
    withJson([](nlohmann::json& j) { j["format_version"] = 1.5; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "format_version");
    // A size of 2^32 + 16 in the model config was truncated to 16.
    withJson([](nlohmann::json& j) { j["projection"]["dim"] = (std::uint64_t{1} << 32) + 16; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "'projection.dim' must be an integer from 1 to");
    withJson([](nlohmann::json& j) { j["text_encoder"]["config"]["hidden_size"] = (std::uint64_t{1} << 32) + 32; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "'text_encoder.config.hidden_size' must be an integer");
    withJson([](nlohmann::json& j) { j["image"]["mean"][2] = "x"; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "'image.mean[2]' must be a number");
    // Unknown keys (typos) are named with their path.
    withJson([](nlohmann::json& j) { j["tokenizer"]["lowercas"] = true; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "'tokenizer.lowercas' is not a known setting");
    withJson([](nlohmann::json& j) { j["imag"] = nlohmann::json::object(); });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "'imag' is not a known setting");
    withJson([](nlohmann::json& j) { j["weights"]["dtype"] = "U8"; });
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "weights.dtype");
    // Errors are InvalidFile naming the file and the key.
    withJson([](nlohmann::json& j) { j["image"]["size"] = -3; });
    try {
        io::readBundleInfo(dir);
        CHECK_MSG(false, "a negative image size was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidFile);
        CHECK(e.detail("key") == "image.size");
        CHECK(e.detail("path") == dir + "/lowclip.json");
    }
    withJson([](nlohmann::json&) {});
    io::validateBundle(dir);

    // The reader on its own: exact integers, no parser text in messages.
    nlohmann::json j = nlohmann::json::parse(R"({"a": 4294967297, "b": 3.0, "c": 3.5, "d": {"e": [1, 2]}})");
    util::JsonObject o(j, "x.json");
    CHECK(o.integer("a", 0, 0, std::int64_t{1} << 40) == 4294967297LL);
    CHECK_THROWS_WITH(o.integer("a", 0, 0, 1 << 30), Error, "'a' must be an integer from 0 to 1073741824, not 4294967297");
    CHECK(o.integer("b", 0, 0, 10) == 3);
    CHECK_THROWS_WITH(o.integer("c", 0, 0, 10), Error, "'c' must be an integer");
    CHECK(o.integer("missing", 7, 0, 10) == 7);
    CHECK_THROWS_WITH(o.object("d").numbers("e", 3, {}, 0, 9), Error, "'d.e' must be a list of 3 numbers");
    CHECK_THROWS_WITH(util::parseJsonText("{\"a\": ", "y.json"), Error, "'y.json' is not valid JSON");
}

TEST_CASE("bundle checks: vocabulary specials, dtypes, sizes from the weights' header before the model is built") {
    requireFixtures();
    {
        // A vocabulary without [UNK] passed validateBundle (only its length was compared).
        std::string dir = copyOfTiny("no-unk");
        std::string v = readFile(dir + "/vocab.txt");
        std::size_t at = v.find("[UNK]\n");
        REQUIRE(at != std::string::npos);
        v.replace(at, 5, "[UNX]");
        writeFile(dir + "/vocab.txt", v);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "[UNK]");
        CHECK_THROWS_WITH(io::importBundle(dir, tempRoot() + "/no-unk-copy"), Error, "[UNK]");
        CHECK(!fs::exists(tempRoot() + "/no-unk-copy"));
    }
    {
        // A U8 tensor of the right shape where F32 is expected passed (dtypes were not compared).
        std::string dir = copyOfTiny("u8-weight");
        io::TensorMap w = io::readSafetensors(dir + "/model.safetensors").tensors;
        io::TensorMap copy(w.begin(), w.end());
        auto shape = copy.at("image_projection.layer_norm.weight").sizes().vec();
        copy["image_projection.layer_norm.weight"] = torch::ones(shape, torch::kUInt8);
        io::writeSafetensors(dir + "/model.safetensors", copy);
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "'image_projection.layer_norm.weight' as Byte where Float is expected");
        CHECK_THROWS_WITH(io::loadBundle(dir), Error, "Byte");
    }
    {
        // Sizes that the weights do not have are refused from the header, naming the setting, before
        // a model of that size is built (a 4-million-row vocabulary used to be allocated first).
        std::string dir = copyOfTiny("huge-config");
        nlohmann::json good = readJson(dir + "/lowclip.json");
        nlohmann::json j = good;
        j["text_encoder"]["config"]["vocab_size"] = 4000000;
        j["tokenizer"].erase("vocab_size");
        writeFile(dir + "/lowclip.json", j.dump());
        auto start = std::chrono::steady_clock::now();
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "lowclip.json's text_encoder.config vocab_size/hidden_size needs [4000000");
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
        j = good;
        j["text_encoder"]["config"]["num_hidden_layers"] = 900;
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "num_hidden_layers is 900");
        j = good;
        j["text_encoder"]["config"]["intermediate_size"] = 200000;
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "intermediate_size needs [200000");
        j = good;
        j["image_encoder"]["config"]["last_channels"] = 100000000;  // any number above the weights' sizes
        writeFile(dir + "/lowclip.json", j.dump());
        try {
            io::validateBundle(dir);
            CHECK_MSG(false, "an image tower of 10^8 channels was accepted");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::InvalidFile);
            std::string m = e.what();
            CHECK(m.find("image_encoder.config.last_channels") != std::string::npos);
            CHECK(m.find("alloc") == std::string::npos);
            CHECK(m.find("enforce") == std::string::npos);
        }
        j = good;
        j["image_encoder"]["config"]["layers"] = {500, 1, 1, 1};  // each number small, the depth not
        writeFile(dir + "/lowclip.json", j.dump());
        CHECK_THROWS_WITH(io::validateBundle(dir), Error, "describes 503 blocks");
        writeFile(dir + "/lowclip.json", good.dump());
        io::validateBundle(dir);
    }
}

TEST_CASE("import --out onto an existing folder replaces only a bundle holding nothing but bundle files") {
    requireFixtures();
    // A folder holding a file named lowclip.json and the user's other files used to be replaced whole.
    std::string target = tempRoot() + "/users-folder";
    fs::remove_all(target);
    fs::create_directories(target + "/album");
    writeFile(target + "/lowclip.json", "{}");
    writeFile(target + "/notes.txt", "my notes");
    writeFile(target + "/album/photo.jpg", "pretend photo");
    try {
        io::importBundle(tinyBundle(), target);
        CHECK_MSG(false, "a folder with the user's files was replaced");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::AlreadyExists);
        CHECK(std::string(e.what()).find("refusing to replace it") != std::string::npos);
        CHECK(std::string(e.what()).find("notes.txt") != std::string::npos);
    }
    CHECK(readFile(target + "/notes.txt") == "my notes");
    CHECK(readFile(target + "/album/photo.jpg") == "pretend photo");
    CHECK(readFile(target + "/lowclip.json") == "{}");
    // The bundle files only, but lowclip.json not a bundle's: refused too, saying why.
    std::string fake = tempRoot() + "/fake-bundle";
    fs::remove_all(fake);
    fs::create_directories(fake);
    writeFile(fake + "/lowclip.json", "{\"format\": \"something\"}");
    CHECK_THROWS_WITH(io::importBundle(tinyBundle(), fake), Error, "not a valid model bundle");
    CHECK(readFile(fake + "/lowclip.json") == "{\"format\": \"something\"}");
    // A valid bundle with only its files is replaced.
    std::string previous = copyOfTiny("replace-me");
    io::importBundle(tinyBundle(), previous);
    io::validateBundle(previous);
    // ... unless something else was put into it.
    writeFile(previous + "/README", "mine");
    CHECK_THROWS_WITH(io::importBundle(tinyBundle(), previous), Error, "README");
    CHECK(readFile(previous + "/README") == "mine");
    CHECK(!leftovers(tempRoot()));
}

TEST_CASE("model id: the same weights with another image size, mean/std or normalization make another id") {
    requireFixtures();
    std::string base = copyOfTiny("id-base");
    const std::string id = train::loadEmbedder(base, "cpu")->modelId();
    const nlohmann::json good = readJson(base + "/lowclip.json");
    auto variant = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
        std::string dir = copyOfTiny(name);
        nlohmann::json j = good;
        edit(j);
        writeFile(dir + "/lowclip.json", j.dump());
        return train::loadEmbedder(dir, "cpu")->modelId();
    };
    int size = good["image"]["size"].get<int>();
    std::string sized = variant("id-size", [&](nlohmann::json& j) {
        j["image"]["size"] = size + 16;
        j["image"]["resize_size"] = size + 16;
    });
    std::string meaned = variant("id-mean", [](nlohmann::json& j) { j["image"]["mean"] = {0.5, 0.5, 0.5}; });
    std::string stded = variant("id-std", [](nlohmann::json& j) { j["image"]["std"] = {0.5, 0.5, 0.5}; });
    std::string normed = variant("id-norm", [](nlohmann::json& j) { j["tokenizer"]["normalization"] = "azerbaijani"; });
    CHECK(sized != id);
    CHECK(meaned != id);
    CHECK(stded != id);
    CHECK(normed != id);
    CHECK(meaned != stded);
    // Provenance and name do not change the vectors: the same id.
    CHECK(variant("id-name", [](nlohmann::json& j) { j["name"] = "renamed"; }) == id);
}

TEST_CASE("tokenizer normalization in lowclip.json: old 'lowercase' read, new 'normalization' applied at load") {
    requireFixtures();
    std::string dir = copyOfTiny("normalization");
    nlohmann::json j = readJson(dir + "/lowclip.json");
    j["tokenizer"].erase("normalization");
    j["tokenizer"]["lowercase"] = true;
    writeFile(dir + "/lowclip.json", j.dump());
    CHECK(io::loadBundle(dir).tokenizer->normalization() == text::TextNormalization::BertLower);
    CHECK(io::readBundleInfo(dir).normalization == "lower");
    j["tokenizer"]["lowercase"] = false;
    writeFile(dir + "/lowclip.json", j.dump());
    CHECK(io::loadBundle(dir).tokenizer->normalization() == text::TextNormalization::None);
    j["tokenizer"]["normalization"] = "azerbaijani";
    writeFile(dir + "/lowclip.json", j.dump());
    io::LoadedBundle b = io::loadBundle(dir);
    CHECK(b.config.normalization == text::TextNormalization::Azerbaijani);
    CHECK(b.tokenizer->normalization() == text::TextNormalization::Azerbaijani);
    j["tokenizer"]["normalization"] = "klingon";
    writeFile(dir + "/lowclip.json", j.dump());
    CHECK_THROWS_WITH(io::readBundleInfo(dir), Error, "tokenizer.normalization");
    // Written and read back.
    nn::ClipConfig c = b.config;
    nlohmann::json written = c.toJson();
    CHECK(written["tokenizer"]["normalization"] == "azerbaijani");
    CHECK(nn::ClipConfig::fromJson(written).normalization == text::TextNormalization::Azerbaijani);
}

TEST_CASE("demo-style model: an upper-case Azerbaijani query gives the vector of its lower-case form") {
    // The demo's vocabulary, configuration and bundle, as runDemo makes them (small).
    std::vector<std::string> corpus = {"qırmızı dairə", "mavi kvadrat", "qırmızı kvadrat", "mavi dairə",
                                       "iki qırmızı dairə", "yaşıl üçbucaq", "sarı dairə", "bir mavi kvadrat"};
    text::VocabBuilderOptions vo;
    vo.vocabSize = 120;
    vo.normalization = text::TextNormalization::Azerbaijani;
    vo.minFrequency = 1;
    std::vector<std::string> vocab = text::buildWordPieceVocab(corpus, vo);
    train::DemoOptions d;
    nn::ClipConfig config = train::demoClipConfig(d, vocab.size());
    CHECK(config.normalization == text::TextNormalization::Azerbaijani);
    torch::manual_seed(3);
    nn::DualEncoder model(config);
    std::string dir = tempRoot() + "/demo-style";
    io::saveBundle(dir, *model, config, vocab);
    CHECK(readJson(dir + "/lowclip.json")["tokenizer"]["normalization"] == "azerbaijani");

    io::LoadedBundle b = io::loadBundle(dir);
    std::vector<std::string> pieces = b.tokenizer->tokenize("QIRMIZI DAİRƏ");
    CHECK(std::find(pieces.begin(), pieces.end(), "[UNK]") == pieces.end());
    CHECK(pieces == b.tokenizer->tokenize("qırmızı dairə"));
    auto emb = train::loadEmbedder(dir, "cpu");
    // Each query on its own, as typed: the same token ids, so the very same vector.
    const std::vector<float> upper = emb->encodeTexts({"QIRMIZI DAİRƏ"}), lower = emb->encodeTexts({"qırmızı dairə"});
    const std::size_t n = static_cast<std::size_t>(emb->dim());
    REQUIRE(upper.size() == n);
    CHECK(upper == lower);
    // In one batch the two rows sit at different places of the matrix products, which BLAS may round
    // differently (OpenBLAS on an AMD Zen 3 does, by about 1e-8): equal within float rounding there.
    std::vector<float> v = emb->encodeTexts({"QIRMIZI DAİRƏ", "qırmızı dairə", "mavi kvadrat"});
    REQUIRE(v.size() == 3 * n);
    double same = 0, other = 0;
    for (std::size_t i = 0; i < n; ++i) {
        same = std::max(same, static_cast<double>(std::fabs(v[i] - v[n + i])));
        other = std::max(other, static_cast<double>(std::fabs(v[n + i] - v[2 * n + i])));
    }
    CHECK(same <= 1e-6);
    CHECK(other > 1e-3);  // the checks can tell texts apart
}

namespace {
// Runs a shell command, returns its exit code and stdout (stderr goes to stdout too).
int runCommand(const std::string& command, std::string& output) {
    std::string file = tempRoot() + "/cmd-output.txt";
    int rc = std::system((command + " > '" + file + "' 2>&1").c_str());
    output = readFile(file);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string cliPath() {
    const char* build = std::getenv("LOWCLIP_BUILD_DIR");
    std::string path = std::string(build ? build : "") + "/app/lowclip-cli";
    return build && fs::exists(path) ? path : "";
}
}  // namespace

TEST_CASE("lowclip-cli import / import check / encode") {
    requireFixtures();
    std::string cli = cliPath();
    if (cli.empty()) SKIP("lowclip-cli not built (set LOWCLIP_BUILD_DIR; CTest does)");
    std::string out = tempRoot() + "/cli-bundle", text;
    std::string cmd = "'" + cli + "' import simpleclip '" + fixture("lowclip/lowclip-tiny.pt") + "' --vocab '" + tinyVocab() +
                      "' --bert-config '" + fixture("bert/config.json") + "' --name cli --out '" + out + "' --json";
    REQUIRE(runCommand(cmd, text) == 0);
    nlohmann::json j = nlohmann::json::parse(text);
    CHECK(j.at("name") == "cli");
    CHECK(j.at("dim").get<int64_t>() == io::readBundleInfo(tinyBundle()).projectionDim);
    CHECK(runCommand("'" + cli + "' import check '" + out + "'", text) == 0);
    CHECK(text.find("cased") != std::string::npos);

    CHECK(runCommand("'" + cli + "' encode --bundle '" + out + "' --text 'mavi dairə' --text 'iki it'", text) == 0);
    nlohmann::json e = nlohmann::json::parse(text);
    REQUIRE(e.at("texts").size() == 2);
    CHECK(e.at("texts")[0].at("embedding").size() == e.at("dim").get<std::size_t>());
    CHECK(e.at("model_id") == train::loadEmbedder(out, "cpu")->modelId());

    // Errors: exit code 1 with the reason; usage errors exit 2.
    CHECK(runCommand("'" + cli + "' import simpleclip '" + fixture("bert/model.safetensors") + "' --vocab '" + tinyVocab() +
                         "' --out '" + tempRoot() + "/cli-fail'",
                     text) == 1);
    CHECK(text.find("image_encoder") != std::string::npos);
    CHECK(!fs::exists(tempRoot() + "/cli-fail"));
    CHECK(runCommand("'" + cli + "' import simpleclip x.pt", text) == 2);
    CHECK(runCommand("'" + cli + "' import base --bert '" + tempRoot() + "' --image '" +
                         fixture("bert/model.safetensors") + "' --out '" + tempRoot() + "/cli-fail'",
                     text) == 1);
}

TEST_CASE("Embedder on CUDA matches the CPU") {
    requireFixtures();
    if (!nn::cudaAvailable()) SKIP("no CUDA device in this LibTorch build or machine");
    auto cpu = train::loadEmbedder(tinyBundle(), "cpu");
    auto gpu = train::loadEmbedder(tinyBundle(), "cuda");
    std::vector<std::string> texts = {"Qırmızı paltarlı qız", "iki it"};
    auto a = cpu->encodeTexts(texts), b = gpu->encodeTexts(texts);
    REQUIRE(a.size() == b.size());
    double diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff = std::max(diff, static_cast<double>(std::abs(a[i] - b[i])));
    CHECK_MSG(diff < 1e-4, "max diff " << diff);
    CHECK(cpu->modelId() == gpu->modelId());
}

LOWCLIP_TEST_MAIN()
