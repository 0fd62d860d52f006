// BERT text encoder: reference outputs (fixtures/bert), weight loading, freezing, dropout, the
// inference kernel. Shapes and sizes are read from the fixture files, never hard-wired.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/attention_train.h"
#include "core/nn/bert.h"
#include "core/nn/keyed_random.h"
#include "core/nn/kernels/cpu.h"
#include "core/nn/state_dict.h"
#include "tests/support/testing.h"

using namespace lowclip;
using lowclip::nn::BertConfig;
using lowclip::nn::BertModel;

namespace {

std::string bertDir() { return lowclip::testing::fixturesDir() + "/bert"; }

void requireFixtures() {
    if (!std::filesystem::exists(bertDir() + "/io.safetensors")) SKIP("no bert fixtures in " + bertDir());
}

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

const io::TensorMap& referenceIo() {
    static io::TensorMap io = io::readSafetensors(bertDir() + "/io.safetensors").tensors;
    return io;
}

const io::TensorMap& referenceWeights() {
    static io::TensorMap w = io::readSafetensors(bertDir() + "/model.safetensors").tensors;
    return w;
}

BertModel fixtureModel() { return BertModel(BertConfig::fromJsonFile(bertDir() + "/config.json")); }

// max|a-b| <= 1e-4 * max(1, max|ref|); the message says by how much.
bool close(const at::Tensor& got, const at::Tensor& ref, std::string& why) {
    if (got.sizes() != ref.sizes()) {
        std::ostringstream os;
        os << "shape " << got.sizes() << " vs reference " << ref.sizes();
        why = os.str();
        return false;
    }
    const at::Tensor g = got.detach().to(at::kCPU, at::kDouble), r = ref.to(at::kDouble);
    const double diff = (g - r).abs().max().item<double>();
    const double tol = 1e-4 * std::max(1.0, r.abs().max().item<double>());
    std::ostringstream os;
    os << "max diff " << diff << ", tolerance " << tol;
    why = os.str();
    return diff <= tol;
}

#define CHECK_CLOSE(got, ref, name)                                   \
    do {                                                              \
        std::string why_;                                             \
        bool ok_ = close(got, ref, why_);                             \
        CHECK_MSG(ok_, name << ": " << why_);                         \
    } while (0)

// Every reference output: last_hidden_state, pooler_output and the per-layer intermediates.
void checkAgainstReference(BertModel& model, const std::string& what) {
    const auto& io = referenceIo();
    const at::Tensor ids = io.at("input_ids"), mask = io.at("attention_mask"), types = io.at("token_type_ids");
    model->eval();
    {
        torch::NoGradGuard noGrad;  // the inference path
        nn::BertOutput out = model->forward(ids, mask, types);
        CHECK_CLOSE(out.lastHiddenState, io.at("last_hidden_state"), what << " (no grad) last_hidden_state");
        CHECK_CLOSE(out.pooled, io.at("pooler_output"), what << " (no grad) pooler_output");
        std::vector<at::Tensor> states = model->hiddenStates(ids, mask, types);
        REQUIRE(static_cast<int64_t>(states.size()) == model->numLayers() + 1);
        CHECK_CLOSE(states[0], io.at("embedding_output"), what << " embedding_output");
        for (int64_t i = 0; i < model->numLayers(); ++i) {
            const std::string name = "encoder_layer_" + std::to_string(i) + "_output";
            if (io.count(name)) CHECK_CLOSE(states[i + 1], io.at(name), what << " " << name);
        }
    }
    {
        nn::BertOutput out = model->infer(ids, mask, types);
        CHECK_CLOSE(out.lastHiddenState, io.at("last_hidden_state"), what << " (infer) last_hidden_state");
        CHECK_CLOSE(out.pooled, io.at("pooler_output"), what << " (infer) pooler_output");
    }
    {
        // The differentiable path (grad mode on), still eval mode: same numbers.
        nn::BertOutput out = model->forward(ids, mask, types);
        CHECK(out.lastHiddenState.requires_grad());
        CHECK_CLOSE(out.lastHiddenState, io.at("last_hidden_state"), what << " (autograd) last_hidden_state");
        CHECK_CLOSE(out.pooled, io.at("pooler_output"), what << " (autograd) pooler_output");
    }
}

int64_t countTrainable(BertModel& model, int64_t* elements = nullptr) {
    int64_t n = 0, e = 0;
    for (const auto& p : model->named_parameters(true))
        if (p.value().requires_grad()) {
            ++n;
            e += p.value().numel();
        }
    if (elements) *elements = e;
    return n;
}

// Every parameter's gradient after `loss().backward()` (zeros where none), the old ones dropped first.
template <typename F>
std::vector<at::Tensor> parameterGradients(BertModel& model, F loss) {
    for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
    loss().backward();
    std::vector<at::Tensor> grads;
    for (auto& p : model->parameters()) grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return grads;
}

// A small BERT of the given shape, the rest Hugging Face's defaults.
BertConfig smallConfig(int64_t vocab, int64_t hidden, int64_t layers, int64_t heads, int64_t intermediate,
                       int64_t positions) {
    BertConfig c;
    c.vocabSize = vocab;
    c.hiddenSize = hidden;
    c.numLayers = layers;
    c.numHeads = heads;
    c.intermediateSize = intermediate;
    c.maxPositions = positions;
    return c;
}

// A weighted sum of every element (the weights from −1 to 1), for gradients that depend on each.
at::Tensor rampSum(const at::Tensor& t) { return (t * torch::linspace(-1, 1, t.numel()).view(t.sizes())).sum(); }

}  // namespace

TEST_CASE("config: fixture config.json is read with Hugging Face field names") {
    requireFixtures();
    const nlohmann::json j = readJson(bertDir() + "/config.json");
    const BertConfig c = BertConfig::fromJsonFile(bertDir() + "/config.json");
    CHECK(c.vocabSize == j.at("vocab_size").get<int64_t>());
    CHECK(c.hiddenSize == j.at("hidden_size").get<int64_t>());
    CHECK(c.numLayers == j.at("num_hidden_layers").get<int64_t>());
    CHECK(c.numHeads == j.at("num_attention_heads").get<int64_t>());
    CHECK(c.intermediateSize == j.at("intermediate_size").get<int64_t>());
    CHECK(c.maxPositions == j.at("max_position_embeddings").get<int64_t>());
    CHECK(c.typeVocabSize == j.at("type_vocab_size").get<int64_t>());
    CHECK(c.layerNormEps == j.at("layer_norm_eps").get<double>());
    CHECK(c.hiddenDropout == j.at("hidden_dropout_prob").get<double>());
    CHECK(c.attentionDropout == j.at("attention_probs_dropout_prob").get<double>());
    CHECK(c.hiddenAct == j.at("hidden_act").get<std::string>());

    // toJson -> fromJson round trip keeps every field.
    const BertConfig back = BertConfig::fromJson(c.toJson());
    CHECK(back.toJson() == c.toJson());
    CHECK(c.toJson().at("num_hidden_layers") == j.at("num_hidden_layers"));
}

TEST_CASE("config: mBERT-base preset and errors naming the field") {
    const BertConfig m = BertConfig::mbertBase();
    CHECK(m.vocabSize == 119547 && m.hiddenSize == 768 && m.numLayers == 12 && m.numHeads == 12);
    CHECK(m.intermediateSize == 3072 && m.maxPositions == 512 && m.typeVocabSize == 2);

    nlohmann::json good = m.toJson();
    nlohmann::json j = good;
    j.erase("hidden_size");
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "hidden_size");
    j = good;
    j["num_attention_heads"] = 7;
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "num_attention_heads");
    j = good;
    j["vocab_size"] = "many";
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "vocab_size");
    j = good;
    j["hidden_act"] = "mish";
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "hidden_act");
    j = good;
    j["model_type"] = "distilbert";
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "distilbert");
    j = good;
    j["position_embedding_type"] = "relative_key";
    CHECK_THROWS_WITH(BertConfig::fromJson(j), Error, "relative_key");
    CHECK_THROWS_WITH(BertConfig::fromJsonFile(bertDir() + "/no-such-config.json"), Error, "no-such-config.json");
}

TEST_CASE("module tree: stateDict keys and shapes equal the checkpoint's") {
    requireFixtures();
    BertModel model = fixtureModel();
    const io::TensorMap mine = nn::stateDict(*model);
    const io::TensorMap& ref = referenceWeights();
    CHECK_MSG(mine.size() == ref.size(), mine.size() << " vs " << ref.size());
    for (const auto& [name, t] : ref) {
        auto it = mine.find(name);
        CHECK_MSG(it != mine.end(), "model lacks " << name);
        if (it != mine.end()) CHECK_MSG(it->second.sizes() == t.sizes(), name);
    }
    for (const auto& [name, t] : mine) CHECK_MSG(ref.count(name), "checkpoint lacks " << name);
}

TEST_CASE("reference: model.safetensors") {
    requireFixtures();
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    checkAgainstReference(model, "safetensors");
}

TEST_CASE("reference: pytorch_model.bin") {
    requireFixtures();
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, io::loadWeights(bertDir() + "/pytorch_model.bin"));
    checkAgainstReference(model, "pytorch_model.bin");
}

TEST_CASE("reference: loadBertFolder") {
    requireFixtures();
    BertModel model = nn::loadBertFolder(bertDir());
    CHECK(!model->is_training());
    checkAgainstReference(model, "loadBertFolder");
}

TEST_CASE("query/key/value share one buffer, before and after loading") {
    requireFixtures();
    BertModel model = fixtureModel();
    auto adjacent = [&](const std::string& layer, const std::string& kind) {
        const io::TensorMap sd = nn::stateDict(*model);
        const at::Tensor q = sd.at(layer + "attention.self.query." + kind), k = sd.at(layer + "attention.self.key." + kind),
                         v = sd.at(layer + "attention.self.value." + kind);
        return k.data_ptr<float>() == q.data_ptr<float>() + q.numel() && v.data_ptr<float>() == k.data_ptr<float>() + k.numel();
    };
    for (int64_t i = 0; i < model->numLayers(); ++i) {
        const std::string layer = "encoder.layer." + std::to_string(i) + ".";
        CHECK_MSG(adjacent(layer, "weight") && adjacent(layer, "bias"), layer << " as built");
    }
    nn::loadBertWeights(model, referenceWeights());
    for (int64_t i = 0; i < model->numLayers(); ++i) {
        const std::string layer = "encoder.layer." + std::to_string(i) + ".";
        CHECK_MSG(adjacent(layer, "weight") && adjacent(layer, "bias"), layer << " after loading");
        // ... and hold the loaded values, each under its own name.
        const io::TensorMap sd = nn::stateDict(*model);
        for (const char* name : {"query", "key", "value"})
            CHECK(torch::equal(sd.at(layer + "attention.self." + name + ".weight"),
                               referenceWeights().at(layer + "attention.self." + name + ".weight")));
    }
}

TEST_CASE("reference: unfused path after Module::to(double)") {
    requireFixtures();
    // to() gives query/key/value separate storage (and a dtype the kernel does not take): the
    // inference path must notice and still be right.
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    model->to(at::kDouble);
    checkAgainstReference(model, "double");
}

TEST_CASE("loading: bert. prefix, cls.* heads, position_ids, gamma/beta are handled") {
    requireFixtures();
    io::TensorMap w = nn::addPrefix(referenceWeights(), "bert.");
    const int64_t hidden = referenceWeights().at("pooler.dense.weight").size(0);
    const int64_t vocab = referenceWeights().at("embeddings.word_embeddings.weight").size(0);
    w["cls.predictions.bias"] = torch::zeros({vocab});
    w["cls.predictions.transform.dense.weight"] = torch::zeros({hidden, hidden});
    w["cls.seq_relationship.weight"] = torch::zeros({2, hidden});
    w["bert.embeddings.position_ids"] = torch::arange(referenceWeights().at("embeddings.position_embeddings.weight").size(0)).unsqueeze(0);
    // TensorFlow-converted checkpoints (the original mBERT) call LayerNorm parameters gamma/beta.
    w["bert.embeddings.LayerNorm.gamma"] = w.at("bert.embeddings.LayerNorm.weight");
    w["bert.embeddings.LayerNorm.beta"] = w.at("bert.embeddings.LayerNorm.bias");
    w.erase("bert.embeddings.LayerNorm.weight");
    w.erase("bert.embeddings.LayerNorm.bias");
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, w);
    checkAgainstReference(model, "bert.-prefixed");
}

TEST_CASE("loading: a missing weight is named") {
    requireFixtures();
    io::TensorMap w = referenceWeights();
    const std::string gone = "encoder.layer.1.output.dense.bias";
    REQUIRE(w.erase(gone) == 1);
    BertModel model = fixtureModel();
    CHECK_THROWS_WITH(nn::loadBertWeights(model, w), Error, "encoder.layer.1.output.dense.bias");
    CHECK_THROWS_WITH(nn::loadBertWeights(model, w), Error, "missing");
}

TEST_CASE("loading: a mis-shaped weight is named") {
    requireFixtures();
    io::TensorMap w = referenceWeights();
    const at::Tensor original = w.at("encoder.layer.0.attention.self.key.weight");
    w["encoder.layer.0.attention.self.key.weight"] = torch::zeros({original.size(0), original.size(1) + 1});
    BertModel model = fixtureModel();
    CHECK_THROWS_WITH(nn::loadBertWeights(model, w), Error, "encoder.layer.0.attention.self.key.weight");
    // An unknown extra tensor is refused too (it would mean a different architecture).
    io::TensorMap extra = referenceWeights();
    extra["encoder.layer.0.attention.self.rotary.weight"] = torch::zeros({2});
    CHECK_THROWS_WITH(nn::loadBertWeights(model, extra), Error, "encoder.layer.0.attention.self.rotary.weight");
}

TEST_CASE("loading: folder errors say what is missing") {
    const std::string dir = lowclip::testing::makeTempDir("lowclip-bert-");
    CHECK_THROWS_WITH(nn::loadBertFolder(dir + "/nope"), Error, "does not exist");
    CHECK_THROWS_WITH(nn::loadBertFolder(dir), Error, "config.json");
    {
        std::ofstream(dir + "/config.json") << BertConfig::mbertBase().toJson().dump();
    }
    CHECK_THROWS_WITH(nn::loadBertFolder(dir), Error, "pytorch_model.bin");
    std::filesystem::remove_all(dir);
}

TEST_CASE("mBERT-base shape: builds with random weights and runs [1,16]") {
    const BertConfig c = BertConfig::mbertBase();
    BertModel model(c);
    model->eval();
    // Parameter count from the configuration (embeddings + layers + pooler).
    const int64_t h = c.hiddenSize, f = c.intermediateSize;
    const int64_t expected = (c.vocabSize + c.maxPositions + c.typeVocabSize) * h + 2 * h +
                             c.numLayers * (4 * (h * h + h) + 2 * h + (h * f + f) + (f * h + h) + 2 * h) + (h * h + h);
    int64_t total = 0;
    for (const auto& p : model->parameters()) total += p.numel();
    CHECK_MSG(total == expected, total << " vs " << expected);
    torch::manual_seed(7);
    const at::Tensor ids = torch::randint(0, c.vocabSize, {1, 16}, torch::kLong);
    nn::BertOutput out = model->infer(ids, torch::ones({1, 16}, torch::kLong));
    CHECK(out.lastHiddenState.sizes() == at::IntArrayRef({1, 16, h}));
    CHECK(out.pooled.sizes() == at::IntArrayRef({1, h}));
    CHECK(torch::isfinite(out.lastHiddenState).all().item<bool>());
    CHECK(out.pooled.abs().max().item<float>() <= 1.0f);
    // The inference path agrees with the differentiable one on this shape too.
    nn::BertOutput slow = model->forward(ids, torch::ones({1, 16}, torch::kLong));
    std::string why;
    CHECK_MSG(close(out.lastHiddenState, slow.lastHiddenState, why), why);
    CHECK_MSG(close(out.pooled, slow.pooled, why), why);
}

TEST_CASE("trainable modes set exactly the right parameters") {
    BertConfig c = BertConfig::mbertBase();
    c.vocabSize = 50;
    c.hiddenSize = 16;
    c.numHeads = 2;
    c.intermediateSize = 24;
    c.numLayers = 4;
    c.maxPositions = 20;
    BertModel model(c);
    const int64_t all = static_cast<int64_t>(model->parameters().size());
    // Per layer: query/key/value/attention dense/intermediate/output dense (weight+bias) + 2 LayerNorms.
    const int64_t perLayer = 6 * 2 + 2 * 2, attentionPerLayer = 4 * 2 + 2;
    const int64_t embeddings = 3 + 2, pooler = 2;
    CHECK(all == embeddings + c.numLayers * perLayer + pooler);

    nn::setBertTrainable(model, nn::BertTrainable::None);
    CHECK(countTrainable(model) == 0);
    nn::setBertTrainable(model, nn::BertTrainable::All);
    CHECK(countTrainable(model) == all);
    nn::setBertTrainable(model, nn::BertTrainable::AttentionOnly);
    CHECK_MSG(countTrainable(model) == c.numLayers * attentionPerLayer, countTrainable(model));
    for (const auto& p : model->named_parameters(true))
        CHECK_MSG(p.value().requires_grad() == (p.key().find(".attention.") != std::string::npos), p.key());
    for (int last : {0, 1, 3, 4}) {
        nn::setBertTrainable(model, nn::BertTrainable::LastLayers, last);
        int64_t elements = 0;
        CHECK_MSG(countTrainable(model, &elements) == last * perLayer + pooler, "last " << last);
        const int64_t h = c.hiddenSize, f = c.intermediateSize;
        const int64_t layerElements = 4 * (h * h + h) + 2 * h + (h * f + f) + (f * h + h) + 2 * h;
        CHECK_MSG(elements == last * layerElements + h * h + h, "last " << last << ": " << elements);
        for (const auto& p : model->named_parameters(true)) {
            if (p.key().rfind("encoder.layer.", 0) != 0) continue;
            const int index = std::stoi(p.key().substr(std::string("encoder.layer.").size()));
            CHECK_MSG(p.value().requires_grad() == (index >= c.numLayers - last), p.key() << " last " << last);
        }
    }
    CHECK_THROWS_WITH(nn::setBertTrainable(model, nn::BertTrainable::LastLayers, 5), Error, "last 5 layers");

    // Frozen parameters get no gradient; trainable ones do.
    nn::setBertTrainable(model, nn::BertTrainable::LastLayers, 1);
    model->train();
    const at::Tensor ids = torch::randint(0, c.vocabSize, {2, 6}, torch::kLong);
    model->forward(ids).pooled.sum().backward();
    for (const auto& p : model->named_parameters(true))
        CHECK_MSG(p.value().grad().defined() == p.value().requires_grad(), p.key());
}

TEST_CASE("dropout: active in train mode, not in eval") {
    requireFixtures();
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    const auto& io = referenceIo();
    const at::Tensor ids = io.at("input_ids"), mask = io.at("attention_mask");
    model->train();
    torch::manual_seed(1);
    const at::Tensor a = model->forward(ids, mask).lastHiddenState.detach();
    const at::Tensor b = model->forward(ids, mask).lastHiddenState.detach();
    CHECK_MSG(!torch::allclose(a, b), "two train-mode passes gave the same output");
    {
        torch::NoGradGuard noGrad;  // train mode without autograd still drops out
        const at::Tensor c = model->forward(ids, mask).lastHiddenState;
        CHECK(!torch::allclose(a, c));
    }
    // infer() never drops out, whatever the mode.
    CHECK_CLOSE(model->infer(ids, mask, io.at("token_type_ids")).lastHiddenState, io.at("last_hidden_state"), "infer in train mode");
    model->eval();
    const at::Tensor d = model->forward(ids, mask).lastHiddenState.detach();
    const at::Tensor e = model->forward(ids, mask).lastHiddenState.detach();
    CHECK(torch::equal(d, e));
}

TEST_CASE("inputs: defaults and errors") {
    requireFixtures();
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    model->eval();
    const auto& io = referenceIo();
    const at::Tensor ids = io.at("input_ids");
    const int64_t batch = ids.size(0), seq = ids.size(1);
    torch::NoGradGuard noGrad;
    // No mask = all ones; no token types = zeros.
    const at::Tensor ones = torch::ones({batch, seq}, torch::kLong), zeros = torch::zeros({batch, seq}, torch::kLong);
    CHECK(torch::allclose(model->forward(ids).lastHiddenState, model->forward(ids, ones, zeros).lastHiddenState, 1e-5, 1e-6));
    // Masks of any dtype mean the same.
    const at::Tensor mask = io.at("attention_mask");
    CHECK(torch::allclose(model->forward(ids, mask).pooled, model->forward(ids, mask.to(torch::kBool)).pooled, 1e-5, 1e-6));
    CHECK(torch::allclose(model->forward(ids, mask).pooled, model->forward(ids, mask.to(torch::kFloat)).pooled, 1e-5, 1e-6));
    // A batch row is independent of the other rows.
    const at::Tensor row = model->forward(ids.narrow(0, 1, 1), mask.narrow(0, 1, 1), io.at("token_type_ids").narrow(0, 1, 1)).pooled;
    CHECK_CLOSE(row, io.at("pooler_output").narrow(0, 1, 1), "row 1 alone");

    const int64_t vocab = model->config().vocabSize;
    CHECK_THROWS_WITH(model->forward(torch::full({1, 4}, vocab, torch::kLong)), Error, "outside the vocabulary");
    CHECK_THROWS_WITH(model->forward(torch::full({1, 4}, -1, torch::kLong)), Error, "outside the vocabulary");
    CHECK_THROWS_WITH(model->forward(torch::zeros({1, model->config().maxPositions + 1}, torch::kLong)), Error,
                      "longer than");
    CHECK_THROWS_WITH(model->forward(ids, torch::ones({batch, seq + 1})), Error, "attention_mask");
    CHECK_THROWS_WITH(model->forward(ids, {}, torch::full({batch, seq}, model->config().typeVocabSize, torch::kLong)),
                      Error, "token type");
    CHECK_THROWS_WITH(model->forward(torch::zeros({seq}, torch::kLong)), Error, "[batch, sequence]");
}

TEST_CASE("fastLinear matches at::linear on awkward shapes") {
    torch::manual_seed(3);
    torch::NoGradGuard noGrad;
    for (int64_t rows : {1, 3, 8, 13, 16, 17, 33, 48, 64, 65}) {
        for (int64_t in : {5, 16, 33, 768}) {
            for (int64_t out : {1, 2, 4, 7, 769}) {
                const at::Tensor x = torch::randn({rows, in}), w = torch::randn({out, in}), b = torch::randn({out});
                const at::Tensor ref = at::linear(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
                std::string why;
                CHECK_MSG(close(nn::detail::fastLinear(x, w, b), ref, why), rows << "x" << in << "->" << out << ": " << why);
                CHECK_MSG(close(nn::detail::fastLinear(x, w, {}), ref - b.to(at::kDouble), why),
                          rows << "x" << in << "->" << out << " no bias: " << why);
            }
        }
    }
    // 3-D and non-contiguous inputs.
    const at::Tensor x = torch::randn({2, 16, 40}).transpose(0, 1), w = torch::randn({24, 40}), b = torch::randn({24});
    std::string why;
    CHECK_MSG(close(nn::detail::fastLinear(x, w, b), at::linear(x, w, b), why), why);
    std::cout << "  (own kernel used for 16 rows on this CPU: " << (nn::detail::fastLinearKernelUsed(16) ? "yes" : "no")
              << ")\n";
}

namespace {
// Per element: |got - ref| <= 2e-5 * (|x|·|w|ᵀ + |b|) + 1e-6, ref in double from the bfloat16-rounded x and w
// (the products are exact in float32; only the float32 sums round).
bool closeToBf16Reference(const at::Tensor& got, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                          std::string& why) {
    const at::Tensor xr = x.to(at::kBFloat16).to(at::kDouble), wr = w.to(at::kBFloat16).to(at::kDouble);
    at::Tensor ref = at::linear(xr, wr), bound = at::linear(xr.abs(), wr.abs());
    if (b.defined()) {
        ref = ref + b.to(at::kDouble);
        bound = bound + b.to(at::kDouble).abs();
    }
    if (got.sizes() != ref.sizes()) {
        why = "shape mismatch";
        return false;
    }
    const at::Tensor excess = (got.to(at::kDouble) - ref).abs() - (2e-5 * bound + 1e-6);
    const double worst = excess.max().item<double>();
    std::ostringstream os;
    os << "worst excess over the bound " << worst << ", max |diff| " << (got.to(at::kDouble) - ref).abs().max().item<double>();
    why = os.str();
    return worst <= 0;
}
}  // namespace

TEST_CASE("fastLinearBf16: bfloat16-rounded products summed in float32, on awkward shapes") {
    torch::manual_seed(4);
    torch::NoGradGuard noGrad;
    if (!nn::detail::bf16KernelAvailable()) {
        // Without the kernel it must be exactly the float32 path.
        const at::Tensor x = torch::randn({16, 64}), w = torch::randn({40, 64}), b = torch::randn({40});
        nn::detail::Bf16Weight cache;
        CHECK(at::equal(nn::detail::fastLinearBf16(x, w, b, cache), nn::detail::fastLinear(x, w, b)));
        SKIP("no AVX-512 BF16 on this CPU: the bfloat16 kernel is not used (checked: it falls back to float32)");
    }
    for (int64_t rows : {1, 3, 16, 17, 33, 48, 64}) {
        for (int64_t in : {2, 64, 770}) {
            for (int64_t out : {1, 7, 40, 97}) {
                const at::Tensor x = torch::randn({rows, in}), w = torch::randn({out, in}), b = torch::randn({out});
                nn::detail::Bf16Weight cache;
                CHECK(nn::detail::bf16KernelUsed(rows, in));
                std::string why;
                CHECK_MSG(closeToBf16Reference(nn::detail::fastLinearBf16(x, w, b, cache), x, w, b, why),
                          rows << "x" << in << "->" << out << ": " << why);
                CHECK_MSG(closeToBf16Reference(nn::detail::fastLinearBf16(x, w, {}, cache), x, w, {}, why),
                          rows << "x" << in << "->" << out << " no bias: " << why);
            }
        }
    }
    // Not the kernel's shapes: odd `in`, more than 64 rows -> exactly fastLinear.
    nn::detail::Bf16Weight cache;
    for (auto [rows, in] : {std::pair<int64_t, int64_t>{16, 33}, {65, 64}}) {
        const at::Tensor x = torch::randn({rows, in}), w = torch::randn({24, in}), b = torch::randn({24});
        CHECK(!nn::detail::bf16KernelUsed(rows, in));
        CHECK(at::equal(nn::detail::fastLinearBf16(x, w, b, cache), nn::detail::fastLinear(x, w, b)));
    }
    // 3-D, non-contiguous input.
    const at::Tensor x = torch::randn({2, 16, 40}).transpose(0, 1), w = torch::randn({24, 40}), b = torch::randn({24});
    std::string why;
    CHECK_MSG(closeToBf16Reference(nn::detail::fastLinearBf16(x, w, b, cache), x, w, b, why), why);
}

TEST_CASE("Bf16Weight: packed layout; the copy follows in-place changes and new storage") {
    torch::NoGradGuard noGrad;
    torch::manual_seed(5);
    // [blocks, in/2, 8, 2] -> [out, in]
    auto unpack = [](const at::Tensor& packed, int64_t out) {
        return packed.permute({0, 2, 1, 3}).reshape({packed.size(0) * 8, packed.size(1) * 2}).narrow(0, 0, out);
    };
    at::Tensor w = torch::randn({13, 6});
    nn::detail::Bf16Weight cache;
    const at::Tensor packed = cache.of(w);
    CHECK(packed.sizes() == at::IntArrayRef({2, 3, 8, 2}));
    CHECK(at::equal(unpack(packed, 13), w.to(at::kBFloat16)));
    CHECK(packed[1].select(1, 7).abs().max().item<float>() == 0.0f);  // row 15 is padding
    CHECK(packed[0][2][1][1].item<float>() == w[1][5].to(at::kBFloat16).item<float>());
    w.mul_(3.0);  // an optimizer step or a load writes in place
    CHECK(at::equal(unpack(cache.of(w), 13), w.to(at::kBFloat16)));
    at::Tensor other = torch::randn({13, 6});
    CHECK(at::equal(unpack(cache.of(other), 13), other.to(at::kBFloat16)));
    // A fused weight built from parts: a change to any part is noticed.
    at::Tensor parts = torch::randn({3, 4, 6});
    at::Tensor a = parts[0], c = parts[2];
    const at::Tensor fused = parts.view({12, 6});
    cache.of(fused, {a, c});
    c.add_(1.0);
    CHECK(at::equal(unpack(cache.of(fused, {a, c}), 12), fused.to(at::kBFloat16)));
    CHECK_THROWS_WITH(cache.of(torch::randn({4, 5})), Error, "even number");
}

TEST_CASE("BertPrecision::BFloat16: close to float32, and back to exact float32") {
    torch::manual_seed(6);
    const BertConfig c = smallConfig(300, 64, 3, 4, 128, 64);
    BertModel model(c);
    model->eval();
    const at::Tensor ids = torch::randint(0, c.vocabSize, {2, 16}, torch::kLong);
    at::Tensor mask = torch::ones({2, 16}, torch::kLong);
    mask.narrow(1, 10, 6)[1].fill_(0);
    const nn::BertOutput ref = model->infer(ids, mask);
    model->setInferencePrecision(nn::BertPrecision::BFloat16);
    CHECK(model->inferencePrecision() == nn::BertPrecision::BFloat16);
    const nn::BertOutput low = model->infer(ids, mask);
    if (!nn::detail::bf16KernelAvailable()) {
        CHECK(at::equal(low.lastHiddenState, ref.lastHiddenState));
        SKIP("no AVX-512 BF16 on this CPU: BFloat16 runs float32 (checked: identical outputs)");
    }
    const at::Tensor cos = torch::nn::functional::cosine_similarity(
        low.lastHiddenState.reshape({-1, c.hiddenSize}), ref.lastHiddenState.reshape({-1, c.hiddenSize}),
        torch::nn::functional::CosineSimilarityFuncOptions().dim(1));
    const double worstCos = cos.min().item<double>();
    const double diff = (low.lastHiddenState - ref.lastHiddenState).abs().max().item<double>();
    std::cout << "  bfloat16 vs float32 (3 layers, 64 hidden): min token cosine " << worstCos << ", max |diff| " << diff
              << "\n";
    CHECK(worstCos > 0.999);
    CHECK(diff > 0.0);  // the bfloat16 path really ran
    CHECK(diff < 0.1);
    // Weights changed in place (as by training): the bfloat16 copies follow.
    {
        torch::NoGradGuard noGrad;
        for (auto& p : model->parameters()) p.mul_(1.5);
    }
    const nn::BertOutput lowScaled = model->infer(ids, mask);
    model->setInferencePrecision(nn::BertPrecision::Float32);
    const nn::BertOutput refScaled = model->infer(ids, mask);
    const at::Tensor cos2 = torch::nn::functional::cosine_similarity(
        lowScaled.pooled, refScaled.pooled, torch::nn::functional::CosineSimilarityFuncOptions().dim(1));
    CHECK(cos2.min().item<double>() > 0.999);
    CHECK(!at::allclose(refScaled.pooled, ref.pooled));
}

TEST_CASE("BertPrecision::Int8: query vectors within cosine 0.99 of float32; every int8 table gives the same result") {
    torch::manual_seed(7);
    const BertConfig c = smallConfig(300, 64, 3, 4, 128, 64);
    BertModel model(c);
    model->eval();
    const at::Tensor ids = torch::randint(0, c.vocabSize, {3, 16}, torch::kLong);
    at::Tensor mask = torch::ones({3, 16}, torch::kLong);
    mask.narrow(1, 9, 7)[2].fill_(0);
    const nn::BertOutput ref = model->infer(ids, mask);
    model->setInferencePrecision(nn::BertPrecision::Int8);
    CHECK(model->inferencePrecision() == nn::BertPrecision::Int8);
    const nn::BertOutput low = model->infer(ids, mask);
    const auto cosOf = [](const at::Tensor& a, const at::Tensor& b) {
        return torch::nn::functional::cosine_similarity(a, b, torch::nn::functional::CosineSimilarityFuncOptions().dim(1))
            .min()
            .item<double>();
    };
    const double pooledCos = cosOf(low.pooled, ref.pooled);
    const double tokenCos = cosOf(low.lastHiddenState.reshape({-1, c.hiddenSize}), ref.lastHiddenState.reshape({-1, c.hiddenSize}));
    const double diff = (low.lastHiddenState - ref.lastHiddenState).abs().max().item<double>();
    std::cout << "  int8 vs float32 (3 layers, 64 hidden, " << model->kernels().s8Name << "): min pooled cosine "
              << pooledCos << ", min token cosine " << tokenCos << ", max |diff| " << diff << "\n";
    CHECK(pooledCos >= 0.99);
    CHECK(tokenCos >= 0.99);
    CHECK(diff > 0.0);  // the int8 path really ran
    // A query's rows run whole layers on raw buffers (kernels/rows.h); the same model layer by layer
    // (hiddenStates takes the module path) differs only in the order of float32 sums.
    CHECK(nn::detail::int8RowsPathUsed(c, 48));
    CHECK(!nn::detail::int8RowsPathUsed(c, 65));
    {
        c10::InferenceMode guard;
        const at::Tensor layerByLayer = model->hiddenStates(ids, mask).back();
        const double rowsCos = cosOf(low.lastHiddenState.reshape({-1, c.hiddenSize}), layerByLayer.reshape({-1, c.hiddenSize}));
        std::cout << "  int8 whole-layer rows vs module path: min token cosine " << rowsCos << "\n";
        CHECK(rowsCos >= 0.9999);
        // More rows than the path takes: the module path, the same within the bound to float32.
        const at::Tensor many = torch::randint(0, c.vocabSize, {5, 16}, torch::kLong);
        const at::Tensor manyLow = model->infer(many).pooled;
        model->setInferencePrecision(nn::BertPrecision::Float32);
        const at::Tensor manyRef = model->infer(many).pooled;
        model->setInferencePrecision(nn::BertPrecision::Int8);
        CHECK(cosOf(manyLow, manyRef) >= 0.99);
    }
    // The same quantized model through the scalar table: integer sums are exact, so identical.
    const at::Tensor x = torch::randn({16, 64});
    const at::Tensor w = torch::randn({50, 64}), b = torch::randn({50});
    nn::detail::Int8Weight cache;
    const at::Tensor yActive = nn::detail::fastLinearInt8(x, w, b, cache, {}, model->kernels());
    const at::Tensor yScalar =
        nn::detail::fastLinearInt8(x, w, b, cache, {}, nn::kernels::linearKernels(nn::kernels::Isa::Scalar));
    CHECK(at::equal(yActive, yScalar));
    CHECK(cosOf(yActive, at::linear(x, w, b)) >= 0.99);
    // Non-finite input: exactly the float32 result, no garbage scale.
    at::Tensor bad = x.clone();
    bad[3][5] = std::numeric_limits<float>::infinity();
    CHECK(at::equal(nn::detail::fastLinearInt8(bad, w, b, cache, {}, model->kernels()),
                    nn::detail::fastLinear(bad, w, b, model->kernels())));
    // Weights changed in place: the int8 copies follow; Float32 is exact again afterwards.
    {
        torch::NoGradGuard noGrad;
        for (auto& p : model->parameters()) p.mul_(1.5);
    }
    const nn::BertOutput lowScaled = model->infer(ids, mask);
    model->setInferencePrecision(nn::BertPrecision::Float32);
    const nn::BertOutput refScaled = model->infer(ids, mask);
    CHECK(cosOf(lowScaled.pooled, refScaled.pooled) >= 0.99);
    CHECK(!at::allclose(refScaled.pooled, ref.pooled));
    CHECK(nn::parseBertPrecision("int8") == nn::BertPrecision::Int8);
    CHECK(std::string(nn::bertPrecisionName(nn::BertPrecision::Int8)) == "int8");
    CHECK_THROWS_WITH(nn::parseBertPrecision("int4"), Error, "unknown text precision");
}

TEST_CASE("firstTokenState: the [CLS] row of forward() on every path, with the last layer cut to that row") {
    requireFixtures();
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    model->eval();
    const auto& io = referenceIo();
    const at::Tensor ids = io.at("input_ids"), mask = io.at("attention_mask"), types = io.at("token_type_ids");
    const at::Tensor ref = io.at("last_hidden_state").select(1, 0);
    at::Tensor autograd = model->firstTokenState(ids, mask, types);
    CHECK(autograd.requires_grad());
    CHECK(autograd.dim() == 2 && autograd.size(0) == ids.size(0));
    CHECK_CLOSE(autograd, ref, "autograd");
    {
        torch::NoGradGuard noGrad;
        CHECK_CLOSE(model->firstTokenState(ids, mask, types), ref, "no grad");
    }
    // The gradients through the cut last layer equal those through the whole one.
    auto cut = parameterGradients(model, [&] { return rampSum(model->firstTokenState(ids, mask, types)); });
    auto whole = parameterGradients(model, [&] { return rampSum(model->forward(ids, mask, types).lastHiddenState.select(1, 0)); });
    REQUIRE(cut.size() == whole.size());
    for (size_t i = 0; i < cut.size(); ++i) CHECK_CLOSE(cut[i], whole[i], "gradient " << i);
}

TEST_CASE("training on the real tokens alone: [CLS] states and gradients of each sequence run unpadded") {
    BertConfig c = smallConfig(40, 32, 2, 4, 48, 16);
    c.hiddenDropout = c.attentionDropout = 0.0;
    torch::manual_seed(11);
    BertModel model(c);
    {
        torch::NoGradGuard noGrad;  // weights large enough that attention is far from uniform
        for (auto& p : model->parameters()) p.normal_(0.0, 0.3);
    }
    model->train();
    const std::vector<int64_t> lengths{9, 3, 6, 1, 2};
    const int64_t batch = static_cast<int64_t>(lengths.size()), seq = 9;
    const at::Tensor ids = torch::randint(5, c.vocabSize, {batch, seq}, torch::kLong);
    at::Tensor mask = torch::zeros({batch, seq}, torch::kLong);
    for (int64_t b = 0; b < batch; ++b) mask.select(0, b).narrow(0, 0, lengths[b]).fill_(1);
    ids.masked_fill_(mask.eq(0), 0);
    const at::Tensor weights = torch::linspace(-1, 1, batch * c.hiddenSize).view({batch, c.hiddenSize});

    for (const bool kernel : {true, false}) {
        const auto previous = kernel ? nn::kernels::activeIsa() : nn::kernels::setActiveIsa(nn::kernels::Isa::Scalar);
        const std::string path = kernel ? "attention kernel" : "tensor composition";
        at::Tensor packed;
        auto gotGrads = parameterGradients(model, [&] {
            packed = model->firstTokenState(ids, mask);
            return (packed * weights).sum();
        });
        REQUIRE(packed.sizes() == at::IntArrayRef({batch, c.hiddenSize}));
        std::vector<at::Tensor> alone(lengths.size());
        auto refGrads = parameterGradients(model, [&] {
            at::Tensor loss = torch::zeros({});
            for (int64_t b = 0; b < batch; ++b) {
                const at::Tensor one = ids.narrow(0, b, 1).narrow(1, 0, lengths[b]);
                alone[b] = model->firstTokenState(one, torch::ones_like(one)).select(0, 0);
                loss = loss + (alone[b] * weights.select(0, b)).sum();
            }
            return loss;
        });
        CHECK_CLOSE(packed, torch::stack(alone), path << ": [CLS] states");
        for (size_t i = 0; i < gotGrads.size(); ++i) CHECK_CLOSE(gotGrads[i], refGrads[i], path << ": gradient " << i);
        // The whole padded forward pass agrees too.
        CHECK_CLOSE(packed, model->forward(ids, mask).lastHiddenState.select(1, 0), path << ": padded forward");
        nn::kernels::setActiveIsa(previous);
    }
    // With dropout under keyed masks: the padded computation's masks, and the sites after the text
    // tower numbered as there (the mask drawn next is the same).
    model->train();
    auto withDropout = [&](bool packing) {
        const bool previous = nn::setPackedTextTraining(packing);
        at::Tensor state, next;
        auto grads = parameterGradients(model, [&] {
            nn::KeyedRandomScope scope(torch::arange(100, 100 + batch, torch::kLong));
            state = model->firstTokenState(ids, mask);
            next = nn::keyedDropoutMask({batch, 16}, state.options(), 0.5);
            return (state * weights).sum();
        });
        nn::setPackedTextTraining(previous);
        return std::make_tuple(state.detach(), next, grads);
    };
    BertConfig d = c;
    d.hiddenDropout = 0.2;
    d.attentionDropout = 0.15;
    torch::manual_seed(11);
    BertModel dropping(d);
    {
        torch::NoGradGuard noGrad;
        auto from = model->parameters(), to = dropping->parameters();
        for (size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
    }
    std::swap(model, dropping);
    model->train();
    const auto [packedState, packedNext, packedGrads] = withDropout(true);
    const auto [paddedState, paddedNext, paddedGrads] = withDropout(false);
    std::swap(model, dropping);
    CHECK_CLOSE(packedState, paddedState, "dropout: [CLS] states");
    CHECK(packedNext.equal(paddedNext));
    for (size_t i = 0; i < packedGrads.size(); ++i) CHECK_CLOSE(packedGrads[i], paddedGrads[i], "dropout: gradient " << i);
    {
        torch::NoGradGuard noGrad;
        dropping->eval();  // the same weights without dropout: the masks above did something
        CHECK((packedState - dropping->firstTokenState(ids, mask)).abs().max().item<double>() > 1e-3);
    }

    // A first token that is padding: the padded computation, as forward() gives it.
    at::Tensor odd = mask.clone();
    odd.select(0, 1).fill_(0);
    odd[1][2] = 1;
    CHECK_CLOSE(model->firstTokenState(ids, odd), model->forward(ids, odd).lastHiddenState.select(1, 0), "first token masked");
}

TEST_CASE("training attention kernel: forward and gradients equal the tensor composition in double") {
    if (!nn::trainAttentionUsable(torch::zeros({1, 1, 8}), 4)) SKIP("the training attention kernel needs AVX2+FMA");
    struct Shape {
        int64_t batch, heads, sq, sk, hs;
        bool mask, drop;
    };
    // hs 64 and 128 take the 64-wide register blocks, 72 adds an 8-wide one, 13 the scalar tail;
    // one query against 9 keys is the last layer cut to [CLS].
    const Shape shapes[] = {{3, 4, 7, 7, 64, true, true}, {2, 2, 1, 9, 72, true, false}, {1, 3, 5, 5, 13, false, true},
                            {2, 1, 33, 33, 128, true, true}};
    torch::manual_seed(5);
    for (const auto& sh : shapes) {
        const int64_t width = sh.heads * sh.hs;
        auto q = torch::randn({sh.batch, sh.sq, width}).requires_grad_();
        auto k = torch::randn({sh.batch, sh.sk, width}).requires_grad_();
        auto v = torch::randn({sh.batch, sh.sk, width}).requires_grad_();
        at::Tensor mask, drop;
        if (sh.mask) {
            mask = torch::zeros({sh.batch, sh.sk});
            mask.select(0, 0).narrow(0, sh.sk - 2, 2).fill_(-10000.0);
        }
        if (sh.drop) drop = torch::rand({sh.batch, sh.heads, sh.sq, sh.sk}).ge(0.25).to(torch::kFloat32).div_(0.75);
        const double scale = 1.0 / std::sqrt(static_cast<double>(sh.hs));
        at::Tensor out = nn::trainAttention(q, k, v, mask, drop, sh.heads, scale);
        REQUIRE(out.sizes() == q.sizes());

        auto qd = q.detach().to(torch::kFloat64).requires_grad_(), kd = k.detach().to(torch::kFloat64).requires_grad_(),
             vd = v.detach().to(torch::kFloat64).requires_grad_();
        auto split = [&](const at::Tensor& t) { return t.view({sh.batch, t.size(1), sh.heads, sh.hs}).permute({0, 2, 1, 3}); };
        at::Tensor scores = torch::matmul(split(qd), split(kd).transpose(-1, -2)) * scale;
        if (mask.defined()) scores = scores + mask.to(torch::kFloat64).view({sh.batch, 1, 1, sh.sk});
        at::Tensor probs = torch::softmax(scores, -1);
        if (drop.defined()) probs = probs * drop.to(torch::kFloat64);
        at::Tensor ref = torch::matmul(probs, split(vd)).permute({0, 2, 1, 3}).reshape({sh.batch, sh.sq, width});
        const std::string name = "shape " + std::to_string(sh.batch) + "x" + std::to_string(sh.heads) + "x" +
                                 std::to_string(sh.sq) + "x" + std::to_string(sh.sk) + "x" + std::to_string(sh.hs);
        CHECK_CLOSE(out, ref, name << " forward");
        auto upstream = torch::randn(out.sizes());
        out.backward(upstream);
        ref.backward(upstream.to(torch::kFloat64));
        CHECK_CLOSE(q.grad(), qd.grad(), name << " dq");
        CHECK_CLOSE(k.grad(), kd.grad(), name << " dk");
        CHECK_CLOSE(v.grad(), vd.grad(), name << " dv");
    }
    CHECK_THROWS_WITH(nn::trainAttention(torch::zeros({1, 2, 6}), torch::zeros({1, 3, 6}), torch::zeros({1, 3, 6}),
                                         torch::zeros({1, 2}), at::Tensor(), 2, 1.0),
                      Error, "mask");
}

TEST_CASE("BERT training pass: the attention kernel gives the gradients of the tensor composition") {
    requireFixtures();
    if (!nn::trainAttentionUsable(torch::zeros({1, 1, 8}), 4)) SKIP("the training attention kernel needs AVX2+FMA");
    BertModel model = fixtureModel();
    nn::loadBertWeights(model, referenceWeights());
    model->eval();
    const auto& io = referenceIo();
    const at::Tensor ids = io.at("input_ids"), mask = io.at("attention_mask");
    auto run = [&] {
        at::Tensor h;
        auto grads = parameterGradients(model, [&] {
            h = model->forward(ids, mask).lastHiddenState;
            return rampSum(h);
        });
        return std::make_pair(h.detach(), grads);
    };
    auto kernel = run();
    const auto previous = nn::kernels::setActiveIsa(nn::kernels::Isa::Scalar);  // the tensor composition
    CHECK(!nn::trainAttentionUsable(torch::zeros({1, 1, 8}), 4));
    auto composed = run();
    nn::kernels::setActiveIsa(previous);
    CHECK_CLOSE(kernel.first, composed.first, "last hidden state");
    for (size_t i = 0; i < kernel.second.size(); ++i) CHECK_CLOSE(kernel.second[i], composed.second[i], "gradient " << i);
}

LOWCLIP_TEST_MAIN()
