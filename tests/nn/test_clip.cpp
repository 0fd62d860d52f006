// The dual encoder, projection heads and losses against lowclip/ fixtures (Simple-CLIP layout),
// reading dimensions from checkpoints, and the configuration JSON.
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/backbone.h"
#include "core/nn/bert.h"
#include "core/nn/clip.h"
#include "core/nn/state_dict.h"
#include "tests/support/testing.h"

using namespace lowclip;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& rel) { return testing::fixturesDir() + "/" + rel; }

void requireFixtures() {
    if (!fs::exists(fixture("lowclip/io.safetensors"))) SKIP("fixtures not found at " + testing::fixturesDir());
}

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

double maxAbs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// max|a-b| <= tol·max(1, max|ref|)
void checkClose(const torch::Tensor& got, const torch::Tensor& ref, const std::string& what, double tol = 1e-4) {
    REQUIRE(got.defined());
    CHECK_MSG(got.sizes() == ref.sizes(), what << ": shape " << got.sizes() << " vs " << ref.sizes());
    if (got.sizes() != ref.sizes()) return;
    double diff = maxAbs(got.to(torch::kFloat64) - ref.to(torch::kFloat64));
    double bound = tol * std::max(1.0, maxAbs(ref.to(torch::kFloat64)));
    CHECK_MSG(diff <= bound, what << ": max diff " << diff << " > " << bound);
}

void checkScalar(const torch::Tensor& got, const torch::Tensor& ref, const std::string& what) {
    double diff = std::abs(got.item<double>() - ref.item<double>());
    CHECK_MSG(diff <= 1e-5, what << ": " << got.item<double>() << " vs " << ref.item<double>() << " (diff " << diff << ")");
}

nn::DualEncoder loadTiny(const std::string& weightFile) {
    nn::BertConfig hint = nn::BertConfig::fromJsonFile(fixture("bert/config.json"));
    nn::SimpleClipImport imp = nn::simpleClipToLowclip(io::loadWeights(fixture("lowclip/" + weightFile)), &hint);
    nn::DualEncoder model(imp.config);
    nn::loadStateDict(*model, imp.weights, true, "tiny dual encoder");
    model->eval();
    return model;
}

void checkTinyParity(nn::DualEncoder& model) {
    auto io = io::readSafetensors(fixture("lowclip/io.safetensors")).tensors;
    nlohmann::json dims = readJson(fixture("lowclip/lowclip-tiny.json"));
    torch::NoGradGuard noGrad;
    torch::Tensor images = io.at("images"), ids = io.at("input_ids"), mask = io.at("attention_mask");
    checkClose(model->imageFeatures(images), io.at("image_features"), "image_features");
    checkClose(model->textFeatures(ids, mask), io.at("text_features"), "text_features");
    torch::Tensor I = model->encodeImages(images), T = model->encodeTexts(ids, mask);
    checkClose(I, io.at("image_embeddings"), "image_embeddings");
    checkClose(T, io.at("text_embeddings"), "text_embeddings");

    double temperature = dims.value("temperature", 1.0);
    double scale = dims.value("infonce_logit_scale", 1.0 / 0.07);
    nn::SimpleClipLossParts sc = nn::simpleClipLossParts(I, T, temperature);
    checkClose(sc.logits, io.at("simpleclip_logits"), "simpleclip_logits");
    checkClose(sc.targets, io.at("simpleclip_targets"), "simpleclip_targets");
    checkScalar(sc.loss, io.at("loss"), "loss");
    nn::InfoNceLossParts in = nn::infoNceLossParts(I, T, torch::full({}, scale));
    checkClose(in.logitsPerImage, io.at("infonce_logits_per_image"), "infonce_logits_per_image");
    checkScalar(in.loss, io.at("loss_infonce"), "loss_infonce");
}

}  // namespace

TEST_CASE("Simple-CLIP tiny model from safetensors matches the reference (features, embeddings, losses)") {
    requireFixtures();
    nn::DualEncoder model = loadTiny("lowclip-tiny.safetensors");
    nlohmann::json dims = readJson(fixture("lowclip/lowclip-tiny.json"));
    const nn::ClipConfig& c = model->config();
    CHECK(c.projectionDim == dims.at("projection_dim").get<int64_t>());
    CHECK(c.text.hiddenSize == dims.at("text_embedding").get<int64_t>());
    CHECK(model->imageEncoder->featureDim() == dims.at("image_embedding").get<int64_t>());
    checkTinyParity(model);
}

TEST_CASE("Simple-CLIP tiny model from the torch.save .pt file matches the reference") {
    requireFixtures();
    nn::DualEncoder model = loadTiny("lowclip-tiny.pt");
    checkTinyParity(model);
}

TEST_CASE("losses from the reference embeddings match the reference losses exactly") {
    requireFixtures();
    auto io = io::readSafetensors(fixture("lowclip/io.safetensors")).tensors;
    nlohmann::json dims = readJson(fixture("lowclip/lowclip-tiny.json"));
    torch::Tensor I = io.at("image_embeddings"), T = io.at("text_embeddings");
    checkScalar(nn::simpleClipLoss(I, T, dims.value("temperature", 1.0)), io.at("loss"), "loss");
    checkScalar(nn::infoNceLoss(I, T, dims.value("infonce_logit_scale", 1.0 / 0.07)), io.at("loss_infonce"), "loss_infonce");
}

TEST_CASE("DualEncoder::loss follows the configured kind; InfoNCE scale is learnable and clamped at 100") {
    requireFixtures();
    auto io = io::readSafetensors(fixture("lowclip/io.safetensors")).tensors;
    torch::Tensor I = io.at("image_embeddings"), T = io.at("text_embeddings");
    nn::BertConfig hint = nn::BertConfig::fromJsonFile(fixture("bert/config.json"));
    nn::SimpleClipImport imp = nn::simpleClipToLowclip(io::loadWeights(fixture("lowclip/lowclip-tiny.safetensors")), &hint);

    nn::ClipConfig c = imp.config;
    c.loss = "simpleclip";
    c.temperature = 0.5;
    nn::DualEncoder a(c);
    checkScalar(a->loss(I, T), nn::simpleClipLoss(I, T, 0.5), "simpleclip via config");

    c.loss = "infonce";
    c.logitScaleInit = std::log(20.0);
    nn::DualEncoder b(c);
    CHECK(std::abs(b->logitScale().item<double>() - 20.0) < 1e-4);
    torch::Tensor loss = b->loss(I, T);
    checkScalar(loss, nn::infoNceLoss(I, T, 20.0), "infonce via config");
    loss.backward();
    REQUIRE(b->logit_scale.grad().defined());
    CHECK(std::abs(b->logit_scale.grad().item<double>()) > 0.0);
    {
        torch::NoGradGuard g;
        b->logit_scale.fill_(std::log(1000.0));
    }
    CHECK(std::abs(b->logitScale().item<double>() - 100.0) < 1e-3);
}

TEST_CASE("simpleclip and infonce losses agree with a direct computation on random embeddings") {
    torch::manual_seed(11);
    for (int64_t B : {1, 3, 6}) {
        torch::Tensor I = torch::randn({B, 8}, torch::kDouble), T = torch::randn({B, 8}, torch::kDouble);
        double tau = 0.7;
        // simpleclip, written out row by row
        double total = 0;
        auto L = T.matmul(I.t()) / tau;
        auto S = ((I.matmul(I.t()) + T.matmul(T.t())) / 2 * tau).softmax(1);
        for (int64_t i = 0; i < B; ++i) {
            double textLoss = 0, imageLoss = 0;
            double lseRow = L[i].exp().sum().log().item<double>();
            double lseCol = L.select(1, i).exp().sum().log().item<double>();
            for (int64_t j = 0; j < B; ++j) {
                textLoss -= S[i][j].item<double>() * (L[i][j].item<double>() - lseRow);
                imageLoss -= S[j][i].item<double>() * (L[j][i].item<double>() - lseCol);
            }
            total += (textLoss + imageLoss) / 2;
        }
        CHECK(std::abs(nn::simpleClipLoss(I, T, tau).item<double>() - total / B) < 1e-9);
        // infonce
        double scale = 9.0, nce = 0;
        auto In = I / I.norm(2, 1, true), Tn = T / T.norm(2, 1, true);
        auto P = In.matmul(Tn.t()) * scale;
        for (int64_t i = 0; i < B; ++i) {
            nce += -(P[i][i] - P[i].exp().sum().log()).item<double>();
            nce += -(P[i][i] - P.select(1, i).exp().sum().log()).item<double>();
        }
        CHECK(std::abs(nn::infoNceLoss(I, T, torch::full({}, scale, torch::kDouble)).item<double>() - nce / (2 * B)) < 1e-9);
    }
    CHECK_THROWS_WITH(nn::simpleClipLoss(torch::randn({3, 4}), torch::randn({2, 4})), Error, "same shape");
}

TEST_CASE("ProjectionHead is projection -> erf GELU -> fc -> dropout -> residual -> LayerNorm(eps 1e-5)") {
    torch::manual_seed(5);
    nn::ProjectionHead head(12, 6, 0.3);
    auto names = nn::stateDict(*head);
    CHECK(names.count("projection.weight") && names.count("projection.bias") && names.count("fc.weight") &&
          names.count("fc.bias") && names.count("layer_norm.weight") && names.count("layer_norm.bias"));
    CHECK(names.size() == 6);
    {
        torch::NoGradGuard g;
        head->layerNorm->weight.normal_();
        head->layerNorm->bias.normal_();
    }
    head->eval();
    torch::Tensor x = torch::randn({4, 12});
    torch::NoGradGuard g;
    torch::Tensor p = x.matmul(head->projection->weight.t()) + head->projection->bias;
    torch::Tensor h = p * 0.5 * (1 + torch::erf(p / std::sqrt(2.0)));
    h = h.matmul(head->fc->weight.t()) + head->fc->bias + p;
    torch::Tensor mean = h.mean(1, true), var = h.var(1, false, true);
    torch::Tensor ref = (h - mean) / torch::sqrt(var + 1e-5) * head->layerNorm->weight + head->layerNorm->bias;
    checkClose(head->forward(x), ref, "projection head", 1e-5);
    // dropout is active in training mode only
    head->train();
    torch::Tensor t1 = head->forward(x), t2 = head->forward(x);
    CHECK(!torch::allclose(t1, t2));
}

TEST_CASE("BERT dimensions are read from shapes; heads from the hint, the option, or hidden/64") {
    requireFixtures();
    io::TensorMap bert = io::loadWeights(fixture("bert/model.safetensors"));
    nn::BertConfig ref = nn::BertConfig::fromJsonFile(fixture("bert/config.json"));
    nn::BertConfig c = nn::inferBertConfig(bert, &ref);
    CHECK(c.vocabSize == ref.vocabSize);
    CHECK(c.hiddenSize == ref.hiddenSize);
    CHECK(c.numLayers == ref.numLayers);
    CHECK(c.numHeads == ref.numHeads);
    CHECK(c.intermediateSize == ref.intermediateSize);
    CHECK(c.maxPositions == ref.maxPositions);
    CHECK(c.typeVocabSize == ref.typeVocabSize);
    nn::BertConfig noHint = nn::inferBertConfig(bert);
    CHECK(noHint.hiddenSize == ref.hiddenSize);
    CHECK(noHint.numHeads == std::max<int64_t>(1, ref.hiddenSize / 64));
    CHECK(nn::inferBertConfig(bert, nullptr, ref.numHeads).numHeads == ref.numHeads);
    nn::BertConfig wrong = ref;
    wrong.vocabSize += 1;
    CHECK_THROWS_WITH(nn::inferBertConfig(bert, &wrong), Error, "vocab_size");
    CHECK_THROWS_WITH(nn::inferBertConfig(bert, nullptr, 7), Error, "not divisible");
    io::TensorMap broken = bert;
    broken.erase("embeddings.word_embeddings.weight");
    CHECK_THROWS_WITH(nn::inferBertConfig(broken), Error, "embeddings.word_embeddings.weight");
}

TEST_CASE("backbone configurations read from torchvision fixture weights reproduce the reference features") {
    requireFixtures();
    const std::string dir = fixture("vision-torchvision");
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string file = entry.path().filename().string();
        if (entry.path().extension() != ".safetensors" || file.find("-io.") != std::string::npos) continue;
        std::string name = entry.path().stem().string();
        io::TensorMap w = io::readSafetensors(entry.path().string()).tensors;
        nlohmann::json desc = readJson(dir + "/" + name + ".json");
        nn::BackboneSpec spec = nn::backboneSpecFromDescription(desc);
        std::string family = nn::guessBackboneFamily(w);
        CHECK_MSG(family == spec.arch, name << ": guessed " << family << " vs " << spec.arch);
        nn::ImageTowerImport tower = nn::importImageTower(w, "");
        CHECK(tower.arch == spec.arch);
        CHECK(tower.naming == "torchvision");
        {
            nn::Backbone b = nn::makeBackbone(tower.arch, tower.config);
            nn::loadStateDict(*b, tower.weights, true, name);  // names and shapes fit exactly
        }
        // A ViT's attention heads are not in its shapes: they come as an override.
        if (spec.arch == "vit")
            tower = nn::importImageTower(w, "", {{"num_heads", spec.config.at("num_heads")}});
        nn::Backbone b = nn::makeBackbone(tower.arch, tower.config);
        nn::loadStateDict(*b, tower.weights, true, name);
        b->eval();
        auto ref = io::readSafetensors(dir + "/" + name + "-io.safetensors").tensors;
        torch::NoGradGuard g;
        checkClose(b->forwardFeatures(ref.at("input")), ref.at("features"), name + " features");
        ++seen;
    }
    CHECK(seen > 0);
}

TEST_CASE("timm fixture weights are recognised, renamed and reproduce the reference features") {
    requireFixtures();
    const std::string dir = fixture("vision-timm");
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string file = entry.path().filename().string();
        if (entry.path().extension() != ".safetensors" || file.find("-io.") != std::string::npos) continue;
        std::string name = entry.path().stem().string();
        io::TensorMap w = io::readSafetensors(entry.path().string()).tensors;
        nn::ImageTowerImport tower = nn::importImageTower(w, "");
        nn::Backbone b = nn::makeBackbone(tower.arch, tower.config);
        nn::loadStateDict(*b, tower.weights, true, name);
        b->eval();
        auto ref = io::readSafetensors(dir + "/" + name + "-io.safetensors").tensors;
        torch::NoGradGuard g;
        checkClose(b->forwardFeatures(ref.at("input")), ref.at("features"), name + " features (timm)");
        ++seen;
    }
    CHECK(seen > 0);
}

TEST_CASE("image weights that fit no architecture, or the wrong preset, are refused with a clear error") {
    requireFixtures();
    io::TensorMap w = io::readSafetensors(fixture("vision-timm/resnet_small.safetensors")).tensors;
    CHECK_THROWS_WITH(nn::importImageTower(w, "resnet50"), Error, "do not fit resnet50");
    io::TensorMap junk;
    junk["something.weight"] = torch::zeros({2, 2});
    CHECK(nn::guessBackboneFamily(junk).empty());
    CHECK_THROWS_WITH(nn::importImageTower(junk, ""), Error, "--arch");
}

TEST_CASE("Simple-CLIP state dict problems are named") {
    requireFixtures();
    io::TensorMap sd = io::loadWeights(fixture("lowclip/lowclip-tiny.safetensors"));
    io::TensorMap noProj = sd;
    for (auto it = noProj.begin(); it != noProj.end();)
        it = it->first.rfind("text_projection.", 0) == 0 ? noProj.erase(it) : std::next(it);
    CHECK_THROWS_WITH(nn::simpleClipToLowclip(noProj), Error, "text_projection");
    io::TensorMap extra = sd;
    extra["temperature_buffer"] = torch::zeros({1});
    CHECK_THROWS_WITH(nn::simpleClipToLowclip(extra), Error, "temperature_buffer");
    CHECK_THROWS_WITH(nn::simpleClipToLowclip(io::loadWeights(fixture("bert/model.safetensors"))), Error, "image_encoder");
    // A mis-shaped projection is caught when loading into the model.
    io::TensorMap bad = sd;
    bad["image_projection.fc.weight"] = torch::zeros({3, 3});
    nn::BertConfig hint = nn::BertConfig::fromJsonFile(fixture("bert/config.json"));
    nn::SimpleClipImport imp = nn::simpleClipToLowclip(bad, &hint);
    nn::DualEncoder model(imp.config);
    CHECK_THROWS_WITH(nn::loadStateDict(*model, imp.weights, true, "model"), Error, "image_projection.fc.weight");
}

TEST_CASE("ClipConfig JSON round trip and field errors") {
    nn::ClipConfig c;
    c.text.vocabSize = 321;
    c.text.hiddenSize = 32;
    c.text.numLayers = 1;
    c.text.numHeads = 2;
    c.text.intermediateSize = 48;
    c.text.maxPositions = 40;
    c.imageArch = "resnet";
    c.imageConfig = {{"block", "basic"}, {"layers", {1, 1}}, {"stage_planes", {8, 16}}, {"stem_width", 8}};
    c.projectionDim = 24;
    c.loss = "infonce";
    c.logitScaleInit = 1.5;
    c.maxTextLength = 33;
    c.imageSize = 64;
    c.resizeSize = 72;
    c.mean = {0.5f, 0.5f, 0.5f};
    c.normalization = text::TextNormalization::BertLower;
    nlohmann::json j = c.toJson();
    nn::ClipConfig d = nn::ClipConfig::fromJson(j);
    CHECK(d.toJson() == j);
    CHECK(d.text.vocabSize == 321 && d.projectionDim == 24 && d.loss == "infonce" && d.normalization == text::TextNormalization::BertLower && d.resizeSize == 72);
    // The model builds from it and encodes.
    nn::DualEncoder m(d);
    m->eval();
    torch::NoGradGuard g;
    torch::Tensor e = m->encodeImages(torch::randn({2, 3, 64, 64}));
    CHECK(e.sizes() == torch::IntArrayRef({2, 24}));
    torch::Tensor ids = torch::randint(0, 321, {3, 7}, torch::kLong), mask = torch::ones({3, 7}, torch::kLong);
    CHECK(m->encodeTexts(ids, mask).sizes() == torch::IntArrayRef({3, 24}));

    nlohmann::json badLoss = j;
    badLoss["loss"]["kind"] = "triplet";
    CHECK_THROWS_WITH(nn::ClipConfig::fromJson(badLoss), Error, "triplet");
    nlohmann::json badType = j;
    badType["projection"]["dim"] = "big";
    CHECK_THROWS_WITH(nn::ClipConfig::fromJson(badType), Error, "projection.dim");
    nlohmann::json noText = j;
    noText.erase("text_encoder");
    CHECK_THROWS_WITH(nn::ClipConfig::fromJson(noText), Error, "text_encoder");
    nlohmann::json tooLong = j;
    tooLong["tokenizer"]["max_length"] = 41;
    CHECK_THROWS_WITH(nn::ClipConfig::fromJson(tooLong), Error, "max_length");
}

LOWCLIP_TEST_MAIN()
