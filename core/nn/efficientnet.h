#pragma once
// EfficientNet (torchvision 0.14 EfficientNet-B* semantics and parameter names):
// features.0 = stem Conv-BN-SiLU, features.1..S = stages of MBConv blocks
// (features.s.b.block.{k} = [expand Conv-BN-SiLU], depthwise Conv-BN-SiLU, SqueezeExcitation
// (fc1, SiLU, fc2, sigmoid), project Conv-BN), features.S+1 = 1x1 Conv-BN-SiLU head,
// classifier.1 = Linear (after Dropout). Configuration schema: core/nn/backbone.h;
// the family is registered in the .cpp (core/nn/backbone_registry.h).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/nn/backbone.h"

namespace lowclip::nn {

struct MBConvStage {
    double expandRatio = 1;
    int64_t kernel = 3;
    int64_t stride = 1;
    int64_t inChannels = 32;   // before width scaling
    int64_t outChannels = 16;  // before width scaling
    int64_t numLayers = 1;     // before depth scaling
};

struct EfficientNetConfig {
    std::vector<MBConvStage> stages;  // empty: the B0 table
    double widthMult = 1.0;
    double depthMult = 1.0;
    int64_t lastChannels = 0;         // 0: 4 x last stage output channels
    double dropout = 0.2;
    double stochasticDepthProb = 0.2;
    double bnEps = 1e-5;
    double bnMomentum = 0.1;
    int64_t numClasses = 1000;
    int64_t imageSize = 224;

    static EfficientNetConfig fromJson(const nlohmann::json& json);  // missing keys: B0 values
    nlohmann::json toJson() const;
};

// The B0 stage table (expand, kernel, stride, in, out, layers), before scaling.
std::vector<MBConvStage> efficientNetB0Stages();
// torchvision's _make_divisible(value, 8).
int64_t makeDivisible(double value, int64_t divisor = 8);

Backbone makeEfficientNet(const EfficientNetConfig& config);

// ---- reading checkpoints (core/nn/efficientnet_checkpoint.cpp) ----

// timm efficientnet_b0-style names (conv_stem, bn1, blocks.s.b.{conv_dw, conv_pw, conv_pwl, bn1..3,
// se.conv_reduce, se.conv_expand}, conv_head, bn2, classifier) -> torchvision names.
io::TensorMap efficientNetTimmToTorchvision(const io::TensorMap& timmWeights);

// The EfficientNet configuration (without num_classes) whose parameters have the shapes of torchvision-named
// weights without a classifier; throws lowclip::Error prefixed with `what` naming what it cannot read.
nlohmann::json inferEfficientNetConfig(const io::TensorMap& weights, const std::string& what);

// Whether state-dict keys (torchvision or timm names) look like a EfficientNet's.
bool looksLikeEfficientNet(const io::TensorMap& weights);

}  // namespace lowclip::nn
