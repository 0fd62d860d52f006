// The image-tower registry: a family registered from this file (and nowhere else) is built, listed,
// named, converted and recognised by backbone.cpp and clip.cpp; the built-in families are present
// in a program that refers to none of their symbols (this file includes no architecture header).
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/nn/backbone.h"
#include "core/nn/backbone_registry.h"
#include "core/nn/clip.h"
#include "core/nn/state_dict.h"
#include "tests/support/testing.h"

using namespace lowclip;
using nlohmann::json;

namespace {

// A toy family: a 1x1 convolution "stem" (width channels), mean-pooled, then an optional classifier "fc".
struct ToyConfig {
    int64_t width = 8;
    int64_t numClasses = 1000;
    int64_t imageSize = 32;

    static ToyConfig fromJson(const json& j) {
        nn::detail::ConfigReader r(j, "toy");
        ToyConfig c;
        c.width = r.getInt("width", c.width);
        c.numClasses = r.getInt("num_classes", c.numClasses);
        c.imageSize = r.getInt("image_size", c.imageSize);
        r.finish();
        nn::detail::require(c.width > 0, "toy", "width must be positive");
        return c;
    }
    json toJson() const { return {{"width", width}, {"num_classes", numClasses}, {"image_size", imageSize}}; }
};

class ToyImpl : public nn::BackboneImpl {
public:
    explicit ToyImpl(const ToyConfig& c) : config_(c) {
        stem = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, c.width, 1)));
        if (c.numClasses > 0) fc = register_module("fc", torch::nn::Linear(c.width, c.numClasses));
    }
    torch::Tensor forwardFeatureMap(const torch::Tensor& images) override { return stem(images); }
    torch::Tensor forwardFeatures(const torch::Tensor& images) override { return forwardFeatureMap(images).mean({2, 3}); }
    torch::Tensor forwardLogits(const torch::Tensor& images) override {
        if (!fc) throw Error("toy backbone has no classifier");
        return fc(forwardFeatures(images));
    }
    int64_t featureDim() const override { return config_.width; }
    int64_t numClasses() const override { return config_.numClasses; }
    std::string arch() const override { return "toy"; }
    json config() const override { return config_.toJson(); }

    torch::nn::Conv2d stem{nullptr};
    torch::nn::Linear fc{nullptr};

private:
    ToyConfig config_;
};

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// timm-style names of the toy: toy_stem.*, toy_head.*
io::TensorMap toyTimmToOurs(const io::TensorMap& timm) {
    io::TensorMap out;
    for (const auto& [k, v] : timm) {
        if (startsWith(k, "toy_stem.")) out["stem." + k.substr(9)] = v;
        else if (startsWith(k, "toy_head.")) out["fc." + k.substr(9)] = v;
        else throw Error("timm toy weights: cannot map " + k);
    }
    return out;
}

io::TensorMap oursToToyTimm(const io::TensorMap& ours) {
    io::TensorMap out;
    for (const auto& [k, v] : ours) out[(startsWith(k, "stem.") ? "toy_stem." + k.substr(5) : "toy_head." + k.substr(3))] = v;
    return out;
}

nn::BackboneFamily toyFamily() {
    nn::BackboneFamily f;
    f.name = "toy";
    f.displayName = "Toy";
    ToyConfig small;
    small.width = 4;
    f.presets = {{"toy_base", ToyConfig{}.toJson(), {}}, {"toy_small", small.toJson(), {"timm_toy_small"}}};
    f.standardPreset = "toy_base";
    f.build = [](const json& c) -> nn::Backbone { return std::make_shared<ToyImpl>(ToyConfig::fromJson(c)); };
    f.completeConfig = [](const json& c) { return ToyConfig::fromJson(c).toJson(); };
    f.classifierPrefixes = {"fc."};
    f.recognises = [](const io::TensorMap& w) { return w.count("stem.weight") > 0 || w.count("toy_stem.weight") > 0; };
    f.timmKeys = R"(toy_stem\.|toy_head\.)";
    f.torchvisionKeys = R"(stem\.)";
    f.timmToTorchvision = toyTimmToOurs;
    f.timmConfig = [](const io::TensorMap&, json& config) { config["image_size"] = 48; };
    f.inferConfig = [](const io::TensorMap& w, const std::string& what) {
        return json{{"width", nn::weightDim(w, "stem.weight", 4, 0, what)}};
    };
    f.referenceClasses = {"ToyNet"};
    return f;
}

[[maybe_unused]] const bool toyRegistered = nn::registerBackboneFamily(toyFamily());

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("the built-in families are registered in a program that refers to none of their files") {
    for (const char* family : {"efficientnet", "resnet", "swin", "vit"}) {
        auto f = nn::findBackboneFamily(family);
        REQUIRE(f != nullptr);
        CHECK(f->build && f->completeConfig && f->timmToTorchvision && f->inferConfig && f->recognises);
        CHECK(!f->classifierPrefixes.empty());
        CHECK(nn::backboneFamily(f->standardPreset) == family);
    }
    const auto presets = nn::backbonePresets();
    for (const char* p : {"efficientnet_b0", "resnet18", "resnet34", "resnet50", "resnet_tiny", "vit_b_16", "swin_t"})
        CHECK_MSG(contains(presets, p), p);
    CHECK(nn::backboneFamily("vit_base_patch16_224") == "vit");
    CHECK(nn::makeBackbone("resnet_tiny", {{"num_classes", 0}})->featureDim() == 128);
}

TEST_CASE("a family registered from a test is listed, named and built") {
    const auto presets = nn::backbonePresets();
    CHECK(contains(presets, "toy_base"));
    CHECK(contains(presets, "toy_small"));
    CHECK(!contains(presets, "timm_toy_small"));  // an alias, not a preset of its own
    CHECK(nn::backboneFamily("toy") == "toy");
    CHECK(nn::backboneFamily("toy_small") == "toy");
    CHECK(nn::backboneFamily("timm_toy_small") == "toy");
    CHECK(nn::presetConfig("timm_toy_small") == nn::presetConfig("toy_small"));
    CHECK(nn::presetConfig("toy_small").at("width") == 4);

    nn::Backbone small = nn::makeBackbone("toy_small", {{"num_classes", 0}});
    CHECK(small->arch() == "toy");
    CHECK(small->featureDim() == 4);
    CHECK(small->forwardFeatures(torch::rand({2, 3, 8, 8})).sizes() == torch::IntArrayRef({2, 4}));
    nn::Backbone family = nn::makeBackbone("toy", {{"width", 5}});
    CHECK(family->featureDim() == 5);
    CHECK(family->numClasses() == 1000);  // the family's standard values fill in the rest
    CHECK(nn::makeBackbone(family->arch(), family->config())->config() == family->config());
    CHECK_THROWS_WITH(nn::makeBackbone("toy", {{"widht", 5}}), Error, "\"widht\"");
    CHECK_THROWS_WITH(nn::makeBackbone("toy_huge"), Error, "toy_small");  // the known names list it
    CHECK_THROWS_WITH(nn::presetConfig("toy"), Error, "unknown backbone preset");
}

TEST_CASE("a registered family's weights are recognised, converted and read") {
    nn::Backbone model = nn::makeBackbone("toy", {{"width", 6}, {"num_classes", 3}});
    const io::TensorMap ours = nn::stateDict(*model);
    CHECK(ours.count("fc.weight") == 1);
    CHECK(nn::guessBackboneFamily(ours) == "toy");
    CHECK(nn::detectNaming(ours) == "torchvision");
    const io::TensorMap timm = oursToToyTimm(ours);
    CHECK(nn::guessBackboneFamily(timm) == "toy");
    CHECK(nn::detectNaming(timm) == "timm");
    CHECK(nn::timmToTorchvision("timm_toy_small", timm).count("stem.weight") == 1);

    const io::TensorMap headless = nn::stripClassifier("toy", ours);
    CHECK(headless.size() == 2);
    CHECK(headless.count("fc.weight") == 0);
    json inferred = nn::inferBackboneConfig("toy", ours);
    CHECK(inferred.at("width") == 6);
    CHECK(inferred.at("num_classes") == 0);

    nn::ImageTowerImport tv = nn::importImageTower(ours, "");
    CHECK(tv.arch == "toy");
    CHECK(tv.naming == "torchvision");
    CHECK(tv.featureDim == 6);
    CHECK(tv.config.at("image_size") == 32);
    CHECK(tv.weights.size() == 2);
    CHECK(tv.weights.at("stem.weight").equal(ours.at("stem.weight")));

    nn::ImageTowerImport fromTimm = nn::importImageTower(timm, "");
    CHECK(fromTimm.arch == "toy");
    CHECK(fromTimm.naming == "timm");
    CHECK(fromTimm.config.at("image_size") == 48);  // the family's timmConfig ran
    CHECK(fromTimm.weights.size() == 2);
    CHECK(fromTimm.weights.at("stem.bias").equal(ours.at("stem.bias")));

    // A preset hint requires the preset's exact shapes.
    CHECK_THROWS_WITH(nn::importImageTower(ours, "toy_small"), Error, "do not fit toy_small");
    // Weights nobody recognises: the message lists every family, the toy too.
    io::TensorMap junk = {{"mystery.weight", torch::zeros({2})}};
    CHECK_THROWS_WITH(nn::importImageTower(junk, ""), Error, "toy_base");
}

TEST_CASE("a registered family reads fixture descriptions") {
    nn::BackboneSpec spec = nn::backboneSpecFromDescription({{"class", "toys.ToyNet"}, {"width", 7}, {"seed", 1}});
    CHECK(spec.arch == "toy");
    CHECK(spec.naming == "torchvision");
    CHECK(spec.config == json({{"width", 7}, {"num_classes", 1000}, {"image_size", 32}}));
    nn::BackboneSpec call = nn::backboneSpecFromDescription({{"call", "timm.create_model('timm_toy_small', num_classes=0)"}});
    CHECK(call.arch == "toy");
    CHECK(call.naming == "timm");
    CHECK(call.config.at("width") == 4);
    CHECK(call.config.at("num_classes") == 0);
    CHECK_THROWS_WITH(nn::backboneSpecFromDescription({{"call", "timm.create_model('toy_small', global_pool='max')"}}),
                      Error, "only avg");
    CHECK_THROWS_WITH(nn::backboneSpecFromDescription({{"class", "x.AlexNet"}}), Error, "ToyNet");
}

TEST_CASE("a dual encoder takes a registered family's preset as its image tower") {
    nn::ClipConfig c;
    c.text.vocabSize = 20;
    c.text.hiddenSize = 8;
    c.text.numLayers = 1;
    c.text.numHeads = 2;
    c.text.intermediateSize = 16;
    c.text.maxPositions = 16;
    c.maxTextLength = 8;
    c.imageArch = "toy_small";
    c.projectionDim = 6;
    c.imageSize = 8;
    nn::DualEncoder model(c);
    model->eval();
    torch::NoGradGuard noGrad;
    CHECK(model->imageEncoder->featureDim() == 4);
    CHECK(model->encodeImages(torch::rand({2, 3, 8, 8})).sizes() == torch::IntArrayRef({2, 6}));
}

TEST_CASE("registration refuses taken names and incomplete families") {
    CHECK_THROWS_WITH(nn::registerBackboneFamily(toyFamily()), Error, "taken");
    nn::BackboneFamily clash = toyFamily();
    clash.name = "toy2";
    CHECK_THROWS_WITH(nn::registerBackboneFamily(clash), Error, "\"toy_base\" is taken");
    nn::BackboneFamily aliasClash = toyFamily();
    aliasClash.name = "toy3";
    aliasClash.presets = {{"toy3_base", ToyConfig{}.toJson(), {"resnet50"}}};
    aliasClash.standardPreset = "toy3_base";
    CHECK_THROWS_WITH(nn::registerBackboneFamily(aliasClash), Error, "\"resnet50\" is taken");
    nn::BackboneFamily noStandard = toyFamily();
    noStandard.name = "toy4";
    noStandard.presets = {{"toy4_base", ToyConfig{}.toJson(), {}}};
    noStandard.standardPreset = "toy4_missing";
    CHECK_THROWS_WITH(nn::registerBackboneFamily(noStandard), Error, "standard preset");
    nn::BackboneFamily noBuilder = toyFamily();
    noBuilder.name = "toy5";
    noBuilder.presets = {{"toy5_base", ToyConfig{}.toJson(), {}}};
    noBuilder.standardPreset = "toy5_base";
    noBuilder.build = nullptr;
    CHECK_THROWS_WITH(nn::registerBackboneFamily(noBuilder), Error, "builder");
    // Nothing of the refused families was kept.
    CHECK(nn::findBackboneFamily("toy2") == nullptr);
    CHECK(nn::findBackboneFamily("toy3") == nullptr);
    CHECK(!nn::findBackbonePreset("toy3_base").family);
    CHECK(nn::backboneFamily("resnet50") == "resnet");
}

LOWCLIP_TEST_MAIN()

TEST_CASE("timm converters: a block number too long for an integer is an unknown key, not a parser error") {
    const std::string huge = "99999999999999999999";  // beyond int64
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"efficientnet_b0", "blocks." + huge + ".0.conv_pw.weight"},
        {"efficientnet_b0", "blocks.0." + huge + ".bn1.weight"},
        {"swin_t", "layers." + huge + ".blocks.0.norm1.weight"},
        {"swin_t", "layers.0.downsample" + huge + ".norm.weight"},
        {"vit_b_16", "blocks." + huge + ".norm1.weight"},
    };
    for (const auto& [arch, key] : cases) {
        io::TensorMap weights;
        weights[key] = torch::zeros({2});
        std::string message;
        try {
            nn::timmToTorchvision(arch, weights);
        } catch (const lowclip::Error& e) {
            message = e.what();
        }
        CHECK_MSG(message.find("cannot map") != std::string::npos, arch << " " << key << ": '" << message << "'");
    }
}
