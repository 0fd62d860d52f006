#pragma once
// The LowCLIP dual encoder: a BERT text tower and an image backbone, each followed by a Simple-CLIP
// projection head into one shared space, plus the two contrastive losses (Simple-CLIP's soft-target
// loss and CLIP's InfoNCE with a learnable logit scale).
//
// Module tree (= the weight names of a model bundle's model.safetensors):
//   text_encoder.*      BertModel, Hugging Face names (embeddings.word_embeddings.weight, ...)
//   image_encoder.*     Backbone, torchvision names (conv1.weight, features.0.0.weight, ...)
//   text_projection.*   ProjectionHead: projection, fc, layer_norm
//   image_projection.*  ProjectionHead
//   logit_scale         scalar parameter, log of the InfoNCE multiplier (CLIP's convention)
//
// Simple-CLIP / LowCLIP Python checkpoints (`image_encoder.model.*` timm names, `text_encoder.model.*`)
// are rewritten to this layout by simpleClipToLowclip(); the dimensions of a checkpoint are read from
// its tensor shapes by inferBertConfig() / inferBackboneConfig() / inferClipConfig().
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/io/formats/safetensors.h"
#include "core/nn/backbone.h"
#include "core/nn/bert.h"
#include "core/text/normalization.h"

namespace lowclip::nn {

// Everything needed to build a DualEncoder and to feed it (preprocessing and tokenizer settings).
// JSON layout (toJson/fromJson; the model part of a bundle's lowclip.json):
//   {"text_encoder": {"type": "bert", "config": {Hugging Face BertConfig fields}},
//    "image_encoder": {"arch": "resnet", "config": {makeBackbone config}},
//    "projection": {"dim": 256, "dropout": 0.1},
//    "loss": {"kind": "simpleclip"|"infonce", "temperature": 1.0, "logit_scale_init": 2.6593},
//    "image": {"size": 224, "resize_size": 224, "mean": [..3], "std": [..3], "interpolation": "bilinear"},
//    "tokenizer": {"normalization": "none"|"lower"|"azerbaijani", "max_length": 64}}
// (bundles written before "normalization" say "lowercase": true -> "lower", false -> "none").
// Every key is range-checked; an unknown key in these sections is an error naming its path.
struct ClipConfig {
    BertConfig text;
    std::string imageArch = "efficientnet_b0";                   // makeBackbone arch (family or preset)
    nlohmann::json imageConfig = nlohmann::json::object();       // makeBackbone config; num_classes is forced to 0
    int64_t projectionDim = 256;
    double dropout = 0.1;                                        // inside both projection heads
    std::string loss = "simpleclip";                             // "simpleclip" or "infonce"
    double temperature = 1.0;                                    // simpleclip only
    double logitScaleInit = 2.6592600369327779;                  // log(1/0.07); infonce multiplier = exp(logit_scale)
    int maxTextLength = 64;                                      // tokens incl. [CLS] and [SEP]
    int imageSize = 224;                                         // centre crop side
    int resizeSize = 0;                                          // shorter side before the crop; 0 = imageSize
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    std::string interpolation = "bilinear";
    text::TextNormalization normalization = text::TextNormalization::None;  // the tokenizer's, in training and search

    nlohmann::json toJson() const;
    // Missing fields take the defaults above; wrong types or values throw lowclip::Error naming the field.
    // `file` names the source in messages (lowclip::Error InvalidFile with "path" and "key").
    static ClipConfig fromJson(const nlohmann::json& json, const std::string& file = "");
    // Throws lowclip::Error on impossible values (non-positive sizes, unknown loss, ...).
    void validate() const;
};

// Simple-CLIP's ProjectionHead: projection (Linear) -> GELU (erf) -> fc (Linear) -> dropout
// -> + projected -> layer_norm (LayerNorm, eps 1e-5).
class ProjectionHeadImpl : public torch::nn::Module {
public:
    ProjectionHeadImpl(int64_t embeddingDim, int64_t projectionDim, double dropout);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear projection{nullptr};
    torch::nn::Linear fc{nullptr};
    torch::nn::Dropout dropout{nullptr};
    torch::nn::LayerNorm layerNorm{nullptr};
};
TORCH_MODULE(ProjectionHead);

class DualEncoderImpl : public torch::nn::Module {
public:
    // Fresh (randomly initialised) towers and heads of the configured shapes.
    explicit DualEncoderImpl(const ClipConfig& config);

    // Pooled backbone features [N, featureDim] of preprocessed images [N, 3, H, W].
    torch::Tensor imageFeatures(const torch::Tensor& images);
    // [CLS] row of BERT's last_hidden_state, [N, hidden]; ids/mask [N, L] int64 (token types zero).
    torch::Tensor textFeatures(const torch::Tensor& inputIds, const torch::Tensor& attentionMask);
    // Projected embeddings [N, projectionDim], NOT L2-normalised.
    torch::Tensor encodeImages(const torch::Tensor& images);
    torch::Tensor encodeTexts(const torch::Tensor& inputIds, const torch::Tensor& attentionMask);
    // The configured loss of a batch of matching pairs (row i of each is one pair).
    torch::Tensor loss(const torch::Tensor& imageEmbeddings, const torch::Tensor& textEmbeddings);
    // exp(logit_scale) clamped at 100, as CLIP does.
    torch::Tensor logitScale() const;

    const ClipConfig& config() const { return config_; }

    BertModel textEncoder{nullptr};
    Backbone imageEncoder;
    ProjectionHead textProjection{nullptr};
    ProjectionHead imageProjection{nullptr};
    torch::Tensor logit_scale;

private:
    ClipConfig config_;
};
TORCH_MODULE(DualEncoder);

// ---- losses (I = image embeddings [B, D], T = text embeddings [B, D], row i of each is a pair) ----

struct SimpleClipLossParts {
    torch::Tensor logits;   // T Iᵀ / temperature
    torch::Tensor targets;  // softmax_row((I Iᵀ + T Tᵀ)/2 · temperature)
    torch::Tensor loss;     // scalar
};
// Simple-CLIP's loss exactly as its reference CLIPModel.forward (temperature multiplies inside the
// target softmax). Embeddings are used as given (not normalised).
SimpleClipLossParts simpleClipLossParts(const torch::Tensor& imageEmb, const torch::Tensor& textEmb, double temperature);
torch::Tensor simpleClipLoss(const torch::Tensor& imageEmb, const torch::Tensor& textEmb, double temperature = 1.0);

struct InfoNceLossParts {
    torch::Tensor logitsPerImage;  // scale · Î T̂ᵀ
    torch::Tensor loss;            // (CE(P, arange) + CE(Pᵀ, arange)) / 2
};
// CLIP's symmetric InfoNCE; rows are L2-normalised inside. `logitScale` is the multiplier (exp of the
// parameter), a scalar tensor so that gradients reach a learnable scale.
InfoNceLossParts infoNceLossParts(const torch::Tensor& imageEmb, const torch::Tensor& textEmb, const torch::Tensor& logitScale);
torch::Tensor infoNceLoss(const torch::Tensor& imageEmb, const torch::Tensor& textEmb, const torch::Tensor& logitScale);
torch::Tensor infoNceLoss(const torch::Tensor& imageEmb, const torch::Tensor& textEmb, double logitScale = 1.0 / 0.07);

// ---- reading dimensions from checkpoints ----

// BERT dimensions from Hugging Face-named weights (no prefix): vocabulary, hidden, layers, intermediate,
// positions and token types come from tensor shapes. Attention heads cannot be read from shapes: they
// come from `numHeads` when > 0, else from `hint` (a config.json), else hidden/64 (at least 1).
// A hint whose dimensions contradict the shapes is an error naming the field; eps, dropout and
// activation come from the hint when given.
BertConfig inferBertConfig(const io::TensorMap& bertWeights, const BertConfig* hint = nullptr, int64_t numHeads = 0);

// The backbone family of image weights by their keys, torchvision or timm naming:
// "resnet", "efficientnet", "vit", "swin", or "" when the keys fit none of them.
std::string guessBackboneFamily(const io::TensorMap& imageWeights);

// A makeBackbone(family, config) configuration (num_classes 0) whose parameters have exactly the
// shapes of `torchvisionWeights` (classifier weights, if any, are ignored). Throws lowclip::Error
// naming what could not be determined.
nlohmann::json inferBackboneConfig(const std::string& family, const io::TensorMap& torchvisionWeights);

// Drops classifier/head weights (fc.*, classifier.*, heads.*, head.*) of a torchvision backbone.
io::TensorMap stripClassifier(const std::string& family, const io::TensorMap& torchvisionWeights);

struct ImageTowerImport {
    std::string arch;          // the family ("resnet", "efficientnet", "vit", "swin")
    nlohmann::json config;     // complete makeBackbone config (num_classes 0)
    int64_t featureDim = 0;
    std::string naming;        // naming of the input weights: "torchvision" or "timm"
    io::TensorMap weights;     // torchvision names, classifier removed, exactly the backbone's parameters and buffers
};
// Backbone weights (torchvision or timm names, with or without a classifier) -> architecture,
// configuration and torchvision-named weights. `archHint`: a preset (its exact shapes are required),
// a family (dimensions read from the shapes), or empty (the family is guessed from the keys; an
// error asks for --arch when they are ambiguous). Throws lowclip::Error naming unfit weights.
// `overrides` are merged into the configuration before the check: what shapes cannot tell, e.g. a
// ViT's {"num_heads": 2} (read as hidden/64 otherwise).
ImageTowerImport importImageTower(const io::TensorMap& weights, const std::string& archHint = "",
                                  const nlohmann::json& overrides = nlohmann::json::object());

struct SimpleClipImport {
    ClipConfig config;       // dimensions read from the weights; preprocessing/tokenizer fields at defaults
    io::TensorMap weights;   // in DualEncoder names (logit_scale added from config.logitScaleInit if absent)
};
// Rewrites a Simple-CLIP / LowCLIP state dict (image_encoder.model.* timm or torchvision names,
// text_encoder.model.* Hugging Face BERT, image_projection.*, text_projection.*; a LowCLIP-native
// state dict with image_encoder.*/text_encoder.* is accepted too) to DualEncoder names and reads the
// configuration from the shapes. `bertHint`/`numHeads` as in inferBertConfig; `imageArch` (family or
// preset) when the image tower cannot be recognised from its keys.
SimpleClipImport simpleClipToLowclip(const io::TensorMap& stateDict, const BertConfig* bertHint = nullptr,
                                     int64_t numHeads = 0, const std::string& imageArch = "",
                                     const nlohmann::json& imageOverrides = nlohmann::json::object());

}  // namespace lowclip::nn
