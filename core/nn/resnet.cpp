#include "core/nn/resnet.h"

#include <algorithm>
#include <cctype>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/backbone_registry.h"

namespace lowclip::nn {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// configuration

ResNetConfig ResNetConfig::fromJson(const json& j) {
    detail::ConfigReader r(j, "resnet");
    ResNetConfig c;
    c.block = r.getString("block", c.block);
    if (c.block == "Bottleneck") c.block = "bottleneck";
    if (c.block == "BasicBlock" || c.block == "basicblock") c.block = "basic";
    c.layers = r.getIntList("layers", c.layers);
    c.stagePlanes = r.getIntList("stage_planes", c.stagePlanes);
    c.stemWidth = r.getInt("stem_width", c.stemWidth);
    c.groups = r.getInt("groups", c.groups);
    c.widthPerGroup = r.getInt("width_per_group", c.widthPerGroup);
    c.smallStem = r.getBool("small_stem", c.smallStem);
    c.stemPool = r.getBool("stem_pool", c.stemPool);
    c.patchStem = r.getInt("patch_stem", c.patchStem);
    c.coordChannels = r.getBool("coord_channels", c.coordChannels);
    c.globalPool = r.getString("global_pool", c.globalPool);
    c.zeroInitResidual = r.getBool("zero_init_residual", c.zeroInitResidual);
    c.bnEps = r.getDouble("bn_eps", c.bnEps);
    c.bnMomentum = r.getDouble("bn_momentum", c.bnMomentum);
    c.numClasses = r.getInt("num_classes", c.numClasses);
    c.imageSize = r.getInt("image_size", c.imageSize);
    r.finish();

    const std::string what = "resnet configuration";
    detail::require(c.block == "bottleneck" || c.block == "basic", what,
                    "\"block\" must be \"bottleneck\" or \"basic\", got \"" + c.block + "\"");
    detail::require(!c.layers.empty(), what, "\"layers\" must not be empty");
    detail::require(c.layers.size() == c.stagePlanes.size(), what,
                    "\"layers\" and \"stage_planes\" must have the same length (" + std::to_string(c.layers.size()) +
                        " vs " + std::to_string(c.stagePlanes.size()) + ")");
    for (size_t i = 0; i < c.layers.size(); ++i)
        detail::require(c.layers[i] > 0 && c.stagePlanes[i] > 0, what, "layers and stage_planes must be positive");
    detail::require(c.stemWidth > 0, what, "stem_width must be positive");
    detail::require(c.patchStem >= 0, what, "patch_stem must be >= 0");
    detail::require(c.patchStem == 0 || !c.smallStem, what, "patch_stem and small_stem exclude each other");
    detail::require(c.groups > 0 && c.widthPerGroup > 0, what, "groups and width_per_group must be positive");
    detail::require(c.block == "bottleneck" || (c.groups == 1 && c.widthPerGroup == 64), what,
                    "basic blocks support only groups 1 and width_per_group 64");
    detail::require(c.numClasses >= 0, what, "num_classes must be >= 0");
    detail::require(c.imageSize > 0, what, "image_size must be positive");
    detail::require(c.globalPool == "avg" || c.globalPool == "moments" || c.globalPool == "flatten", what,
                    "\"global_pool\" must be \"avg\", \"moments\" or \"flatten\", got \"" + c.globalPool + "\"");
    return c;
}

int64_t ResNetConfig::finalSide(int64_t side) const {
    auto halve = [](int64_t s) { return (s - 1) / 2 + 1; };  // 3x3/2 pad 1, 7x7/2 pad 3, 1x1/2 pad 0
    if (patchStem > 0) {
        side = side / patchStem;
    } else if (!smallStem) {
        side = halve(side);
        if (stemPool) side = halve(side);
    }
    for (size_t s = 1; s < layers.size(); ++s) side = halve(side);
    return side;
}

json ResNetConfig::toJson() const {
    return {{"block", block},
            {"layers", layers},
            {"stage_planes", stagePlanes},
            {"stem_width", stemWidth},
            {"groups", groups},
            {"width_per_group", widthPerGroup},
            {"small_stem", smallStem},
            {"stem_pool", stemPool},
            {"patch_stem", patchStem},
            {"coord_channels", coordChannels},
            {"global_pool", globalPool},
            {"zero_init_residual", zeroInitResidual},
            {"bn_eps", bnEps},
            {"bn_momentum", bnMomentum},
            {"num_classes", numClasses},
            {"image_size", imageSize}};
}

// ---------------------------------------------------------------------------------------------
// modules

namespace {

namespace tnn = torch::nn;

tnn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups = 1) {
    return tnn::Conv2d(
        tnn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

tnn::BatchNorm2d bn(int64_t channels, const ResNetConfig& c) {
    return tnn::BatchNorm2d(tnn::BatchNormOptions(channels).eps(c.bnEps).momentum(c.bnMomentum));
}

// downsample.{0: 1x1 conv, 1: bn}
class DownsampleImpl : public tnn::Module {
public:
    DownsampleImpl(int64_t in, int64_t out, int64_t stride, const ResNetConfig& c) {
        conv_ = register_module("0", conv(in, out, 1, stride));
        bn_ = register_module("1", bn(out, c));
    }
    torch::Tensor forward(const torch::Tensor& x) { return detail::convBatchNorm(x, *conv_, *bn_); }

private:
    tnn::Conv2d conv_{nullptr};
    tnn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(Downsample);

class BlockImpl : public tnn::Module {
public:
    BlockImpl(int64_t in, int64_t planes, int64_t stride, const ResNetConfig& c) : bottleneck_(c.block == "bottleneck") {
        const int64_t out = planes * c.expansion();
        if (bottleneck_) {
            const int64_t width =
                static_cast<int64_t>(static_cast<double>(planes) * (static_cast<double>(c.widthPerGroup) / 64.0)) * c.groups;
            conv1_ = register_module("conv1", conv(in, width, 1, 1));
            bn1_ = register_module("bn1", bn(width, c));
            conv2_ = register_module("conv2", conv(width, width, 3, stride, c.groups));
            bn2_ = register_module("bn2", bn(width, c));
            conv3_ = register_module("conv3", conv(width, out, 1, 1));
            bn3_ = register_module("bn3", bn(out, c));
        } else {
            conv1_ = register_module("conv1", conv(in, planes, 3, stride));
            bn1_ = register_module("bn1", bn(planes, c));
            conv2_ = register_module("conv2", conv(planes, planes, 3, 1));
            bn2_ = register_module("bn2", bn(planes, c));
        }
        if (stride != 1 || in != out) downsample_ = register_module("downsample", Downsample(in, out, stride, c));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor y = detail::convBatchNorm(x, *conv1_, *bn1_).relu_();
        y = detail::convBatchNorm(y, *conv2_, *bn2_);
        if (bottleneck_) y = detail::convBatchNorm(torch::relu_(y), *conv3_, *bn3_);
        y.add_(downsample_ ? downsample_->forward(x) : x);
        return torch::relu_(y);
    }
    // The BatchNorm closing the residual branch (zero-initialised with zero_init_residual).
    tnn::BatchNorm2d lastBn() const { return bottleneck_ ? bn3_ : bn2_; }

private:
    bool bottleneck_;
    tnn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
    tnn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
    Downsample downsample_{nullptr};
};
TORCH_MODULE(Block);

class ResNetImpl : public BackboneImpl {
public:
    explicit ResNetImpl(const ResNetConfig& c) : config_(c) {
        const int64_t inputs = c.coordChannels ? 5 : 3;
        conv1_ = register_module(
            "conv1", c.patchStem > 0 ? tnn::Conv2d(tnn::Conv2dOptions(inputs, c.stemWidth, c.patchStem).stride(c.patchStem).bias(false))
                     : c.smallStem    ? conv(inputs, c.stemWidth, 3, 1)
                                      : conv(inputs, c.stemWidth, 7, 2));
        bn1_ = register_module("bn1", bn(c.stemWidth, c));
        int64_t in = c.stemWidth;
        for (size_t s = 0; s < c.layers.size(); ++s) {
            tnn::Sequential stage;
            for (int64_t b = 0; b < c.layers[s]; ++b) {
                const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
                Block block(in, c.stagePlanes[s], stride, c);
                blocks_.push_back(block);
                stage->push_back(block);
                in = c.stagePlanes[s] * c.expansion();
            }
            stages_.push_back(register_module("layer" + std::to_string(s + 1), stage));
        }
        featureDim_ = in;
        if (c.globalPool == "moments") featureDim_ = 5 * in;
        if (c.globalPool == "flatten") {
            finalSide_ = c.finalSide(c.imageSize);
            featureDim_ = in * finalSide_ * finalSide_;
        }
        if (c.numClasses > 0) fc_ = register_module("fc", tnn::Linear(featureDim_, c.numClasses));
        initWeights();
    }

    torch::Tensor forwardFeatureMap(const torch::Tensor& images) override {
        if (images.dim() != 4 || images.size(1) != 3)
            throw Error("resnet: expected images [N, 3, H, W], got " + c10::str(images.sizes()));
        torch::Tensor input = images;
        if (config_.coordChannels) {
            const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
            auto opts = images.options();
            auto ys = torch::linspace(-1, 1, h, opts).view({1, 1, h, 1}).expand({n, 1, h, w});
            auto xs = torch::linspace(-1, 1, w, opts).view({1, 1, 1, w}).expand({n, 1, h, w});
            input = torch::cat({images, xs, ys}, 1);
        }
        torch::Tensor x = detail::convBatchNorm(detail::preferredLayout(input), *conv1_, *bn1_).relu_();
        if (!config_.smallStem && config_.stemPool && config_.patchStem == 0) x = torch::max_pool2d(x, 3, 2, 1);
        for (auto& stage : stages_) x = stage->forward(x);
        return x;
    }
    torch::Tensor forwardFeatures(const torch::Tensor& images) override {
        torch::Tensor map = forwardFeatureMap(images);
        if (config_.globalPool == "avg") return map.mean({2, 3});
        if (config_.globalPool == "moments") {
            // Means of the features and of the features times x, y, x^2, y^2 (cell centres in
            // [-1, 1]): where each feature fires, as a few numbers per channel.
            const int64_t h = map.size(2), w = map.size(3);
            auto opts = map.options();
            auto ys = torch::linspace(-1 + 1.0 / h, 1 - 1.0 / h, h, opts).view({1, 1, h, 1});
            auto xs = torch::linspace(-1 + 1.0 / w, 1 - 1.0 / w, w, opts).view({1, 1, 1, w});
            return torch::cat({map.mean({2, 3}), (map * xs).mean({2, 3}), (map * ys).mean({2, 3}),
                               (map * xs * xs).mean({2, 3}), (map * ys * ys).mean({2, 3})},
                              1);
        }
        if (map.size(2) != finalSide_ || map.size(3) != finalSide_)
            throw Error("resnet: with global_pool \"flatten\" the model takes " + std::to_string(config_.imageSize) + "x" +
                        std::to_string(config_.imageSize) + " images (a " + std::to_string(finalSide_) + "x" +
                        std::to_string(finalSide_) + " final map), got " + c10::str(images.sizes()));
        return map.contiguous().flatten(1);
    }
    torch::Tensor forwardLogits(const torch::Tensor& images) override {
        if (!fc_) throw Error("resnet: forwardLogits needs a classifier, but num_classes is 0");
        return fc_->forward(forwardFeatures(images));
    }
    int64_t featureDim() const override { return featureDim_; }
    int64_t numClasses() const override { return config_.numClasses; }
    std::string arch() const override { return "resnet"; }
    json config() const override { return config_.toJson(); }

private:
    void initWeights() {
        torch::NoGradGuard noGrad;
        for (auto& m : modules(/*include_self=*/false)) {
            if (auto* cv = m->as<tnn::Conv2d>()) {
                tnn::init::kaiming_normal_(cv->weight, 0.0, torch::kFanOut, torch::kReLU);
            } else if (auto* b = m->as<tnn::BatchNorm2d>()) {
                b->weight.fill_(1.0);
                b->bias.zero_();
            }
        }
        if (config_.zeroInitResidual)
            for (auto& block : blocks_) block->lastBn()->weight.zero_();
    }

    ResNetConfig config_;
    tnn::Conv2d conv1_{nullptr};
    tnn::BatchNorm2d bn1_{nullptr};
    std::vector<tnn::Sequential> stages_;
    std::vector<Block> blocks_;
    tnn::Linear fc_{nullptr};
    int64_t featureDim_ = 0;
    int64_t finalSide_ = 0;  // with global_pool "flatten"
};

}  // namespace

Backbone makeResNet(const ResNetConfig& config) { return std::make_shared<ResNetImpl>(config); }


// ---------------------------------------------------------------------------------------------
// the family

namespace {

json resNetPreset(const std::vector<int64_t>& layers) {
    ResNetConfig c;
    c.block = "basic";
    c.layers = layers;
    return c.toJson();
}

json resNetTinyPreset() {  // small and fast, for training from scratch on 64x64 images
    ResNetConfig c;
    c.block = "basic";
    c.layers = {1, 1, 1, 1};
    c.stagePlanes = {16, 32, 64, 128};
    c.stemWidth = 16;
    c.smallStem = true;
    c.zeroInitResidual = true;
    c.imageSize = 64;
    return c.toJson();
}

std::string lowerLastComponent(const std::string& dotted) {
    auto pos = dotted.rfind('.');
    std::string s = pos == std::string::npos ? dotted : dotted.substr(pos + 1);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

[[maybe_unused]] const bool registered = registerBackboneFamily([] {
    BackboneFamily f;
    f.name = "resnet";
    f.displayName = "ResNet";
    f.presets = {{"resnet18", resNetPreset({2, 2, 2, 2}), {}},
                 {"resnet34", resNetPreset({3, 4, 6, 3}), {}},
                 {"resnet50", ResNetConfig{}.toJson(), {}},
                 {"resnet_tiny", resNetTinyPreset(), {}}};
    f.standardPreset = "resnet50";
    f.build = [](const json& c) { return makeResNet(ResNetConfig::fromJson(c)); };
    f.completeConfig = [](const json& c) { return ResNetConfig::fromJson(c).toJson(); };
    f.classifierPrefixes = {"fc."};
    f.recognises = looksLikeResNet;
    f.sharedKeys = R"(conv1\.weight$|layer\d+\.\d+\.)";
    f.timmToTorchvision = resNetTimmToTorchvision;
    f.inferConfig = inferResNetConfig;
    f.referenceClasses = {"ResNet"};
    // torchvision.models.resnet.BasicBlock / Bottleneck
    f.readClassArguments = [](const json& d, json& config) {
        if (d.contains("block") && d.at("block").is_string()) {
            const std::string block = lowerLastComponent(d.at("block").get<std::string>());
            config["block"] = block == "basicblock" ? "basic" : block;
        }
    };
    return f;
}());

}  // namespace

}  // namespace lowclip::nn
