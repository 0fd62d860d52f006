#include "core/nn/efficientnet.h"

#include <cmath>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/backbone_registry.h"

namespace lowclip::nn {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// configuration

std::vector<MBConvStage> efficientNetB0Stages() {
    return {
        {1, 3, 1, 32, 16, 1}, {6, 3, 2, 16, 24, 2},  {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
    };
}

int64_t makeDivisible(double value, int64_t divisor) {
    const int64_t minValue = divisor;
    int64_t v = std::max(minValue, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
    if (static_cast<double>(v) < 0.9 * value) v += divisor;
    return v;
}

EfficientNetConfig EfficientNetConfig::fromJson(const json& j) {
    detail::ConfigReader r(j, "efficientnet");
    EfficientNetConfig c;
    c.stages = efficientNetB0Stages();
    if (r.has("stages")) {
        const json& stages = r.raw("stages");
        if (!stages.is_array() || stages.empty()) r.fail("stages", "must be a non-empty list of stages");
        c.stages.clear();
        for (const json& s : stages) {
            MBConvStage st;
            if (s.is_array()) {
                if (s.size() != 6 || !std::all_of(s.begin(), s.end(), [](const json& e) { return e.is_number(); }))
                    r.fail("stages", "entries must be [expand_ratio, kernel, stride, in_channels, out_channels, "
                                     "num_layers], got " + s.dump());
                st = {s[0].get<double>(), s[1].get<int64_t>(), s[2].get<int64_t>(),
                      s[3].get<int64_t>(), s[4].get<int64_t>(), s[5].get<int64_t>()};
            } else if (s.is_object()) {
                detail::ConfigReader sr(s, "efficientnet stage");
                st.expandRatio = sr.getDouble("expand_ratio", 1);
                st.kernel = sr.getInt("kernel", 3);
                st.stride = sr.getInt("stride", 1);
                st.inChannels = sr.getInt("in_channels", 0);
                st.outChannels = sr.getInt("out_channels", 0);
                st.numLayers = sr.getInt("num_layers", 1);
                sr.finish();
            } else {
                r.fail("stages", "entries must be objects or arrays, got " + s.dump());
            }
            c.stages.push_back(st);
        }
    } else {
        r.known("stages");
    }
    c.widthMult = r.getDouble("width_mult", c.widthMult);
    c.depthMult = r.getDouble("depth_mult", c.depthMult);
    c.lastChannels = r.getInt("last_channels", c.lastChannels);
    c.dropout = r.getDouble("dropout", c.dropout);
    c.stochasticDepthProb = r.getDouble("stochastic_depth_prob", c.stochasticDepthProb);
    c.bnEps = r.getDouble("bn_eps", c.bnEps);
    c.bnMomentum = r.getDouble("bn_momentum", c.bnMomentum);
    c.numClasses = r.getInt("num_classes", c.numClasses);
    c.imageSize = r.getInt("image_size", c.imageSize);
    r.finish();

    const std::string what = "efficientnet configuration";
    for (size_t i = 0; i < c.stages.size(); ++i) {
        const MBConvStage& s = c.stages[i];
        const std::string at = " (stage " + std::to_string(i) + ")";
        detail::require(s.expandRatio >= 1, what, "expand_ratio must be >= 1" + at);
        detail::require(s.kernel >= 1 && s.kernel % 2 == 1, what, "kernel must be odd" + at);
        detail::require(s.stride == 1 || s.stride == 2, what, "stride must be 1 or 2" + at);
        detail::require(s.inChannels > 0 && s.outChannels > 0, what, "channels must be positive" + at);
        detail::require(s.numLayers > 0, what, "num_layers must be positive" + at);
    }
    detail::require(c.widthMult > 0 && c.depthMult > 0, what, "width_mult and depth_mult must be positive");
    detail::require(c.lastChannels >= 0, what, "last_channels must be >= 0");
    detail::require(c.numClasses >= 0, what, "num_classes must be >= 0");
    detail::require(c.dropout >= 0 && c.dropout < 1, what, "dropout must be in [0, 1)");
    detail::require(c.stochasticDepthProb >= 0 && c.stochasticDepthProb < 1, what,
                    "stochastic_depth_prob must be in [0, 1)");
    detail::require(c.imageSize > 0, what, "image_size must be positive");
    return c;
}

json EfficientNetConfig::toJson() const {
    json stagesJson = json::array();
    for (const MBConvStage& s : stages.empty() ? efficientNetB0Stages() : stages)
        stagesJson.push_back({{"expand_ratio", s.expandRatio},
                              {"kernel", s.kernel},
                              {"stride", s.stride},
                              {"in_channels", s.inChannels},
                              {"out_channels", s.outChannels},
                              {"num_layers", s.numLayers}});
    return {{"stages", stagesJson},           {"width_mult", widthMult},
            {"depth_mult", depthMult},        {"last_channels", lastChannels},
            {"dropout", dropout},             {"stochastic_depth_prob", stochasticDepthProb},
            {"bn_eps", bnEps},                {"bn_momentum", bnMomentum},
            {"num_classes", numClasses},      {"image_size", imageSize}};
}

// ---------------------------------------------------------------------------------------------
// modules

namespace {

namespace tnn = torch::nn;

// A Sequential that can sit inside another Sequential (non-templated forward).
class StageImpl : public tnn::SequentialImpl {
public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(Stage);

// Conv2d (no bias) + BatchNorm2d + optional SiLU: torchvision's Conv2dNormActivation ("0", "1").
class ConvBnActImpl : public tnn::Module {
public:
    ConvBnActImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups, bool act,
                  const EfficientNetConfig& c)
        : act_(act) {
        conv_ = register_module("0", tnn::Conv2d(tnn::Conv2dOptions(in, out, kernel)
                                                     .stride(stride)
                                                     .padding((kernel - 1) / 2)
                                                     .groups(groups)
                                                     .bias(false)));
        bn_ = register_module("1", tnn::BatchNorm2d(tnn::BatchNormOptions(out).eps(c.bnEps).momentum(c.bnMomentum)));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor y = detail::convBatchNorm(x, *conv_, *bn_);
        if (!act_) return y;
        // Under autograd the in-place form would copy y for the backward pass; the new tensor costs less.
        return at::GradMode::is_enabled() ? torch::silu(y) : detail::siluInPlace(y);
    }
    tnn::Conv2d conv_{nullptr};
    tnn::BatchNorm2d bn_{nullptr};

private:
    bool act_;
};
TORCH_MODULE(ConvBnAct);

class SqueezeExcitationImpl : public tnn::Module {
public:
    SqueezeExcitationImpl(int64_t channels, int64_t squeeze) {
        fc1_ = register_module("fc1", tnn::Conv2d(tnn::Conv2dOptions(channels, squeeze, 1)));
        fc2_ = register_module("fc2", tnn::Conv2d(tnn::Conv2dOptions(squeeze, channels, 1)));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor s = x.mean({2, 3}, /*keepdim=*/true);
        if (!at::GradMode::is_enabled() && !x.requires_grad()) {
            // Inference: the 1x1 convolutions of a [N, C, 1, 1] tensor as matrix products, without a
            // convolution primitive's set-up per call (32 of them per EfficientNet-B0 forward).
            const int64_t n = s.size(0), c = s.size(1);
            torch::Tensor h = at::linear(s.view({n, c}), fc1_->weight.flatten(1), fc1_->bias);
            torch::silu_(h);
            h = at::linear(h, fc2_->weight.flatten(1), fc2_->bias);
            h.sigmoid_();
            return torch::Tensor(x).mul_(h.view({n, c, 1, 1}));
        }
        s = torch::sigmoid(fc2_->forward(torch::silu(fc1_->forward(s))));
        return x * s;
    }
    tnn::Conv2d fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(SqueezeExcitation);

class MBConvImpl : public tnn::Module {
public:
    MBConvImpl(int64_t in, int64_t out, double expandRatio, int64_t kernel, int64_t stride, double sdProb,
               const EfficientNetConfig& c)
        : useResidual_(stride == 1 && in == out), sdProb_(sdProb) {
        const int64_t expanded = makeDivisible(static_cast<double>(in) * expandRatio);
        block_ = register_module("block", tnn::Sequential());
        if (expanded != in) block_->push_back(ConvBnAct(in, expanded, 1, 1, 1, true, c));
        block_->push_back(ConvBnAct(expanded, expanded, kernel, stride, expanded, true, c));
        block_->push_back(SqueezeExcitation(expanded, std::max<int64_t>(1, in / 4)));
        block_->push_back(ConvBnAct(expanded, out, 1, 1, 1, false, c));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor y = block_->forward(x);
        if (useResidual_) {
            if (!at::GradMode::is_enabled() && !is_training()) return y.add_(x);  // y is this block's own
            y = stochasticDepth(y, sdProb_, is_training()) + x;
        }
        return y;
    }

private:
    tnn::Sequential block_{nullptr};
    bool useResidual_;
    double sdProb_;
};
TORCH_MODULE(MBConv);

class EfficientNetImpl : public BackboneImpl {
public:
    explicit EfficientNetImpl(const EfficientNetConfig& c) : config_(c) {
        if (config_.stages.empty()) config_.stages = efficientNetB0Stages();
        struct Scaled {
            MBConvStage s;
            int64_t in, out, layers;
        };
        std::vector<Scaled> stages;
        int64_t totalBlocks = 0;
        for (const MBConvStage& s : config_.stages) {
            Scaled sc{s, makeDivisible(static_cast<double>(s.inChannels) * config_.widthMult),
                      makeDivisible(static_cast<double>(s.outChannels) * config_.widthMult),
                      static_cast<int64_t>(std::ceil(static_cast<double>(s.numLayers) * config_.depthMult))};
            totalBlocks += sc.layers;
            stages.push_back(sc);
        }
        features_ = register_module("features", tnn::Sequential());
        features_->push_back(ConvBnAct(3, stages.front().in, 3, 2, 1, true, config_));
        int64_t blockId = 0;
        for (const Scaled& sc : stages) {
            Stage stage;
            for (int64_t b = 0; b < sc.layers; ++b) {
                const double sd = config_.stochasticDepthProb * static_cast<double>(blockId) / static_cast<double>(totalBlocks);
                stage->push_back(MBConv(b == 0 ? sc.in : sc.out, sc.out, sc.s.expandRatio, sc.s.kernel,
                                        b == 0 ? sc.s.stride : 1, sd, config_));
                ++blockId;
            }
            features_->push_back(stage);
        }
        const int64_t lastIn = stages.back().out;
        featureDim_ = config_.lastChannels > 0 ? config_.lastChannels : 4 * lastIn;
        features_->push_back(ConvBnAct(lastIn, featureDim_, 1, 1, 1, true, config_));
        if (config_.numClasses > 0) {
            classifier_ = register_module("classifier", tnn::Sequential());
            classifier_->push_back(tnn::Dropout(tnn::DropoutOptions(config_.dropout)));
            classifier_->push_back(tnn::Linear(featureDim_, config_.numClasses));
        }
        initWeights();
    }

    torch::Tensor forwardFeatureMap(const torch::Tensor& images) override {
        checkInput(images);
        return features_->forward(detail::preferredLayout(images));
    }
    torch::Tensor forwardFeatures(const torch::Tensor& images) override {
        return forwardFeatureMap(images).mean({2, 3});
    }
    torch::Tensor forwardLogits(const torch::Tensor& images) override {
        if (!classifier_) throw Error("efficientnet: forwardLogits needs a classifier, but num_classes is 0");
        return classifier_->forward(forwardFeatures(images));
    }
    int64_t featureDim() const override { return featureDim_; }
    int64_t numClasses() const override { return config_.numClasses; }
    std::string arch() const override { return "efficientnet"; }
    json config() const override { return config_.toJson(); }

private:
    void checkInput(const torch::Tensor& x) const {
        if (x.dim() != 4 || x.size(1) != 3)
            throw Error("efficientnet: expected images [N, 3, H, W], got " + c10::str(x.sizes()));
    }
    void initWeights() {
        torch::NoGradGuard noGrad;
        for (auto& m : modules(/*include_self=*/false)) {
            if (auto* conv = m->as<tnn::Conv2d>()) {
                tnn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
                if (conv->bias.defined()) conv->bias.zero_();
            } else if (auto* bn = m->as<tnn::BatchNorm2d>()) {
                bn->weight.fill_(1.0);
                bn->bias.zero_();
            } else if (auto* lin = m->as<tnn::Linear>()) {
                const double range = 1.0 / std::sqrt(static_cast<double>(lin->weight.size(0)));
                lin->weight.uniform_(-range, range);
                lin->bias.zero_();
            }
        }
    }

    EfficientNetConfig config_;
    tnn::Sequential features_{nullptr};
    tnn::Sequential classifier_{nullptr};
    int64_t featureDim_ = 0;
};

}  // namespace

Backbone makeEfficientNet(const EfficientNetConfig& config) { return std::make_shared<EfficientNetImpl>(config); }


// ---------------------------------------------------------------------------------------------
// the family

namespace {

[[maybe_unused]] const bool registered = registerBackboneFamily([] {
    BackboneFamily f;
    f.name = "efficientnet";
    f.displayName = "EfficientNet";
    f.presets = {{"efficientnet_b0", EfficientNetConfig{}.toJson(), {}}};
    f.standardPreset = "efficientnet_b0";
    f.build = [](const json& c) { return makeEfficientNet(EfficientNetConfig::fromJson(c)); };
    f.completeConfig = [](const json& c) { return EfficientNetConfig::fromJson(c).toJson(); };
    f.classifierPrefixes = {"classifier."};
    f.recognises = looksLikeEfficientNet;
    f.timmKeys = R"(conv_stem\.|blocks\.\d+\.|conv_head\.)";
    f.torchvisionKeys = R"(features\.\d+\.|classifier\.1\.)";
    f.timmToTorchvision = efficientNetTimmToTorchvision;
    f.inferConfig = inferEfficientNetConfig;
    f.referenceClasses = {"EfficientNet"};
    return f;
}());

}  // namespace

}  // namespace lowclip::nn
