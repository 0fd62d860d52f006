#pragma once
// Swin Transformer v1 (torchvision 0.14 SwinTransformer semantics and names): features.0 =
// {0: patch Conv2d, 2: LayerNorm} (NHWC after it), features.{1,3,5,..} = stages of
// SwinTransformerBlock (norm1, attn.{qkv, proj, relative_position_bias_table,
// relative_position_index}, norm2, mlp.0, mlp.3), features.{2,4,..} = PatchMerging (norm,
// reduction), then norm and head. Shifted windows with the attention mask; the shift is 0 along a
// side whose (padded) size is <= the window; feature maps not divisible by the window are padded.
// Configuration schema: core/nn/backbone.h;
// the family is registered in the .cpp (core/nn/backbone_registry.h).
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "core/nn/backbone.h"

namespace lowclip::nn {

struct SwinConfig {
    std::vector<int64_t> patchSize = {4, 4};
    int64_t embedDim = 96;
    std::vector<int64_t> depths = {2, 2, 6, 2};
    std::vector<int64_t> numHeads = {3, 6, 12, 24};
    std::vector<int64_t> windowSize = {7, 7};
    double mlpRatio = 4.0;
    double dropout = 0.0;
    double attentionDropout = 0.0;
    double stochasticDepthProb = 0.2;
    double layerNormEps = 1e-5;
    int64_t numClasses = 1000;
    int64_t imageSize = 224;

    static SwinConfig fromJson(const nlohmann::json& json);  // missing keys: swin_t values
    nlohmann::json toJson() const;
};

Backbone makeSwin(const SwinConfig& config);

// torchvision's relative_position_index for a window (wh, ww): [wh*ww*wh*ww] int64.
at::Tensor swinRelativePositionIndex(int64_t windowH, int64_t windowW);

// ---- reading checkpoints (core/nn/swin_checkpoint.cpp) ----

// timm swin_tiny_patch4_window7_224-style names (patch_embed.{proj,norm}, layers.i.blocks.j.{norm1,
// attn.*, norm2, mlp.fc1, mlp.fc2}, layers.i.downsample.{norm,reduction}, norm, head[.fc]) ->
// torchvision names. Both timm layouts are accepted (downsample at the start of stage i, timm >= 0.9,
// or at the end of stage i-1, older); relative_position_index is regenerated from the table size
// (square windows), attn_mask buffers are dropped.
io::TensorMap swinTimmToTorchvision(const io::TensorMap& timmWeights);

// The Swin configuration (without num_classes) whose parameters have the shapes of torchvision-named
// weights without a classifier; throws lowclip::Error prefixed with `what` naming what it cannot read.
nlohmann::json inferSwinConfig(const io::TensorMap& weights, const std::string& what);

// Whether state-dict keys (torchvision or timm names) look like a Swin's.
bool looksLikeSwin(const io::TensorMap& weights);

}  // namespace lowclip::nn
