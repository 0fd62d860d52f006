#include "core/nn/vit.h"

#include <cmath>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/keyed_random.h"
#include "core/nn/backbone_registry.h"

namespace lowclip::nn {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// configuration

VitConfig VitConfig::fromJson(const json& j) {
    detail::ConfigReader r(j, "vit");
    VitConfig c;
    c.imageSize = r.getInt("image_size", c.imageSize);
    c.patchSize = r.getInt("patch_size", c.patchSize);
    c.numLayers = r.getInt("num_layers", c.numLayers);
    c.numHeads = r.getInt("num_heads", c.numHeads);
    c.hiddenDim = r.getInt("hidden_dim", c.hiddenDim);
    c.mlpDim = r.getInt("mlp_dim", c.mlpDim);
    c.dropout = r.getDouble("dropout", c.dropout);
    c.attentionDropout = r.getDouble("attention_dropout", c.attentionDropout);
    c.layerNormEps = r.getDouble("layer_norm_eps", c.layerNormEps);
    c.representationSize = r.getInt("representation_size", c.representationSize);
    c.globalPool = r.getString("global_pool", c.globalPool);
    c.posEmbedResample = r.getString("pos_embed_resample", c.posEmbedResample);
    c.numClasses = r.getInt("num_classes", c.numClasses);
    r.finish();

    const std::string what = "vit configuration";
    detail::require(c.patchSize > 0 && c.imageSize >= c.patchSize, what,
                    "need 0 < patch_size <= image_size (" + std::to_string(c.patchSize) + ", " +
                        std::to_string(c.imageSize) + ")");
    detail::require(c.numLayers > 0 && c.numHeads > 0 && c.hiddenDim > 0 && c.mlpDim > 0, what,
                    "num_layers, num_heads, hidden_dim and mlp_dim must be positive");
    detail::require(c.hiddenDim % c.numHeads == 0, what,
                    "hidden_dim (" + std::to_string(c.hiddenDim) + ") must be divisible by num_heads (" +
                        std::to_string(c.numHeads) + ")");
    detail::require(c.representationSize >= 0 && c.numClasses >= 0, what,
                    "representation_size and num_classes must be >= 0");
    detail::require(c.globalPool == "token" || c.globalPool == "avg", what,
                    "global_pool must be \"token\" or \"avg\", got \"" + c.globalPool + "\"");
    detail::require(c.posEmbedResample == "torchvision" || c.posEmbedResample == "timm", what,
                    "pos_embed_resample must be \"torchvision\" or \"timm\", got \"" + c.posEmbedResample + "\"");
    detail::require(c.dropout >= 0 && c.dropout < 1 && c.attentionDropout >= 0 && c.attentionDropout < 1, what,
                    "dropout rates must be in [0, 1)");
    return c;
}

json VitConfig::toJson() const {
    return {{"image_size", imageSize},
            {"patch_size", patchSize},
            {"num_layers", numLayers},
            {"num_heads", numHeads},
            {"hidden_dim", hiddenDim},
            {"mlp_dim", mlpDim},
            {"dropout", dropout},
            {"attention_dropout", attentionDropout},
            {"layer_norm_eps", layerNormEps},
            {"representation_size", representationSize},
            {"global_pool", globalPool},
            {"pos_embed_resample", posEmbedResample},
            {"num_classes", numClasses}};
}

// ---------------------------------------------------------------------------------------------
// position embedding resampling

at::Tensor resamplePositionEmbedding(const at::Tensor& pos, int64_t newH, int64_t newW, const std::string& mode,
                                     int64_t prefixTokens) {
    if (pos.dim() != 3 || pos.size(0) != 1 || pos.size(1) <= prefixTokens)
        throw Error("vit: position embedding must be [1, prefix + patches, dim], got " + c10::str(pos.sizes()));
    const int64_t patches = pos.size(1) - prefixTokens;
    const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(patches))));
    if (side * side != patches)
        throw Error("vit: the stored position embedding has " + std::to_string(patches) +
                    " patch positions, not a square grid");
    if (newH <= 0 || newW <= 0) throw Error("vit: cannot resample the position embedding to an empty grid");
    if (side == newH && side == newW) return pos;
    const int64_t dim = pos.size(2);
    at::Tensor prefix = pos.narrow(1, 0, prefixTokens);
    at::Tensor grid = pos.narrow(1, prefixTokens, patches).transpose(1, 2).reshape({1, dim, side, side});
    at::Tensor resized;
    if (mode == "torchvision") {
        resized = torch::upsample_bicubic2d(grid, {newH, newW}, /*align_corners=*/true);
    } else if (mode == "timm") {
        resized = at::_upsample_bicubic2d_aa(grid, {newH, newW}, /*align_corners=*/false);
    } else {
        throw Error("vit: unknown position embedding resampling \"" + mode + "\" (torchvision, timm)");
    }
    resized = resized.reshape({1, dim, newH * newW}).transpose(1, 2);
    return torch::cat({prefix, resized}, 1);
}

// ---------------------------------------------------------------------------------------------
// modules

namespace {

namespace tnn = torch::nn;

// nn.MultiheadAttention(batch_first=True) self-attention: in_proj_weight [3D, D] (q, k, v packed),
// in_proj_bias, out_proj.
class SelfAttentionImpl : public tnn::Module {
public:
    SelfAttentionImpl(int64_t dim, int64_t heads, double attentionDropout) : heads_(heads), dropout_(attentionDropout) {
        inProjWeight_ = register_parameter("in_proj_weight", torch::empty({3 * dim, dim}));
        inProjBias_ = register_parameter("in_proj_bias", torch::zeros({3 * dim}));
        outProj_ = register_module("out_proj", tnn::Linear(dim, dim));
        torch::NoGradGuard noGrad;
        tnn::init::xavier_uniform_(inProjWeight_);
        outProj_->bias.zero_();
    }
    torch::Tensor forward(const torch::Tensor& x) {
        const int64_t n = x.size(0), len = x.size(1), dim = x.size(2), hd = dim / heads_;
        if (!is_training() && !torch::GradMode::is_enabled()) {
            // inference: LibTorch's fused kernel (what nn.MultiheadAttention uses in eval without grad)
            return std::get<0>(at::_native_multi_head_attention(x, x, x, dim, heads_, inProjWeight_, inProjBias_,
                                                                outProj_->weight, outProj_->bias, {},
                                                                /*need_weights=*/false));
        }
        torch::Tensor qkv = torch::linear(x, inProjWeight_, inProjBias_).view({n, len, 3, heads_, hd}).permute({2, 0, 3, 1, 4});
        torch::Tensor q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(hd)));
        torch::Tensor attn = torch::softmax(torch::matmul(q, qkv[1].transpose(-2, -1)), -1);
        if (dropout_ > 0 && is_training()) attn = lowclip::nn::dropout(attn, dropout_, true);
        torch::Tensor out = torch::matmul(attn, qkv[2]).transpose(1, 2).reshape({n, len, dim});
        return outProj_->forward(out);
    }

private:
    int64_t heads_;
    double dropout_;
    torch::Tensor inProjWeight_, inProjBias_;
    tnn::Linear outProj_{nullptr};
};
TORCH_MODULE(SelfAttention);

// Linear (0), GELU, Dropout, Linear (3), Dropout: torchvision's MLP names.
class MlpImpl : public tnn::Module {
public:
    MlpImpl(int64_t in, int64_t hidden, double dropout) : dropout_(dropout) {
        fc1_ = register_module("0", tnn::Linear(in, hidden));
        fc2_ = register_module("3", tnn::Linear(hidden, in));
        torch::NoGradGuard noGrad;
        for (auto* l : {fc1_.get(), fc2_.get()}) {
            tnn::init::xavier_uniform_(l->weight);
            l->bias.normal_(0.0, 1e-6);
        }
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor y = torch::gelu(fc1_->forward(x));
        if (dropout_ > 0) y = lowclip::nn::dropout(y, dropout_, is_training());
        y = fc2_->forward(y);
        if (dropout_ > 0) y = lowclip::nn::dropout(y, dropout_, is_training());
        return y;
    }

private:
    tnn::Linear fc1_{nullptr}, fc2_{nullptr};
    double dropout_;
};
TORCH_MODULE(Mlp);

tnn::LayerNorm layerNorm(int64_t dim, double eps) {
    return tnn::LayerNorm(tnn::LayerNormOptions({dim}).eps(eps));
}

class EncoderBlockImpl : public tnn::Module {
public:
    explicit EncoderBlockImpl(const VitConfig& c) : dropout_(c.dropout) {
        ln1_ = register_module("ln_1", layerNorm(c.hiddenDim, c.layerNormEps));
        attn_ = register_module("self_attention", SelfAttention(c.hiddenDim, c.numHeads, c.attentionDropout));
        ln2_ = register_module("ln_2", layerNorm(c.hiddenDim, c.layerNormEps));
        mlp_ = register_module("mlp", Mlp(c.hiddenDim, c.mlpDim, c.dropout));
    }
    torch::Tensor forward(const torch::Tensor& input) {
        torch::Tensor x = attn_->forward(ln1_->forward(input));
        if (dropout_ > 0) x = lowclip::nn::dropout(x, dropout_, is_training());
        x = x + input;
        return x + mlp_->forward(ln2_->forward(x));
    }

private:
    double dropout_;
    tnn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
    SelfAttention attn_{nullptr};
    Mlp mlp_{nullptr};
};
TORCH_MODULE(EncoderBlock);

// encoder_layer_0, encoder_layer_1, ...
class EncoderLayersImpl : public tnn::Module {
public:
    explicit EncoderLayersImpl(const VitConfig& c) {
        for (int64_t i = 0; i < c.numLayers; ++i)
            blocks_.push_back(register_module("encoder_layer_" + std::to_string(i), EncoderBlock(c)));
    }
    torch::Tensor forward(torch::Tensor x) {
        for (auto& b : blocks_) x = b->forward(x);
        return x;
    }

private:
    std::vector<EncoderBlock> blocks_;
};
TORCH_MODULE(EncoderLayers);

class EncoderImpl : public tnn::Module {
public:
    explicit EncoderImpl(const VitConfig& c) : config_(c) {
        const int64_t grid = c.imageSize / c.patchSize;
        posEmbedding_ = register_parameter("pos_embedding", torch::empty({1, grid * grid + 1, c.hiddenDim}).normal_(0.0, 0.02));
        layers_ = register_module("layers", EncoderLayers(c));
        ln_ = register_module("ln", layerNorm(c.hiddenDim, c.layerNormEps));
    }
    // Tokens [N, 1 + gh*gw, D] -> encoder output before the final LayerNorm.
    torch::Tensor forwardBlocks(const torch::Tensor& tokens, int64_t gh, int64_t gw) {
        torch::Tensor x = tokens + resamplePositionEmbedding(posEmbedding_, gh, gw, config_.posEmbedResample);
        if (config_.dropout > 0) x = lowclip::nn::dropout(x, config_.dropout, is_training());
        return layers_->forward(x);
    }
    tnn::LayerNorm ln() const { return ln_; }

private:
    VitConfig config_;
    torch::Tensor posEmbedding_;
    EncoderLayers layers_{nullptr};
    tnn::LayerNorm ln_{nullptr};
};
TORCH_MODULE(Encoder);

// heads.{pre_logits, head}
class HeadsImpl : public tnn::Module {
public:
    explicit HeadsImpl(const VitConfig& c) {
        int64_t in = c.hiddenDim;
        if (c.representationSize > 0) {
            preLogits_ = register_module("pre_logits", tnn::Linear(in, c.representationSize));
            in = c.representationSize;
            torch::NoGradGuard noGrad;
            tnn::init::normal_(preLogits_->weight, 0.0, std::sqrt(1.0 / static_cast<double>(c.hiddenDim)));
            preLogits_->bias.zero_();
        }
        head_ = register_module("head", tnn::Linear(in, c.numClasses));
        torch::NoGradGuard noGrad;
        head_->weight.zero_();
        head_->bias.zero_();
    }
    torch::Tensor forward(torch::Tensor x) {
        if (preLogits_) x = torch::tanh(preLogits_->forward(x));
        return head_->forward(x);
    }

private:
    tnn::Linear preLogits_{nullptr}, head_{nullptr};
};
TORCH_MODULE(Heads);

class VitImpl : public BackboneImpl {
public:
    explicit VitImpl(const VitConfig& c) : config_(c) {
        convProj_ = register_module(
            "conv_proj", tnn::Conv2d(tnn::Conv2dOptions(3, c.hiddenDim, c.patchSize).stride(c.patchSize)));
        classToken_ = register_parameter("class_token", torch::zeros({1, 1, c.hiddenDim}));
        encoder_ = register_module("encoder", Encoder(c));
        if (c.numClasses > 0) heads_ = register_module("heads", Heads(c));
        torch::NoGradGuard noGrad;
        const double fanIn = 3.0 * static_cast<double>(c.patchSize * c.patchSize);
        tnn::init::normal_(convProj_->weight, 0.0, std::sqrt(1.0 / fanIn));
        convProj_->bias.zero_();
    }

    // Encoder output before encoder.ln: [N, 1 + patches, D].
    torch::Tensor encode(const torch::Tensor& images) {
        if (images.dim() != 4 || images.size(1) != 3)
            throw Error("vit: expected images [N, 3, H, W], got " + c10::str(images.sizes()));
        if (images.size(2) < config_.patchSize || images.size(3) < config_.patchSize)
            throw Error("vit: images of " + std::to_string(images.size(2)) + "x" + std::to_string(images.size(3)) +
                        " are smaller than one " + std::to_string(config_.patchSize) + "-pixel patch");
        torch::Tensor x = convProj_->forward(images);  // [N, D, gh, gw]
        const int64_t n = x.size(0), gh = x.size(2), gw = x.size(3);
        x = x.flatten(2).transpose(1, 2);  // [N, gh*gw, D]
        x = torch::cat({classToken_.expand({n, -1, -1}), x}, 1);
        return encoder_->forwardBlocks(x, gh, gw);
    }
    torch::Tensor forwardFeatureMap(const torch::Tensor& images) override {
        torch::Tensor x = encode(images);
        return config_.globalPool == "token" ? encoder_->ln()->forward(x) : x;
    }
    torch::Tensor forwardFeatures(const torch::Tensor& images) override {
        torch::Tensor x = encode(images);
        if (config_.globalPool == "token") return encoder_->ln()->forward(x.select(1, 0));
        return encoder_->ln()->forward(x.narrow(1, 1, x.size(1) - 1).mean(1));
    }
    torch::Tensor forwardLogits(const torch::Tensor& images) override {
        if (!heads_) throw Error("vit: forwardLogits needs a classifier, but num_classes is 0");
        return heads_->forward(forwardFeatures(images));
    }
    int64_t featureDim() const override { return config_.hiddenDim; }
    int64_t numClasses() const override { return config_.numClasses; }
    std::string arch() const override { return "vit"; }
    json config() const override { return config_.toJson(); }

private:
    VitConfig config_;
    tnn::Conv2d convProj_{nullptr};
    torch::Tensor classToken_;
    Encoder encoder_{nullptr};
    Heads heads_{nullptr};
};

}  // namespace

Backbone makeVit(const VitConfig& config) { return std::make_shared<VitImpl>(config); }


// ---------------------------------------------------------------------------------------------
// the family

namespace {

[[maybe_unused]] const bool registered = registerBackboneFamily([] {
    BackboneFamily f;
    f.name = "vit";
    f.displayName = "ViT";
    f.presets = {{"vit_b_16", VitConfig{}.toJson(), {"vit_base_patch16_224"}}};
    f.standardPreset = "vit_b_16";
    f.build = [](const json& c) { return makeVit(VitConfig::fromJson(c)); };
    f.completeConfig = [](const json& c) { return VitConfig::fromJson(c).toJson(); };
    f.classifierPrefixes = {"heads."};
    f.recognises = looksLikeVit;
    f.timmKeys = R"(blocks\.\d+\.|patch_embed\.|cls_token$|pos_embed$|fc_norm\.)";
    f.torchvisionKeys = R"(conv_proj\.|class_token$|encoder\.(layers\.|pos_embedding$|ln\.)|heads\.)";
    f.timmToTorchvision = vitTimmToTorchvision;
    // timm's global_pool='avg' models carry fc_norm (mapped to encoder.ln) and pool the patch tokens.
    f.timmConfig = [](const io::TensorMap& timm, json& config) {
        if (timm.count("fc_norm.weight")) config["global_pool"] = "avg";
        config["pos_embed_resample"] = "timm";
    };
    f.inferConfig = inferVitConfig;
    f.referenceClasses = {"VisionTransformer"};
    f.globalPools = {"token", "avg"};
    return f;
}());

}  // namespace

}  // namespace lowclip::nn
