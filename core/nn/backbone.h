#pragma once
// Image backbones: EfficientNet, ResNet, ViT and Swin behind one interface, built from a JSON
// configuration, with torchvision's parameter names (so stateDict(model) keys are the keys of a
// torchvision checkpoint) and a rewrite of timm's names to ours.
//
// ---------------------------------------------------------------------------------------------
// makeBackbone(arch, config)
//   arch is a family ("efficientnet", "resnet", "vit", "swin"), a preset ("efficientnet_b0",
//   "resnet18", "resnet34", "resnet50", "vit_b_16", "swin_t"), or a timm model name of a preset
//   ("vit_base_patch16_224", "swin_tiny_patch4_window7_224"; "efficientnet_b0" and "resnet50" are
//   the same in both). One more preset, "resnet_tiny" (BasicBlock [1,1,1,1], planes 16/32/64/128,
//   stem 16, small_stem, zero_init_residual, image_size 64), is meant for training from scratch
//   on 64x64 images on a CPU. For a family, keys missing from `config` take the values of the family's
//   standard variant (efficientnet_b0, resnet50, vit_b_16, swin_t); for a preset, `config` holds
//   overrides (e.g. {"num_classes": 0}). Unknown keys are an error (they are usually typos).
//   Backbone::config() returns the complete configuration of the family, and
//   makeBackbone(b->arch(), b->config()) builds the same architecture again.
//
//   Every family accepts "num_classes" (0: no classifier, no classifier weights; forwardLogits
//   throws) and "image_size" (the input side the model is meant for; only ViT's shapes depend on it).
//
//   "efficientnet" (torchvision EfficientNet-B*, MBConv with SE; BatchNorm eps bn_eps):
//     {"stages": [{"expand_ratio": 1, "kernel": 3, "stride": 1, "in_channels": 32,
//                  "out_channels": 16, "num_layers": 1}, ...]     (before width/depth scaling;
//                  also accepted as arrays [expand_ratio, kernel, stride, in, out, layers];
//                  default: the B0 table),
//      "width_mult": 1.0, "depth_mult": 1.0,   (channels -> make_divisible(c * width_mult, 8),
//                                               layers -> ceil(layers * depth_mult), as torchvision)
//      "last_channels": 0,                     (0: 4 x the last stage's out channels)
//      "dropout": 0.2, "stochastic_depth_prob": 0.2, "bn_eps": 1e-5, "bn_momentum": 0.1,
//      "num_classes": 1000, "image_size": 224}
//     featureDim = last_channels. feature map = features(x) [N, C, h, w].
//
//   "resnet" (torchvision ResNet v1.5: stride on the 3x3 conv):
//     {"block": "bottleneck" | "basic", "layers": [3, 4, 6, 3], "stage_planes": [64, 128, 256, 512],
//      "stem_width": 64, "groups": 1, "width_per_group": 64,
//      "small_stem": false,            (true: conv1 is 3x3 stride 1 and there is no max-pool; for
//                                       inputs of 32-64 pixels trained from scratch)
//      "stem_pool": true,              (false: no max-pool after the 7x7 stride-2 conv1)
//      "patch_stem": 0,                (P > 0: conv1 is PxP stride P over non-overlapping patches,
//                                       no max-pool; cheap and loses no pixel, for small images)
//      "coord_channels": false,        (true: x and y coordinate maps in [-1, 1] join the RGB input,
//                                       so conv1 takes 5 channels and position survives pooling)
//      "global_pool": "avg" | "moments" | "flatten", ("avg": features = mean of the last stage's map
//                                       (torchvision); "moments": 5C features, the map's mean and its
//                                       means weighted by x, y, x^2 and y^2 of the cells' centres in
//                                       [-1, 1], so where each feature fires survives pooling;
//                                       "flatten": the whole map [C, h, w] flattened, so features keep
//                                       where things are; featureDim = C·h·w for image_size inputs,
//                                       the only size such a model takes)
//      "zero_init_residual": false, "bn_eps": 1e-5, "bn_momentum": 0.1,
//      "num_classes": 1000, "image_size": 224}
//     Stages are layer1..layerK (K = layers.size(), stage_planes.size() == K); stage 1 has stride 1,
//     the others 2. featureDim = stage_planes.back() * (4 for bottleneck, 1 for basic) with "avg".
//     feature map = output of the last stage [N, C, h, w].
//
//   "vit" (torchvision VisionTransformer):
//     {"image_size": 224, "patch_size": 16, "num_layers": 12, "num_heads": 12, "hidden_dim": 768,
//      "mlp_dim": 3072, "dropout": 0.0, "attention_dropout": 0.0, "layer_norm_eps": 1e-6,
//      "representation_size": 0,       (0/null: heads.head only; else heads.pre_logits + tanh)
//      "global_pool": "token" | "avg", ("token": features = class token after encoder.ln
//                                       (torchvision); "avg": mean of the patch tokens, then
//                                       encoder.ln (timm's global_pool='avg' with fc_norm))
//      "pos_embed_resample": "torchvision" | "timm",  (inputs whose patch grid differs from
//                                       image_size/patch_size: the stored position embedding is
//                                       resampled bicubically at forward, align_corners=true like
//                                       torchvision's interpolate_embeddings, or antialiased with
//                                       align_corners=false like timm's resample_abs_pos_embed)
//      "num_classes": 1000}
//     featureDim = hidden_dim. feature map = encoder output [N, 1 + patches, hidden_dim] (after
//     encoder.ln with "token" pooling, before it with "avg" pooling, as timm's forward_features).
//
//   "swin" (torchvision SwinTransformer v1):
//     {"patch_size": [4, 4], "embed_dim": 96, "depths": [2, 2, 6, 2], "num_heads": [3, 6, 12, 24],
//      "window_size": [7, 7], "mlp_ratio": 4.0, "dropout": 0.0, "attention_dropout": 0.0,
//      "stochastic_depth_prob": 0.2, "layer_norm_eps": 1e-5, "num_classes": 1000, "image_size": 224}
//     (patch_size / window_size also accept one integer.) featureDim = embed_dim * 2^(stages-1).
//     feature map = norm(features(x)) in NHWC [N, h, w, C].
// ---------------------------------------------------------------------------------------------
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "core/io/formats/safetensors.h"

namespace torch::nn {
class Conv2dImpl;
class BatchNorm2dImpl;
}  // namespace torch::nn

namespace lowclip::nn {

class BackboneImpl : public torch::nn::Module {
public:
    // Pooled features [N, featureDim()] of images [N, 3, H, W] (the classifier removed).
    virtual torch::Tensor forwardFeatures(const torch::Tensor& images) = 0;
    // The unpooled output, as the fixtures' feature_map (see the family notes above).
    virtual torch::Tensor forwardFeatureMap(const torch::Tensor& images) = 0;
    // The full model including the classifier; throws lowclip::Error when numClasses() == 0.
    virtual torch::Tensor forwardLogits(const torch::Tensor& images) = 0;
    virtual int64_t featureDim() const = 0;
    virtual int64_t numClasses() const = 0;
    // The family: "efficientnet", "resnet", "vit" or "swin".
    virtual std::string arch() const = 0;
    // The complete configuration (round-trips through makeBackbone(arch(), config())).
    virtual nlohmann::json config() const = 0;
};
using Backbone = std::shared_ptr<BackboneImpl>;

// Builds a freshly initialised backbone (torchvision's initialisation). See the schema above.
// Throws lowclip::Error for an unknown arch, an unknown key or an impossible value.
Backbone makeBackbone(const std::string& arch, const nlohmann::json& config = nlohmann::json::object());

// The family of `arch` (a family, preset or timm name): "efficientnet", "resnet", "vit", "swin".
// Throws lowclip::Error for anything else.
std::string backboneFamily(const std::string& arch);

// The preset names makeBackbone knows, and the full configuration of one of them.
std::vector<std::string> backbonePresets();
nlohmann::json presetConfig(const std::string& preset);

// What a fixtures-style description json (vision-torchvision/*.json, vision-timm/*.json: the
// reference constructor call and its arguments) describes.
struct BackboneSpec {
    std::string arch;        // a family
    nlohmann::json config;   // the complete makeBackbone config for that family
    std::string naming;      // "torchvision" or "timm": the naming of the matching weight file
};
BackboneSpec backboneSpecFromDescription(const nlohmann::json& description);

// Rewrites timm state-dict names to ours (torchvision's) for `arch` (family, preset or timm name):
// efficientnet_b0-style EfficientNets, ResNets (same names: only checked), vit_base_patch16_224-style
// ViTs (fc_norm -> encoder.ln: build with "global_pool": "avg"), swin_tiny_patch4_window7_224-style
// Swins (both timm layouts: downsample at the start of a stage (0.9) or at the end of the previous
// one (older); relative_position_index is regenerated, attn_mask dropped). Keys it cannot place are
// an error naming them. The per-family functions live beside their architectures.
io::TensorMap timmToTorchvision(const std::string& arch, const io::TensorMap& timmWeights);

// Which naming a backbone state dict uses, by its keys: "torchvision" or "timm". ResNets are named
// identically by both and give "torchvision". Throws lowclip::Error when the keys fit neither.
std::string detectNaming(const io::TensorMap& weights);

// ---- helpers shared by the architecture files ----

// Row-wise stochastic depth (torchvision StochasticDepth(p, "row")): in training, each sample's
// branch is zeroed with probability p and the survivors scaled by 1/(1-p); identity in eval or p == 0.
torch::Tensor stochasticDepth(const torch::Tensor& x, double p, bool training);

namespace detail {

// Reads a config object key by key with defaults; finish() rejects keys nobody read.
class ConfigReader {
public:
    ConfigReader(const nlohmann::json& config, std::string what);
    bool has(const std::string& key) const;
    int64_t getInt(const std::string& key, int64_t fallback);
    double getDouble(const std::string& key, double fallback);
    bool getBool(const std::string& key, bool fallback);
    std::string getString(const std::string& key, const std::string& fallback);
    std::vector<int64_t> getIntList(const std::string& key, const std::vector<int64_t>& fallback);
    // An integer list where one integer n means {n, n} (patch and window sizes).
    std::vector<int64_t> getPair(const std::string& key, const std::vector<int64_t>& fallback);
    const nlohmann::json& raw(const std::string& key);  // the key must be present (see has())
    void known(const std::string& key);                 // accepts `key` without reading it
    void finish() const;
    [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

private:
    const nlohmann::json& config_;
    std::string what_;
    std::vector<std::string> read_;
};

// bn(conv(x)). In eval mode the BatchNorm (running statistics) is folded into the convolution's
// weight and bias, saving a pass over the activations; in training it runs as usual.
torch::Tensor convBatchNorm(const torch::Tensor& x, torch::nn::Conv2dImpl& conv, torch::nn::BatchNorm2dImpl& bn);

// SiLU of y in place, for inference (no autograd): on CPU float32 tensors of one dense block (NCHW or
// channels-last) with the project's AVX2 kernel over LibTorch's threads (core/nn/kernels/activation.h),
// else torch::silu_. Returns y.
torch::Tensor siluInPlace(torch::Tensor y);

// The memory layout convolutional backbones run in: channels-last on the CPU (oneDNN's fast
// convolutions; much faster for depthwise ones, and for training too) unless LOWCLIP_CHANNELS_LAST=0;
// contiguous NCHW on other devices. The values agree within float rounding. convBatchNorm runs the
// one kind of convolution whose channels-last backward is broken in oneDNN 2.6 in NCHW.
torch::Tensor preferredLayout(const torch::Tensor& images);

// Throws lowclip::Error("<what>: <message>") unless `condition`.
void require(bool condition, const std::string& what, const std::string& message);

}  // namespace detail
}  // namespace lowclip::nn
