// The checkpoint-reading helpers of core/nn/state_dict.h that the model and converter files share.
#include <torch/torch.h>

#include <set>
#include <string>

#include "core/error.h"
#include "core/nn/state_dict.h"
#include "tests/support/testing.h"

using namespace lowclip;

namespace {
io::TensorMap keys(std::initializer_list<const char*> names) {
    io::TensorMap m;
    for (const char* n : names) m[n] = torch::zeros({1});
    return m;
}
std::set<std::string> names(const io::TensorMap& m) {
    std::set<std::string> out;
    for (const auto& [k, v] : m) out.insert(k);
    return out;
}
}  // namespace

TEST_CASE("shapeOf writes sizes as messages show them") {
    CHECK(nn::shapeOf(torch::zeros({2, 3})) == "[2, 3]");
    CHECK(nn::shapeOf(torch::zeros({})) == "[]");
    CHECK(nn::shapeOf(torch::zeros({0, 5, 1})) == "[0, 5, 1]");
}

TEST_CASE("indicesUnder reads numbered children and ignores what is not one") {
    io::TensorMap w = keys({"layer.0.w", "layer.2.w", "layer.10.b", "layer.x.w", "layer.3", "layer.4x.w",
                            "layers.5.w", "layer.99999999999999999999999.w"});
    CHECK(nn::indicesUnder(w, "layer.") == std::set<int64_t>({0, 2, 10}));
    CHECK(nn::indicesUnder(w, "nothing.").empty());
    CHECK(nn::contiguousIndices(keys({"b.0.w", "b.1.w", "b.1.b"}), "b.", "test") == std::vector<int64_t>({0, 1}));
    CHECK_THROWS_WITH(nn::contiguousIndices(w, "layer.", "test weights"), Error, "test weights: 'layer.N'");
}

TEST_CASE("requireWeight names the missing or mis-shaped weight") {
    io::TensorMap w = {{"a.weight", torch::zeros({4, 3})}};
    CHECK(nn::requireWeight(w, "a.weight", "x").size(0) == 4);
    CHECK(nn::weightDim(w, "a.weight", 2, 1, "x") == 3);
    CHECK_THROWS_WITH(nn::requireWeight(w, "b.weight", "tower"), Error, "tower: weight 'b.weight' is missing");
    CHECK_THROWS_WITH(nn::requireWeight(w, "a.weight", "tower", 4), Error, "has shape [4, 3], expected 4 dimensions");
}

TEST_CASE("huggingFaceBertKeys: prefix, heads, position_ids, gamma/beta") {
    io::TensorMap task = keys({"bert.embeddings.LayerNorm.gamma", "bert.embeddings.LayerNorm.beta",
                               "bert.embeddings.position_ids", "bert.pooler.dense.weight", "cls.predictions.bias",
                               "classifier.weight"});
    CHECK(names(nn::huggingFaceBertKeys(task)) ==
          std::set<std::string>({"embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "pooler.dense.weight"}));
    io::TensorMap plain = keys({"encoder.layer.0.output.LayerNorm.beta", "embeddings.position_ids", "cls.seq_relationship.weight",
                                "embeddings.word_embeddings.weight"});
    CHECK(names(nn::huggingFaceBertKeys(plain)) ==
          std::set<std::string>({"encoder.layer.0.output.LayerNorm.bias", "embeddings.word_embeddings.weight"}));
    // Tensors are kept, not copied.
    io::TensorMap one = {{"bert.embeddings.LayerNorm.gamma", torch::ones({3})}};
    CHECK(nn::huggingFaceBertKeys(one).at("embeddings.LayerNorm.weight").is_same(one.at("bert.embeddings.LayerNorm.gamma")));
}

LOWCLIP_TEST_MAIN()
