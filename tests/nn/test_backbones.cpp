// Image backbones (core/nn/{backbone,efficientnet,resnet,vit,swin}): reference fixtures, timm name
// maps, presets, configuration, position-embedding resampling, stochastic depth, training.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/nn/backbone.h"
#include "core/nn/state_dict.h"
#include "core/nn/swin.h"
#include "core/nn/vit.h"
#include "tests/support/testing.h"

using namespace lowclip;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

double maxAbs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// max|a - ref| <= 1e-4 * max(1, max|ref|), same shape.
void checkClose(const torch::Tensor& a, const torch::Tensor& ref, const std::string& what) {
    REQUIRE(a.defined() && ref.defined());
    CHECK_MSG(a.sizes() == ref.sizes(), what << ": shape " << a.sizes() << " vs reference " << ref.sizes());
    if (a.sizes() != ref.sizes()) return;
    const double diff = maxAbs(a.to(torch::kFloat) - ref.to(torch::kFloat));
    const double tol = 1e-4 * std::max(1.0, maxAbs(ref));
    CHECK_MSG(diff <= tol, what << ": max|diff| " << diff << " > tolerance " << tol);
    std::cout << "  " << what << ": max|diff| " << diff << " (tolerance " << tol << ")\n";
}

std::string fixturePath(const std::string& rel) { return lowclip::testing::fixturesDir() + "/" + rel; }

json readJson(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw lowclip::testing::Failure{"cannot open " + path};
    return json::parse(in);
}

struct LoadedFixture {
    nn::BackboneSpec spec;
    nn::Backbone model;
    io::TensorMap io;
    io::TensorMap weights;  // as stored (fixture naming)
};

// Builds the model that <folder>/<name>.json describes, loads <name>.safetensors (timm names
// rewritten) strictly, and reads <name>-io.safetensors. Skips when the fixture is absent.
LoadedFixture loadFixture(const std::string& folder, const std::string& name) {
    const std::string base = fixturePath(folder + "/" + name);
    if (!fs::exists(base + ".json") || !fs::exists(base + ".safetensors") || !fs::exists(base + "-io.safetensors"))
        SKIP("fixture " + base + ".{json,safetensors} or -io.safetensors is missing");
    LoadedFixture f;
    f.spec = nn::backboneSpecFromDescription(readJson(base + ".json"));
    f.model = nn::makeBackbone(f.spec.arch, f.spec.config);
    f.weights = io::readSafetensors(base + ".safetensors").tensors;
    // ResNets are named alike by both libraries: detectNaming calls them torchvision
    const std::string expectedNaming = f.spec.arch == "resnet" ? "torchvision" : f.spec.naming;
    CHECK_MSG(nn::detectNaming(f.weights) == expectedNaming,
              name << ": detectNaming says " << nn::detectNaming(f.weights) << ", the description " << f.spec.naming);
    const io::TensorMap ours = f.spec.naming == "timm" ? nn::timmToTorchvision(f.spec.arch, f.weights) : f.weights;
    nn::loadStateDict(*f.model, ours, /*strict=*/true, folder + "/" + name);
    f.model->eval();
    f.io = io::readSafetensors(base + "-io.safetensors").tensors;
    REQUIRE(f.io.count("input") && f.io.count("features"));
    return f;
}

// Compares every output the io file holds: features, logits, feature_map.
void checkFixtureOutputs(const std::string& folder, const std::string& name) {
    LoadedFixture f = loadFixture(folder, name);
    torch::NoGradGuard noGrad;
    const torch::Tensor& input = f.io.at("input");
    checkClose(f.model->forwardFeatures(input), f.io.at("features"), name + " features");
    CHECK(f.model->featureDim() == f.io.at("features").size(1));
    if (f.io.count("logits")) {
        REQUIRE(f.model->numClasses() > 0);
        checkClose(f.model->forwardLogits(input), f.io.at("logits"), name + " logits");
    }
    if (f.io.count("feature_map")) checkClose(f.model->forwardFeatureMap(input), f.io.at("feature_map"), name + " feature_map");
}

int64_t parameterCount(const nn::Backbone& b) {
    int64_t n = 0;
    for (const auto& p : b->parameters()) n += p.numel();
    return n;
}

std::set<std::string> keysOf(const io::TensorMap& m) {
    std::set<std::string> s;
    for (const auto& [k, v] : m) s.insert(k);
    return s;
}

// ---- independent reverse maps (torchvision -> timm), written from timm's documented layout ----

std::string sub(const std::string& s, const std::string& re, const std::string& fmt) {
    return std::regex_replace(s, std::regex(re), fmt);
}

io::TensorMap vitToTimm(const io::TensorMap& tv) {
    io::TensorMap out;
    for (const auto& [k0, v] : tv) {
        std::string k = k0;
        k = sub(k, R"(^conv_proj\.)", "patch_embed.proj.");
        k = sub(k, R"(^class_token$)", "cls_token");
        k = sub(k, R"(^encoder\.pos_embedding$)", "pos_embed");
        k = sub(k, R"(^encoder\.ln\.)", "norm.");
        k = sub(k, R"(^heads\.head\.)", "head.");
        k = sub(k, R"(^encoder\.layers\.encoder_layer_(\d+)\.)", "blocks.$1.");
        k = sub(k, R"(\.ln_1\.)", ".norm1.");
        k = sub(k, R"(\.ln_2\.)", ".norm2.");
        k = sub(k, R"(\.self_attention\.in_proj_weight$)", ".attn.qkv.weight");
        k = sub(k, R"(\.self_attention\.in_proj_bias$)", ".attn.qkv.bias");
        k = sub(k, R"(\.self_attention\.out_proj\.)", ".attn.proj.");
        k = sub(k, R"(\.mlp\.0\.)", ".mlp.fc1.");
        k = sub(k, R"(\.mlp\.3\.)", ".mlp.fc2.");
        out[k] = v;
    }
    return out;
}

// newLayout: timm >= 0.9 (downsample at the start of stage i, head.fc, no relative_position_index);
// else the older layout (downsample at the end of stage i-1, head, 2-D relative_position_index, attn_mask).
io::TensorMap swinToTimm(const io::TensorMap& tv, bool newLayout) {
    io::TensorMap out;
    std::smatch m;
    for (const auto& [k0, v] : tv) {
        std::string k = k0;
        torch::Tensor t = v;
        if (std::regex_search(k, m, std::regex(R"(^features\.(\d+)\.(\d+)\.(.+)$)")) && std::stoi(m[1].str()) % 2 == 1) {
            const int stage = (std::stoi(m[1].str()) - 1) / 2;
            const std::string block = m[2].str();
            std::string rest = m[3].str();
            rest = sub(rest, R"(^mlp\.0\.)", "mlp.fc1.");
            rest = sub(rest, R"(^mlp\.3\.)", "mlp.fc2.");
            k = "layers." + std::to_string(stage) + ".blocks." + block + "." + rest;
            if (rest == "attn.relative_position_index") {
                if (newLayout) continue;
                const auto n = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(t.numel()))));
                t = t.view({n, n});
                out["layers." + std::to_string(stage) + ".blocks." + block + ".attn_mask"] = torch::zeros({1, n, n});
            }
        } else if (std::regex_search(k, m, std::regex(R"(^features\.(\d+)\.((norm|reduction)\..+)$)"))) {
            const int stage = std::stoi(m[1].str()) / 2;
            k = "layers." + std::to_string(newLayout ? stage : stage - 1) + ".downsample." + m[2].str();
        } else {
            k = sub(k, R"(^features\.0\.0\.)", "patch_embed.proj.");
            k = sub(k, R"(^features\.0\.2\.)", "patch_embed.norm.");
            if (newLayout) k = sub(k, R"(^head\.)", "head.fc.");
        }
        out[k] = t;
    }
    return out;
}

void randomize(nn::BackboneImpl& model) {
    torch::NoGradGuard noGrad;
    for (auto& p : model.parameters()) p.normal_(0.0, 0.2);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// reference fixtures

TEST_CASE("torchvision efficientnet_b0 matches the fixture") { checkFixtureOutputs("vision-torchvision", "efficientnet_b0"); }
TEST_CASE("torchvision resnet_small matches the fixture") { checkFixtureOutputs("vision-torchvision", "resnet_small"); }
TEST_CASE("torchvision vit_small matches the fixture") { checkFixtureOutputs("vision-torchvision", "vit_small"); }
TEST_CASE("torchvision swin_small matches the fixture") { checkFixtureOutputs("vision-torchvision", "swin_small"); }
TEST_CASE("timm efficientnet_b0 through the name map matches the fixture") { checkFixtureOutputs("vision-timm", "efficientnet_b0"); }
TEST_CASE("timm resnet_small through the name map matches the fixture") { checkFixtureOutputs("vision-timm", "resnet_small"); }

TEST_CASE("fixture descriptions give the described architecture") {
    const std::string base = fixturePath("vision-torchvision/resnet_small");
    if (!fs::exists(base + ".json")) SKIP("no vision-torchvision/resnet_small.json");
    const json d = readJson(base + ".json");
    nn::BackboneSpec spec = nn::backboneSpecFromDescription(d);
    CHECK(spec.arch == "resnet");
    CHECK(spec.naming == "torchvision");
    CHECK(spec.config.at("layers") == d.at("layers"));
    CHECK(spec.config.at("stage_planes") == d.at("stage_planes"));
    CHECK(spec.config.at("num_classes") == d.at("num_classes"));
    nn::Backbone model = nn::makeBackbone(spec.arch, spec.config);
    if (d.contains("fc_in_features")) CHECK(model->featureDim() == d.at("fc_in_features").get<int64_t>());
    // every weight of the fixture fits the model built from the description, and nothing is left over
    const io::TensorMap weights = io::readSafetensors(base + ".safetensors").tensors;
    nn::LoadReport report = nn::loadStateDict(*model, weights, /*strict=*/false);
    CHECK_MSG(report.ok(), report.describe());

    nn::BackboneSpec timm = nn::backboneSpecFromDescription(
        json{{"call", "timm.create_model('vit_base_patch16_224', pretrained=False, num_classes=0, global_pool='avg')"}});
    CHECK(timm.arch == "vit");
    CHECK(timm.naming == "timm");
    CHECK(timm.config.at("num_classes") == 0);
    CHECK(timm.config.at("global_pool") == "avg");
    CHECK_THROWS_WITH(nn::backboneSpecFromDescription(json{{"class", "torchvision.models.AlexNet"}}), Error, "AlexNet");
    CHECK_THROWS_WITH(nn::backboneSpecFromDescription(json{{"seed", 1}}), Error, "cannot tell");
}

TEST_CASE("detectNaming tells torchvision from timm") {
    CHECK(nn::detectNaming(nn::stateDict(*nn::makeBackbone("resnet_tiny"))) == "torchvision");
    nn::Backbone vit = nn::makeBackbone("vit", {{"image_size", 32}, {"num_layers", 1}, {"num_heads", 2}, {"hidden_dim", 16}, {"mlp_dim", 32}});
    CHECK(nn::detectNaming(nn::stateDict(*vit)) == "torchvision");
    CHECK(nn::detectNaming(vitToTimm(nn::stateDict(*vit))) == "timm");
    for (const char* name : {"efficientnet_b0"}) {
        const std::string tv = fixturePath(std::string("vision-torchvision/") + name + ".safetensors");
        const std::string tm = fixturePath(std::string("vision-timm/") + name + ".safetensors");
        if (fs::exists(tv)) CHECK(nn::detectNaming(io::readSafetensors(tv).tensors) == "torchvision");
        if (fs::exists(tm)) CHECK(nn::detectNaming(io::readSafetensors(tm).tensors) == "timm");
    }
    io::TensorMap prefixed = nn::addPrefix(nn::stateDict(*vit), "module.");
    CHECK_THROWS_WITH(nn::detectNaming(prefixed), Error, "prefix");
}

// ---------------------------------------------------------------------------------------------
// weights that do not fit

TEST_CASE("missing, unexpected and mis-shaped weights are named") {
    nn::Backbone model = nn::makeBackbone("resnet", {{"block", "bottleneck"},
                                                     {"layers", {1, 1, 1, 1}},
                                                     {"stage_planes", {16, 32, 64, 128}},
                                                     {"num_classes", 10}});
    io::TensorMap good = nn::stateDict(*model);
    for (auto& [k, v] : good) v = v.clone();
    {
        io::TensorMap w = good;
        w.erase("layer1.0.conv2.weight");
        CHECK_THROWS_WITH(nn::loadStateDict(*model, w, true, "resnet"), Error, "layer1.0.conv2.weight");
    }
    {
        io::TensorMap w = good;
        w["fc.weight"] = torch::zeros({11, 512});
        CHECK_THROWS_WITH(nn::loadStateDict(*model, w, true, "resnet"), Error, "fc.weight");
    }
    {
        io::TensorMap w = good;
        w["layer5.0.conv1.weight"] = torch::zeros({1});
        CHECK_THROWS_WITH(nn::loadStateDict(*model, w, true, "resnet"), Error, "layer5.0.conv1.weight");
    }
    // with num_classes 0 there is no classifier: its weights are unexpected
    nn::Backbone headless = nn::makeBackbone("resnet", {{"block", "bottleneck"},
                                                        {"layers", {1, 1, 1, 1}},
                                                        {"stage_planes", {16, 32, 64, 128}},
                                                        {"num_classes", 0}});
    CHECK_THROWS_WITH(nn::loadStateDict(*headless, good, true, "resnet"), Error, "fc.weight");
    // unknown timm names are refused by name
    io::TensorMap timmish = {{"blocks.0.0.conv_dw.weight", torch::zeros({1})}, {"blocks.0.0.weird.weight", torch::zeros({1})}};
    CHECK_THROWS_WITH(nn::timmToTorchvision("efficientnet_b0", timmish), Error, "blocks.0.0.weird.weight");
    CHECK_THROWS_WITH(nn::timmToTorchvision("vit_base_patch16_224", {{"blocks.0.ls1.gamma", torch::zeros({1})}}), Error,
                      "blocks.0.ls1.gamma");
    CHECK_THROWS_WITH(nn::timmToTorchvision("swin_t", {{"absolute_pos_embed", torch::zeros({1})}}), Error,
                      "absolute_pos_embed");
    CHECK_THROWS_WITH(nn::timmToTorchvision("resnet50", {{"conv1.0.weight", torch::zeros({1})}}), Error, "conv1.0.weight");
}

// ---------------------------------------------------------------------------------------------
// timm <-> torchvision for ViT and Swin (no timm fixtures: round trips through timm's layout)

TEST_CASE("timm vit names map onto ours and give the same model") {
    const json cfg = {{"image_size", 32}, {"patch_size", 8}, {"num_layers", 2}, {"num_heads", 2},
                      {"hidden_dim", 16}, {"mlp_dim", 24}, {"num_classes", 5}};
    nn::Backbone a = nn::makeBackbone("vit", cfg);
    randomize(*a);
    io::TensorMap timm = vitToTimm(nn::stateDict(*a));
    CHECK(timm.count("blocks.1.attn.qkv.weight") == 1);
    CHECK(timm.count("cls_token") == 1);
    io::TensorMap back = nn::timmToTorchvision("vit_base_patch16_224", timm);
    CHECK(keysOf(back) == keysOf(nn::stateDict(*a)));
    nn::Backbone b = nn::makeBackbone("vit", cfg);
    nn::loadStateDict(*b, back, true, "vit");
    a->eval();
    b->eval();
    torch::NoGradGuard noGrad;
    torch::Tensor x = torch::randn({2, 3, 32, 32});
    CHECK(torch::equal(a->forwardLogits(x), b->forwardLogits(x)));
    {
        // the fused inference attention (eval, no grad) agrees with the differentiable path
        torch::AutoGradMode withGrad(true);
        torch::Tensor slow = a->forwardLogits(x).detach();
        torch::NoGradGuard inner;
        checkClose(a->forwardLogits(x), slow, "vit fused vs differentiable attention");
    }

    // timm's global_pool='avg' keeps its final norm as fc_norm
    io::TensorMap avg = timm;
    avg["fc_norm.weight"] = avg.at("norm.weight");
    avg["fc_norm.bias"] = avg.at("norm.bias");
    avg.erase("norm.weight");
    avg.erase("norm.bias");
    io::TensorMap avgBack = nn::timmToTorchvision("vit", avg);
    CHECK(keysOf(avgBack) == keysOf(back));
    json avgCfg = cfg;
    avgCfg["global_pool"] = "avg";
    nn::Backbone c = nn::makeBackbone("vit", avgCfg);
    nn::loadStateDict(*c, avgBack, true, "vit");
    c->eval();
    // avg pooling: LayerNorm of the mean of the patch tokens before encoder.ln
    torch::Tensor tokens = c->forwardFeatureMap(x);
    CHECK(tokens.size(1) == 1 + 16);
    torch::Tensor expected = torch::layer_norm(tokens.narrow(1, 1, 16).mean(1), {16}, back.at("encoder.ln.weight"),
                                               back.at("encoder.ln.bias"), 1e-6);
    checkClose(c->forwardFeatures(x), expected, "vit avg pooling");
}

TEST_CASE("timm swin names (both layouts) map onto ours and give the same model") {
    const json cfg = {{"patch_size", 4}, {"embed_dim", 8}, {"depths", {2, 2, 2}}, {"num_heads", {1, 2, 2}},
                      {"window_size", 4}, {"num_classes", 3}, {"stochastic_depth_prob", 0.0}};
    nn::Backbone a = nn::makeBackbone("swin", cfg);
    randomize(*a);
    a->eval();
    torch::NoGradGuard noGrad;
    torch::Tensor x = torch::randn({2, 3, 64, 64});
    torch::Tensor ref = a->forwardLogits(x);
    for (bool newLayout : {true, false}) {
        io::TensorMap timm = swinToTimm(nn::stateDict(*a), newLayout);
        CHECK(timm.count(newLayout ? "layers.1.downsample.reduction.weight" : "layers.0.downsample.reduction.weight") == 1);
        CHECK(timm.count(newLayout ? "head.fc.weight" : "head.weight") == 1);
        io::TensorMap back = nn::timmToTorchvision("swin_tiny_patch4_window7_224", timm);
        CHECK_MSG(keysOf(back) == keysOf(nn::stateDict(*a)), "layout " << (newLayout ? "new" : "old"));
        CHECK(torch::equal(back.at("features.3.1.attn.relative_position_index"),
                           nn::stateDict(*a).at("features.3.1.attn.relative_position_index")));
        nn::Backbone b = nn::makeBackbone("swin", cfg);
        nn::loadStateDict(*b, back, true, "swin");
        b->eval();
        CHECK(torch::equal(b->forwardLogits(x), ref));
    }
}

// ---------------------------------------------------------------------------------------------
// presets and configuration

TEST_CASE("every preset builds and runs a forward at a small input") {
    // parameter counts of torchvision's builders with 1000 classes
    const std::map<std::string, int64_t> torchvisionParams = {
        {"efficientnet_b0", 5288548}, {"resnet18", 11689512}, {"resnet34", 21797672},
        {"resnet50", 25557032},       {"vit_b_16", 86567656}, {"swin_t", 28288354}};
    torch::NoGradGuard noGrad;
    for (const std::string& preset : nn::backbonePresets()) {
        nn::Backbone b = nn::makeBackbone(preset);
        auto it = torchvisionParams.find(preset);
        if (it != torchvisionParams.end())
            CHECK_MSG(parameterCount(b) == it->second, preset << ": " << parameterCount(b) << " parameters");
        b->eval();
        const int64_t side = preset == "resnet_tiny" ? 64 : 96;
        torch::Tensor x = torch::randn({1, 3, side, side});
        torch::Tensor f = b->forwardFeatures(x);
        CHECK_MSG(f.sizes() == torch::IntArrayRef({1, b->featureDim()}), preset << " features " << f.sizes());
        CHECK_MSG(torch::isfinite(f).all().item<bool>(), preset << " features are not finite");
        CHECK(b->forwardLogits(x).size(1) == b->numClasses());
        // configuration round trip
        nn::Backbone again = nn::makeBackbone(b->arch(), b->config());
        CHECK_MSG(again->config() == b->config(), preset);
        CHECK(keysOf(nn::stateDict(*again)) == keysOf(nn::stateDict(*b)));
    }
    nn::Backbone headless = nn::makeBackbone("swin_t", {{"num_classes", 0}});
    for (const auto& [k, v] : nn::stateDict(*headless)) CHECK_MSG(k.rfind("head.", 0) != 0, k);
    CHECK_THROWS_WITH(headless->forwardLogits(torch::randn({1, 3, 64, 64})), Error, "num_classes is 0");
    CHECK(nn::stateDict(*nn::makeBackbone("efficientnet_b0", {{"num_classes", 0}})).count("classifier.1.weight") == 0);
    CHECK(nn::stateDict(*nn::makeBackbone("vit_b_16", {{"num_classes", 0}, {"num_layers", 1}})).count("heads.head.weight") == 0);
    CHECK(nn::stateDict(*nn::makeBackbone("resnet18", {{"num_classes", 0}})).count("fc.weight") == 0);
}

TEST_CASE("torchvision names of the standard variants") {
    io::TensorMap e = nn::stateDict(*nn::makeBackbone("efficientnet_b0"));
    CHECK(e.count("features.1.0.block.1.fc1.weight") && e.count("features.2.0.block.2.fc1.bias"));
    CHECK(e.count("features.8.1.running_var") && e.count("classifier.1.weight") && e.count("features.0.1.num_batches_tracked"));
    CHECK(e.at("features.8.0.weight").sizes() == torch::IntArrayRef({1280, 320, 1, 1}));
    io::TensorMap r = nn::stateDict(*nn::makeBackbone("resnet50"));
    CHECK(r.count("layer1.0.downsample.0.weight") && r.count("layer4.2.bn3.running_mean") && !r.count("layer1.1.downsample.0.weight"));
    CHECK(r.at("layer2.0.conv2.weight").sizes() == torch::IntArrayRef({128, 128, 3, 3}));
    io::TensorMap r18 = nn::stateDict(*nn::makeBackbone("resnet18"));
    CHECK(!r18.count("layer1.0.downsample.0.weight") && r18.count("layer2.0.downsample.1.weight") && !r18.count("layer1.0.conv3.weight"));
    io::TensorMap s = nn::stateDict(*nn::makeBackbone("swin_t"));
    CHECK(s.at("features.1.0.attn.relative_position_bias_table").sizes() == torch::IntArrayRef({169, 3}));
    CHECK(s.at("features.5.5.attn.relative_position_index").sizes() == torch::IntArrayRef({2401}));
    CHECK(s.count("features.6.reduction.weight") && s.count("features.0.2.weight") && s.count("features.7.1.mlp.3.bias"));
    CHECK(!s.count("features.6.reduction.bias"));
}

TEST_CASE("configuration errors are reported by key") {
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", {{"layer", {1, 1, 1, 1}}}), Error, "\"layer\"");
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", {{"block", "bottle"}}), Error, "block");
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", {{"layers", {1, 1}}}), Error, "same length");
    CHECK_THROWS_WITH(nn::makeBackbone("vit", {{"hidden_dim", 30}, {"num_heads", 4}}), Error, "divisible");
    CHECK_THROWS_WITH(nn::makeBackbone("swin", {{"depths", {2, 2}}}), Error, "same length");
    CHECK_THROWS_WITH(nn::makeBackbone("efficientnet", {{"stages", {{6, 3, 3, 16, 24, 2}}}}), Error, "stride");
    CHECK_THROWS_WITH(nn::makeBackbone("densenet121"), Error, "unknown backbone");
    CHECK_THROWS_WITH(nn::makeBackbone("vit", {{"patch_size", "16"}}), Error, "patch_size");
    // a family with a partial config takes the standard variant's values for the rest
    json eff = nn::presetConfig("efficientnet_b0");
    eff["num_classes"] = 3;
    CHECK(nn::makeBackbone("efficientnet", {{"num_classes", 3}})->config() == eff);
    json r50 = nn::presetConfig("resnet50");
    r50["num_classes"] = 0;
    CHECK(nn::makeBackbone("resnet", {{"num_classes", 0}})->config() == r50);
    CHECK(nn::makeBackbone("resnet", json::object())->numClasses() == 1000);
    CHECK(nn::backboneFamily("swin_tiny_patch4_window7_224") == "swin");
    CHECK(nn::backboneFamily("resnet34") == "resnet");
}

TEST_CASE("small custom configurations (narrow EfficientNet, stage-count ResNet)") {
    torch::NoGradGuard noGrad;
    nn::Backbone e = nn::makeBackbone("efficientnet", {{"stages", {{1, 3, 1, 16, 8, 1}, {4, 5, 2, 8, 16, 2}}},
                                                      {"num_classes", 4}});
    e->eval();
    CHECK(e->featureDim() == 64);
    CHECK(e->forwardFeatureMap(torch::randn({2, 3, 32, 32})).sizes() == torch::IntArrayRef({2, 64, 8, 8}));
    CHECK(e->forwardLogits(torch::randn({2, 3, 32, 32})).sizes() == torch::IntArrayRef({2, 4}));
    nn::Backbone r = nn::makeBackbone("resnet", {{"block", "basic"}, {"layers", {1, 2}}, {"stage_planes", {8, 16}},
                                                 {"stem_width", 8}, {"num_classes", 0}});
    r->eval();
    CHECK(r->featureDim() == 16);
    CHECK(r->forwardFeatureMap(torch::randn({1, 3, 64, 64})).sizes() == torch::IntArrayRef({1, 16, 8, 8}));
    // a Swin whose feature maps are smaller than the window and not divisible by it (padding, no shift)
    nn::Backbone s = nn::makeBackbone("swin", {{"embed_dim", 8}, {"depths", {2, 2}}, {"num_heads", {1, 2}}, {"num_classes", 0}});
    s->eval();
    torch::Tensor fm = s->forwardFeatureMap(torch::randn({1, 3, 36, 52}));
    CHECK(fm.sizes() == torch::IntArrayRef({1, 5, 7, 16}));
    CHECK(torch::isfinite(fm).all().item<bool>());
}

TEST_CASE("resnet global_pool flatten: features keep the map's layout") {
    torch::NoGradGuard noGrad;
    torch::manual_seed(11);
    const nlohmann::json config = {{"block", "basic"},  {"layers", {1, 1, 1}}, {"stage_planes", {8, 16, 24}},
                                   {"stem_width", 8},   {"num_classes", 0},    {"image_size", 40},
                                   {"global_pool", "flatten"}};
    nn::Backbone r = nn::makeBackbone("resnet", config);
    r->eval();
    // 40 -> conv1 20 -> max-pool 10 -> layer2 5 -> layer3 3
    CHECK(r->featureDim() == 24 * 3 * 3);
    const torch::Tensor x = torch::randn({2, 3, 40, 40});
    const torch::Tensor map = r->forwardFeatureMap(x), features = r->forwardFeatures(x);
    CHECK(map.sizes() == torch::IntArrayRef({2, 24, 3, 3}));
    CHECK(features.sizes() == torch::IntArrayRef({2, 24 * 3 * 3}));
    CHECK(torch::allclose(features, map.reshape({2, -1})));
    // The same object at another place gives other features (average pooling could not tell).
    torch::Tensor left = torch::zeros({1, 3, 40, 40}), right = torch::zeros({1, 3, 40, 40});
    left.narrow(3, 2, 8).narrow(2, 16, 8).fill_(1.0);
    right.narrow(3, 30, 8).narrow(2, 16, 8).fill_(1.0);
    CHECK((r->forwardFeatures(left) - r->forwardFeatures(right)).abs().max().item<float>() > 1e-3f);
    CHECK(r->config().at("global_pool") == "flatten");
    CHECK(nn::makeBackbone("resnet", r->config())->featureDim() == r->featureDim());
    CHECK_THROWS_WITH(r->forwardFeatures(torch::randn({1, 3, 64, 64})), Error, "40x40 images");
    nlohmann::json small = config;
    small["small_stem"] = true;  // no downsampling in the stem: 40 -> 40 -> 20 -> 10
    CHECK(nn::makeBackbone("resnet", small)->featureDim() == 24 * 10 * 10);
    nlohmann::json bad = config;
    bad["global_pool"] = "max";
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", bad), Error, "global_pool");
}

TEST_CASE("resnet patch stem, coordinate channels and moments pooling") {
    torch::NoGradGuard noGrad;
    torch::manual_seed(12);
    const nlohmann::json config = {{"block", "basic"},  {"layers", {1, 1}},   {"stage_planes", {8, 12}},
                                   {"stem_width", 6},   {"num_classes", 0},    {"image_size", 32},
                                   {"patch_stem", 4},   {"coord_channels", true}, {"global_pool", "moments"}};
    nn::Backbone r = nn::makeBackbone("resnet", config);
    r->eval();
    auto params = r->named_parameters();
    // 4x4 stride-4 patches over RGB + x + y: 32 -> 8 -> layer2 4.
    CHECK(params["conv1.weight"].sizes() == torch::IntArrayRef({6, 5, 4, 4}));
    const torch::Tensor x = torch::randn({2, 3, 32, 32});
    const torch::Tensor map = r->forwardFeatureMap(x), features = r->forwardFeatures(x);
    CHECK(map.sizes() == torch::IntArrayRef({2, 12, 4, 4}));
    CHECK(r->featureDim() == 5 * 12);
    CHECK(features.sizes() == torch::IntArrayRef({2, 5 * 12}));
    // Moments: mean, then means weighted by x, y, x^2, y^2 at the cells' centres (-0.75 .. 0.75).
    const torch::Tensor c = torch::tensor({-0.75f, -0.25f, 0.25f, 0.75f});
    const torch::Tensor xs = c.view({1, 1, 1, 4}), ys = c.view({1, 1, 4, 1});
    const std::vector<torch::Tensor> expected = {map.mean({2, 3}), (map * xs).mean({2, 3}), (map * ys).mean({2, 3}),
                                                 (map * xs * xs).mean({2, 3}), (map * ys * ys).mean({2, 3})};
    for (int k = 0; k < 5; ++k)
        CHECK_MSG(torch::allclose(features.narrow(1, 12 * k, 12), expected[static_cast<std::size_t>(k)], 1e-5, 1e-6),
                  "moment " << k);
    // The same blob on the left and on the right: equal means would be possible, equal x-moments are not.
    torch::Tensor left = torch::zeros({1, 3, 32, 32}), right = torch::zeros({1, 3, 32, 32});
    left.narrow(3, 2, 8).narrow(2, 12, 8).fill_(1.0);
    right.narrow(3, 22, 8).narrow(2, 12, 8).fill_(1.0);
    CHECK((r->forwardFeatures(left) - r->forwardFeatures(right)).narrow(1, 12, 12).abs().max().item<float>() > 1e-3f);
    // With the RGB part of conv1 zeroed only the coordinate channels feed the network: every image
    // gives the same features, and they change when the coordinate weights are zeroed as well.
    params["conv1.weight"].narrow(1, 0, 3).zero_();
    const torch::Tensor only = r->forwardFeatures(torch::randn({2, 3, 32, 32}));
    CHECK(torch::allclose(only[0], only[1]));
    CHECK(torch::allclose(only[0], r->forwardFeatures(torch::randn({1, 3, 32, 32}))[0]));
    params["conv1.weight"].zero_();
    CHECK((r->forwardFeatures(torch::randn({1, 3, 32, 32}))[0] - only[0]).abs().max().item<float>() > 1e-4f);
    // Round trip through the configuration; bad values are refused by key.
    CHECK(r->config().at("patch_stem") == 4);
    CHECK(r->config().at("coord_channels") == true);
    CHECK(nn::makeBackbone("resnet", r->config())->featureDim() == r->featureDim());
    nlohmann::json flat = config;
    flat["global_pool"] = "flatten";
    CHECK(nn::makeBackbone("resnet", flat)->featureDim() == 12 * 4 * 4);
    nlohmann::json bad = config;
    bad["patch_stem"] = -1;
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", bad), Error, "patch_stem");
    bad = config;
    bad["small_stem"] = true;
    CHECK_THROWS_WITH(nn::makeBackbone("resnet", bad), Error, "patch_stem and small_stem");
}

TEST_CASE("channels-last and NCHW agree; narrow strided ResNets train") {
    // With gradients the strided 1x1 convolutions run NCHW, without them channels-last: same values.
    torch::manual_seed(5);
    for (const auto& [arch, config] : std::vector<std::pair<std::string, json>>{
             {"resnet", {{"block", "basic"}, {"layers", {1, 1, 1, 1}}, {"stage_planes", {8, 16, 32, 64}},
                         {"stem_width", 8}, {"small_stem", true}, {"num_classes", 0}}},
             {"efficientnet", {{"stages", {{1, 3, 1, 16, 8, 1}, {4, 5, 2, 8, 16, 2}}}, {"num_classes", 0}}}}) {
        nn::Backbone m = nn::makeBackbone(arch, config);
        m->eval();
        torch::Tensor x = torch::randn({4, 3, 64, 64});
        torch::Tensor withGrad = m->forwardFeatures(x);
        torch::Tensor inference;
        {
            torch::NoGradGuard noGrad;
            inference = m->forwardFeatures(x);
        }
        double diff = (withGrad.detach() - inference).abs().max().item<double>();
        CHECK_MSG(diff < 1e-4, arch << ": layouts differ by " << diff);
    }
    // The shape on which channels-last backward corrupted memory in oneDNN 2.6: a 1x1 stride-2
    // downsampling from 8 channels at 64x64, batch 128. Training must get through it.
    nn::Backbone r = nn::makeBackbone("resnet", {{"block", "basic"}, {"layers", {1, 1}}, {"stage_planes", {8, 16}},
                                                 {"stem_width", 8}, {"small_stem", true}, {"num_classes", 0}});
    r->train();
    for (int step = 0; step < 2; ++step) {
        torch::Tensor loss = r->forwardFeatures(torch::randn({128, 3, 64, 64})).square().mean();
        loss.backward();
        CHECK(torch::isfinite(loss).item<bool>());
    }
    for (const auto& p : r->parameters()) CHECK(p.grad().defined() && torch::isfinite(p.grad()).all().item<bool>());
}

// ---------------------------------------------------------------------------------------------
// ViT position embedding at other input sizes

TEST_CASE("vit resamples its position embedding for other input sizes") {
    torch::NoGradGuard noGrad;
    const json cfg = {{"image_size", 64}, {"patch_size", 16}, {"num_layers", 2}, {"num_heads", 2},
                      {"hidden_dim", 32}, {"mlp_dim", 64}, {"num_classes", 10}};
    nn::Backbone a = nn::makeBackbone("vit", cfg);
    randomize(*a);
    a->eval();
    const torch::Tensor pos = nn::stateDict(*a).at("encoder.pos_embedding");
    CHECK(pos.sizes() == torch::IntArrayRef({1, 17, 32}));
    CHECK(torch::equal(nn::resamplePositionEmbedding(pos, 4, 4), pos));  // same grid: unchanged

    // 96x80 input: grid 6x5, the stored embedding keeps its size, forward interpolates
    torch::Tensor x = torch::randn({2, 3, 96, 80});
    torch::Tensor fm = a->forwardFeatureMap(x);
    CHECK(fm.sizes() == torch::IntArrayRef({2, 31, 32}));
    CHECK(nn::stateDict(*a).at("encoder.pos_embedding").sizes() == torch::IntArrayRef({1, 17, 32}));

    // same as a model built for that grid holding the resampled embedding (square grid 6x6 at 96x96)
    torch::Tensor x96 = torch::randn({2, 3, 96, 96});
    json cfg96 = cfg;
    cfg96["image_size"] = 96;
    nn::Backbone b = nn::makeBackbone("vit", cfg96);
    io::TensorMap w = nn::stateDict(*a);
    w["encoder.pos_embedding"] = nn::resamplePositionEmbedding(pos, 6, 6, "torchvision");
    nn::loadStateDict(*b, w, true, "vit 96");
    b->eval();
    checkClose(a->forwardLogits(x96), b->forwardLogits(x96), "vit at 96 vs resampled model");

    // bicubic with align_corners: the corner positions are kept exactly
    torch::Tensor up = nn::resamplePositionEmbedding(pos, 7, 7, "torchvision");
    CHECK(up.sizes() == torch::IntArrayRef({1, 50, 32}));
    CHECK(torch::allclose(up[0][1], pos[0][1]) && torch::allclose(up[0][49], pos[0][16]));
    CHECK(torch::equal(up[0][0], pos[0][0]));  // the class token is not resampled
    torch::Tensor timmStyle = nn::resamplePositionEmbedding(pos, 7, 7, "timm");
    CHECK(timmStyle.sizes() == up.sizes());
    CHECK(!torch::allclose(timmStyle, up));
    CHECK_THROWS_WITH(nn::resamplePositionEmbedding(pos, 7, 7, "nearest"), Error, "nearest");
}

// ---------------------------------------------------------------------------------------------
// stochastic depth

TEST_CASE("stochastic depth drops whole rows in training only") {
    torch::manual_seed(7);
    torch::Tensor x = torch::ones({2000, 3, 2, 2});
    CHECK(torch::equal(nn::stochasticDepth(x, 0.3, false), x));
    torch::Tensor y = nn::stochasticDepth(x, 0.3, true);
    torch::Tensor rowMin = y.flatten(1).amin(1), rowMax = y.flatten(1).amax(1);
    CHECK(torch::equal(rowMin, rowMax));  // each sample is dropped or kept as a whole
    const double dropped = (rowMax == 0).to(torch::kDouble).mean().item<double>();
    CHECK_MSG(dropped > 0.25 && dropped < 0.35, "dropped fraction " << dropped);
    CHECK(torch::allclose(rowMax.masked_select(rowMax != 0), torch::full({1}, 1.0f / 0.7f)));
    CHECK_THROWS_WITH(nn::stochasticDepth(x, 1.5, true), Error, "stochastic depth");

    // in a model: train mode differs only through stochastic depth (no BatchNorm, no dropout)
    const json cfg = {{"embed_dim", 8}, {"depths", {2, 2}}, {"num_heads", {1, 2}}, {"window_size", 4}, {"num_classes", 0}};
    json withSd = cfg;
    withSd["stochastic_depth_prob"] = 0.5;
    json withoutSd = cfg;
    withoutSd["stochastic_depth_prob"] = 0.0;
    nn::Backbone a = nn::makeBackbone("swin", withSd);
    nn::Backbone b = nn::makeBackbone("swin", withoutSd);
    nn::loadStateDict(*b, nn::stateDict(*a), true, "swin");
    torch::NoGradGuard noGrad;
    torch::Tensor in = torch::randn({8, 3, 32, 32});
    a->eval();
    b->train();
    torch::Tensor ref = a->forwardFeatures(in);
    CHECK(torch::equal(a->forwardFeatures(in), ref));           // eval: deterministic
    CHECK(torch::allclose(b->forwardFeatures(in), ref, 1e-5, 1e-6));  // train without stochastic depth = eval
    a->train();
    bool differs = false;
    for (int i = 0; i < 5 && !differs; ++i) differs = !torch::allclose(a->forwardFeatures(in), ref, 1e-5, 1e-6);
    CHECK(differs);
}

// ---------------------------------------------------------------------------------------------
// the small configuration trains from scratch

TEST_CASE("resnet_tiny learns a simple 64x64 task from scratch") {
    torch::manual_seed(1);
    nn::Backbone model = nn::makeBackbone("resnet_tiny", {{"num_classes", 2}});
    model->train();
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
    // class 0: horizontal stripes, class 1: vertical stripes, random phase, period and noise
    auto batch = [](int64_t n) {
        torch::Tensor labels = torch::randint(0, 2, {n}, torch::kLong);
        torch::Tensor coords = torch::arange(64, torch::kFloat);
        std::vector<torch::Tensor> images;
        for (int64_t i = 0; i < n; ++i) {
            const float period = 4.0f + 8.0f * torch::rand({1}).item<float>();
            const float phase = 6.3f * torch::rand({1}).item<float>();
            torch::Tensor wave = torch::sin(coords * (6.2832f / period) + phase);
            torch::Tensor img = labels[i].item<int64_t>() == 0 ? wave.view({64, 1}).expand({64, 64}) : wave.view({1, 64}).expand({64, 64});
            images.push_back(img.unsqueeze(0).expand({3, 64, 64}) + 0.3 * torch::randn({3, 64, 64}));
        }
        return std::make_pair(torch::stack(images), labels);
    };
    for (int step = 0; step < 40; ++step) {
        auto [x, yTrue] = batch(16);
        torch::Tensor loss = torch::cross_entropy_loss(model->forwardLogits(x), yTrue);
        opt.zero_grad();
        loss.backward();
        opt.step();
    }
    model->eval();
    torch::NoGradGuard noGrad;
    auto [x, yTrue] = batch(64);
    const double accuracy = (model->forwardLogits(x).argmax(1) == yTrue).to(torch::kDouble).mean().item<double>();
    CHECK_MSG(accuracy >= 0.9, "accuracy " << accuracy);
}

LOWCLIP_TEST_MAIN()
