#pragma once
// ResNet (torchvision 0.14 semantics and names, v1.5: stride on the 3x3 conv): conv1, bn1, (max-pool),
// layer1..layerK of BasicBlock (conv1, bn1, conv2, bn2) or Bottleneck (conv1..3, bn1..3) blocks with
// downsample.{0,1} where the shape changes, then fc. Configuration schema: core/nn/backbone.h;
// the family is registered in the .cpp (core/nn/backbone_registry.h).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/nn/backbone.h"

namespace lowclip::nn {

struct ResNetConfig {
    std::string block = "bottleneck";  // "bottleneck" or "basic"
    std::vector<int64_t> layers = {3, 4, 6, 3};
    std::vector<int64_t> stagePlanes = {64, 128, 256, 512};
    int64_t stemWidth = 64;
    int64_t groups = 1;
    int64_t widthPerGroup = 64;
    bool smallStem = false;   // 3x3 stride-1 stem without max-pool (small images); else torchvision's 7x7/2
    bool stemPool = true;     // the 7x7/2 stem's 3x3/2 max-pool (false: stages start at 1/2 resolution)
    int64_t patchStem = 0;    // > 0: the stem is a PxP stride-P convolution (non-overlapping patches, no
                              // max-pool), so stages start at 1/P resolution with every pixel seen
    bool coordChannels = false;  // two input channels more: x and y in [-1, 1] (where things are
                                 // survives average pooling)
    std::string globalPool = "avg";  // "avg" (torchvision), "moments" (mean, and means weighted by x, y, x^2,
                                     // y^2: 5C features) or "flatten" (the final map's layout)
    bool zeroInitResidual = false;
    double bnEps = 1e-5;
    double bnMomentum = 0.1;
    int64_t numClasses = 1000;
    int64_t imageSize = 224;

    int64_t expansion() const { return block == "bottleneck" ? 4 : 1; }
    // Side of the last stage's feature map for square inputs of `side` pixels.
    int64_t finalSide(int64_t side) const;
    static ResNetConfig fromJson(const nlohmann::json& json);  // missing keys: resnet50 values
    nlohmann::json toJson() const;
};

Backbone makeResNet(const ResNetConfig& config);

// ---- reading checkpoints (core/nn/resnet_checkpoint.cpp) ----

// timm ResNets use torchvision's names (conv1, bn1, layerK.b.convN/bnN, downsample.{0,1}, fc): the
// keys are checked (anything else is an error naming it) and returned unchanged.
io::TensorMap resNetTimmToTorchvision(const io::TensorMap& timmWeights);

// The ResNet configuration (without num_classes) whose parameters have the shapes of torchvision-named
// weights without a classifier; throws lowclip::Error prefixed with `what` naming what it cannot read.
nlohmann::json inferResNetConfig(const io::TensorMap& weights, const std::string& what);

// Whether state-dict keys (torchvision or timm names) look like a ResNet's.
bool looksLikeResNet(const io::TensorMap& weights);

}  // namespace lowclip::nn
