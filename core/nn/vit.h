#pragma once
// Vision Transformer (torchvision 0.14 VisionTransformer semantics and names): conv_proj patch
// embedding, class_token, encoder.pos_embedding, encoder.layers.encoder_layer_i.{ln_1,
// self_attention.{in_proj_weight, in_proj_bias, out_proj}, ln_2, mlp.0, mlp.3}, encoder.ln,
// heads.{pre_logits,head}. Inputs whose patch grid differs from image_size / patch_size get the
// position embedding resampled at forward (the stored one keeps its size).
// Configuration schema: core/nn/backbone.h;
// the family is registered in the .cpp (core/nn/backbone_registry.h).
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "core/nn/backbone.h"

namespace lowclip::nn {

struct VitConfig {
    int64_t imageSize = 224;
    int64_t patchSize = 16;
    int64_t numLayers = 12;
    int64_t numHeads = 12;
    int64_t hiddenDim = 768;
    int64_t mlpDim = 3072;
    double dropout = 0.0;
    double attentionDropout = 0.0;
    double layerNormEps = 1e-6;
    int64_t representationSize = 0;
    std::string globalPool = "token";        // "token" or "avg"
    std::string posEmbedResample = "torchvision";  // "torchvision" or "timm"
    int64_t numClasses = 1000;

    static VitConfig fromJson(const nlohmann::json& json);  // missing keys: vit_b_16 values
    nlohmann::json toJson() const;
};

Backbone makeVit(const VitConfig& config);

// A [1, prefix + gh*gw, D] position embedding (prefix = 1 class token, a square grid of patches)
// resampled bicubically to the grid (newH, newW): mode "torchvision" (align_corners=true) or
// "timm" (antialiased, align_corners=false). Returns the input when the grid is unchanged.
at::Tensor resamplePositionEmbedding(const at::Tensor& posEmbedding, int64_t newH, int64_t newW,
                                     const std::string& mode = "torchvision", int64_t prefixTokens = 1);

// ---- reading checkpoints (core/nn/vit_checkpoint.cpp) ----

// timm vit_base_patch16_224-style names (cls_token, pos_embed, patch_embed.proj, blocks.i.{norm1,
// attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}, norm or fc_norm, head) -> torchvision names.
io::TensorMap vitTimmToTorchvision(const io::TensorMap& timmWeights);

// The ViT configuration (without num_classes) whose parameters have the shapes of torchvision-named
// weights without a classifier; throws lowclip::Error prefixed with `what` naming what it cannot read.
nlohmann::json inferVitConfig(const io::TensorMap& weights, const std::string& what);

// Whether state-dict keys (torchvision or timm names) look like a ViT's.
bool looksLikeVit(const io::TensorMap& weights);

}  // namespace lowclip::nn
