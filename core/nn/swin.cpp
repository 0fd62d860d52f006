#include "core/nn/swin.h"

#include <cmath>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/keyed_random.h"
#include "core/nn/backbone_registry.h"

namespace lowclip::nn {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// configuration

SwinConfig SwinConfig::fromJson(const json& j) {
    detail::ConfigReader r(j, "swin");
    SwinConfig c;
    c.patchSize = r.getPair("patch_size", c.patchSize);
    c.embedDim = r.getInt("embed_dim", c.embedDim);
    c.depths = r.getIntList("depths", c.depths);
    c.numHeads = r.getIntList("num_heads", c.numHeads);
    c.windowSize = r.getPair("window_size", c.windowSize);
    c.mlpRatio = r.getDouble("mlp_ratio", c.mlpRatio);
    c.dropout = r.getDouble("dropout", c.dropout);
    c.attentionDropout = r.getDouble("attention_dropout", c.attentionDropout);
    c.stochasticDepthProb = r.getDouble("stochastic_depth_prob", c.stochasticDepthProb);
    c.layerNormEps = r.getDouble("layer_norm_eps", c.layerNormEps);
    c.numClasses = r.getInt("num_classes", c.numClasses);
    c.imageSize = r.getInt("image_size", c.imageSize);
    r.finish();

    const std::string what = "swin configuration";
    detail::require(c.patchSize[0] > 0 && c.patchSize[1] > 0, what, "patch_size must be positive");
    detail::require(c.windowSize[0] > 0 && c.windowSize[1] > 0, what, "window_size must be positive");
    detail::require(c.embedDim > 0, what, "embed_dim must be positive");
    detail::require(!c.depths.empty() && c.depths.size() == c.numHeads.size(), what,
                    "depths and num_heads must be non-empty lists of the same length");
    for (size_t i = 0; i < c.depths.size(); ++i) {
        const int64_t dim = c.embedDim << i;
        detail::require(c.depths[i] > 0 && c.numHeads[i] > 0, what, "depths and num_heads must be positive");
        detail::require(dim % c.numHeads[i] == 0, what,
                        "stage " + std::to_string(i) + " width " + std::to_string(dim) +
                            " is not divisible by its num_heads " + std::to_string(c.numHeads[i]));
    }
    detail::require(c.mlpRatio > 0, what, "mlp_ratio must be positive");
    detail::require(c.stochasticDepthProb >= 0 && c.stochasticDepthProb < 1, what,
                    "stochastic_depth_prob must be in [0, 1)");
    detail::require(c.dropout >= 0 && c.dropout < 1 && c.attentionDropout >= 0 && c.attentionDropout < 1, what,
                    "dropout rates must be in [0, 1)");
    detail::require(c.numClasses >= 0, what, "num_classes must be >= 0");
    detail::require(c.imageSize > 0, what, "image_size must be positive");
    return c;
}

json SwinConfig::toJson() const {
    return {{"patch_size", patchSize},
            {"embed_dim", embedDim},
            {"depths", depths},
            {"num_heads", numHeads},
            {"window_size", windowSize},
            {"mlp_ratio", mlpRatio},
            {"dropout", dropout},
            {"attention_dropout", attentionDropout},
            {"stochastic_depth_prob", stochasticDepthProb},
            {"layer_norm_eps", layerNormEps},
            {"num_classes", numClasses},
            {"image_size", imageSize}};
}

at::Tensor swinRelativePositionIndex(int64_t wh, int64_t ww) {
    const int64_t n = wh * ww;
    at::Tensor index = torch::empty({n * n}, torch::kLong);
    auto* p = index.data_ptr<int64_t>();
    for (int64_t a = 0; a < n; ++a)
        for (int64_t b = 0; b < n; ++b) {
            const int64_t dh = a / ww - b / ww + (wh - 1);
            const int64_t dw = a % ww - b % ww + (ww - 1);
            p[a * n + b] = dh * (2 * ww - 1) + dw;
        }
    return index;
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

tnn::LayerNorm layerNorm(int64_t dim, double eps) {
    return tnn::LayerNorm(tnn::LayerNormOptions({dim}).eps(eps));
}

// Python slice bounds: negative counts from the end, then clamped to [0, n].
int64_t sliceBound(int64_t index, int64_t n) {
    if (index < 0) index += n;
    return std::min(std::max<int64_t>(index, 0), n);
}

// torchvision's shifted-window attention mask for a padded map (ph, pw): [windows, N, N] of 0 / -100.
torch::Tensor shiftedWindowMask(int64_t ph, int64_t pw, int64_t wh, int64_t ww, int64_t sh, int64_t sw) {
    torch::Tensor region = torch::zeros({ph, pw});
    auto* r = region.data_ptr<float>();
    // (start, stop) as in Python: (0, -window), (-window, -shift), (-shift, None)
    const int64_t hs[3][2] = {{0, sliceBound(-wh, ph)}, {sliceBound(-wh, ph), sliceBound(-sh, ph)}, {sliceBound(-sh, ph), ph}};
    const int64_t ws[3][2] = {{0, sliceBound(-ww, pw)}, {sliceBound(-ww, pw), sliceBound(-sw, pw)}, {sliceBound(-sw, pw), pw}};
    float count = 0;
    for (const auto& h : hs)
        for (const auto& w : ws) {
            for (int64_t y = h[0]; y < h[1]; ++y)
                for (int64_t x = w[0]; x < w[1]; ++x) r[y * pw + x] = count;
            count += 1;
        }
    const int64_t windows = (ph / wh) * (pw / ww);
    region = region.view({ph / wh, wh, pw / ww, ww}).permute({0, 2, 1, 3}).reshape({windows, wh * ww});
    torch::Tensor diff = region.unsqueeze(1) - region.unsqueeze(2);
    return torch::where(diff != 0, torch::full({}, -100.0f), torch::zeros({}));
}

class ShiftedWindowAttentionImpl : public tnn::Module {
public:
    ShiftedWindowAttentionImpl(int64_t dim, int64_t heads, std::vector<int64_t> window, std::vector<int64_t> shift,
                               const SwinConfig& c)
        : heads_(heads), window_(std::move(window)), shift_(std::move(shift)), attnDropout_(c.attentionDropout),
          dropout_(c.dropout) {
        qkv_ = register_module("qkv", tnn::Linear(dim, 3 * dim));
        proj_ = register_module("proj", tnn::Linear(dim, dim));
        table_ = register_parameter("relative_position_bias_table",
                                    torch::zeros({(2 * window_[0] - 1) * (2 * window_[1] - 1), heads}));
        index_ = register_buffer("relative_position_index", swinRelativePositionIndex(window_[0], window_[1]));
        torch::NoGradGuard noGrad;
        tnn::init::normal_(table_, 0.0, 0.02);
    }

    // x: [B, H, W, C] -> [B, H, W, C]
    torch::Tensor forward(const torch::Tensor& input) {
        const int64_t b = input.size(0), h = input.size(1), w = input.size(2), c = input.size(3);
        const int64_t wh = window_[0], ww = window_[1];
        const int64_t padR = (ww - w % ww) % ww, padB = (wh - h % wh) % wh;
        torch::Tensor x = (padR || padB) ? torch::constant_pad_nd(input, {0, 0, 0, padR, 0, padB}) : input;
        const int64_t ph = h + padB, pw = w + padR;
        const int64_t sh = wh >= ph ? 0 : shift_[0];
        const int64_t sw = ww >= pw ? 0 : shift_[1];
        const bool shifted = sh + sw > 0;
        if (shifted) x = torch::roll(x, {-sh, -sw}, {1, 2});

        const int64_t windows = (ph / wh) * (pw / ww), n = wh * ww, hd = c / heads_;
        x = x.view({b, ph / wh, wh, pw / ww, ww, c}).permute({0, 1, 3, 2, 4, 5}).reshape({b * windows, n, c});
        torch::Tensor qkv = qkv_->forward(x).reshape({b * windows, n, 3, heads_, hd}).permute({2, 0, 3, 1, 4});
        torch::Tensor q = qkv[0] * std::pow(static_cast<double>(hd), -0.5);
        torch::Tensor attn = torch::matmul(q, qkv[1].transpose(-2, -1));
        torch::Tensor bias = table_.index_select(0, index_).view({n, n, heads_}).permute({2, 0, 1}).unsqueeze(0);
        attn = attn + bias;
        if (shifted) {
            torch::Tensor mask = maskFor(ph, pw, sh, sw, attn.device(), attn.scalar_type());
            attn = attn.view({b, windows, heads_, n, n}) + mask.unsqueeze(1).unsqueeze(0);
            attn = attn.view({b * windows, heads_, n, n});
        }
        attn = torch::softmax(attn, -1);
        if (attnDropout_ > 0 && is_training()) attn = lowclip::nn::dropout(attn, attnDropout_, true);
        x = torch::matmul(attn, qkv[2]).transpose(1, 2).reshape({b * windows, n, c});
        x = proj_->forward(x);
        if (dropout_ > 0 && is_training()) x = lowclip::nn::dropout(x, dropout_, true);

        x = x.view({b, ph / wh, pw / ww, wh, ww, c}).permute({0, 1, 3, 2, 4, 5}).reshape({b, ph, pw, c});
        if (shifted) x = torch::roll(x, {sh, sw}, {1, 2});
        if (padR || padB) x = x.narrow(1, 0, h).narrow(2, 0, w);
        return x.contiguous();
    }

private:
    torch::Tensor maskFor(int64_t ph, int64_t pw, int64_t sh, int64_t sw, const c10::Device& device, c10::ScalarType type) {
        if (!mask_.defined() || maskKey_ != std::vector<int64_t>{ph, pw, sh, sw} || mask_.device() != device ||
            mask_.scalar_type() != type) {
            mask_ = shiftedWindowMask(ph, pw, window_[0], window_[1], sh, sw).to(device, type);
            maskKey_ = {ph, pw, sh, sw};
        }
        return mask_;
    }

    int64_t heads_;
    std::vector<int64_t> window_, shift_;
    double attnDropout_, dropout_;
    tnn::Linear qkv_{nullptr}, proj_{nullptr};
    torch::Tensor table_, index_;
    torch::Tensor mask_;
    std::vector<int64_t> maskKey_;
};
TORCH_MODULE(ShiftedWindowAttention);

// Linear (0), GELU, Dropout, Linear (3), Dropout: torchvision's MLP names.
class MlpImpl : public tnn::Module {
public:
    MlpImpl(int64_t in, int64_t hidden, double dropout) : dropout_(dropout) {
        fc1_ = register_module("0", tnn::Linear(in, hidden));
        fc2_ = register_module("3", tnn::Linear(hidden, in));
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

class SwinBlockImpl : public tnn::Module {
public:
    SwinBlockImpl(int64_t dim, int64_t heads, std::vector<int64_t> shift, double sdProb, const SwinConfig& c)
        : sdProb_(sdProb) {
        norm1_ = register_module("norm1", layerNorm(dim, c.layerNormEps));
        attn_ = register_module("attn", ShiftedWindowAttention(dim, heads, c.windowSize, std::move(shift), c));
        norm2_ = register_module("norm2", layerNorm(dim, c.layerNormEps));
        mlp_ = register_module("mlp", Mlp(dim, static_cast<int64_t>(static_cast<double>(dim) * c.mlpRatio), c.dropout));
    }
    torch::Tensor forward(torch::Tensor x) {
        x = x + stochasticDepth(attn_->forward(norm1_->forward(x)), sdProb_, is_training());
        x = x + stochasticDepth(mlp_->forward(norm2_->forward(x)), sdProb_, is_training());
        return x;
    }

private:
    double sdProb_;
    tnn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
    ShiftedWindowAttention attn_{nullptr};
    Mlp mlp_{nullptr};
};
TORCH_MODULE(SwinBlock);

// features.0: {0: Conv2d patchify, 1: permute to NHWC (no parameters), 2: LayerNorm}
class PatchEmbedImpl : public tnn::Module {
public:
    explicit PatchEmbedImpl(const SwinConfig& c) {
        conv_ = register_module("0", tnn::Conv2d(tnn::Conv2dOptions(3, c.embedDim, {c.patchSize[0], c.patchSize[1]})
                                                     .stride({c.patchSize[0], c.patchSize[1]})));
        norm_ = register_module("2", layerNorm(c.embedDim, c.layerNormEps));
    }
    torch::Tensor forward(const torch::Tensor& x) { return norm_->forward(conv_->forward(x).permute({0, 2, 3, 1})); }

private:
    tnn::Conv2d conv_{nullptr};
    tnn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchEmbed);

class PatchMergingImpl : public tnn::Module {
public:
    PatchMergingImpl(int64_t dim, const SwinConfig& c) {
        reduction_ = register_module("reduction", tnn::Linear(tnn::LinearOptions(4 * dim, 2 * dim).bias(false)));
        norm_ = register_module("norm", layerNorm(4 * dim, c.layerNormEps));
    }
    torch::Tensor forward(torch::Tensor x) {  // [..., H, W, C]
        const int64_t h = x.size(-3), w = x.size(-2);
        if (h % 2 || w % 2) x = torch::constant_pad_nd(x, {0, 0, 0, w % 2, 0, h % 2});
        using torch::indexing::Slice;
        using torch::indexing::Ellipsis;
        torch::Tensor x0 = x.index({Ellipsis, Slice(0, torch::indexing::None, 2), Slice(0, torch::indexing::None, 2), Slice()});
        torch::Tensor x1 = x.index({Ellipsis, Slice(1, torch::indexing::None, 2), Slice(0, torch::indexing::None, 2), Slice()});
        torch::Tensor x2 = x.index({Ellipsis, Slice(0, torch::indexing::None, 2), Slice(1, torch::indexing::None, 2), Slice()});
        torch::Tensor x3 = x.index({Ellipsis, Slice(1, torch::indexing::None, 2), Slice(1, torch::indexing::None, 2), Slice()});
        return reduction_->forward(norm_->forward(torch::cat({x0, x1, x2, x3}, -1)));
    }

private:
    tnn::Linear reduction_{nullptr};
    tnn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchMerging);

class SwinImpl : public BackboneImpl {
public:
    explicit SwinImpl(const SwinConfig& c) : config_(c) {
        features_ = register_module("features", tnn::Sequential());
        features_->push_back(PatchEmbed(c));
        int64_t total = 0;
        for (int64_t d : c.depths) total += d;
        int64_t blockId = 0;
        for (size_t s = 0; s < c.depths.size(); ++s) {
            const int64_t dim = c.embedDim << s;
            Stage stage;
            for (int64_t i = 0; i < c.depths[s]; ++i) {
                const double sd =
                    total > 1 ? c.stochasticDepthProb * static_cast<double>(blockId) / static_cast<double>(total - 1) : 0.0;
                std::vector<int64_t> shift = {i % 2 ? c.windowSize[0] / 2 : 0, i % 2 ? c.windowSize[1] / 2 : 0};
                stage->push_back(SwinBlock(dim, c.numHeads[s], shift, sd, c));
                ++blockId;
            }
            features_->push_back(stage);
            if (s + 1 < c.depths.size()) features_->push_back(PatchMerging(dim, c));
        }
        featureDim_ = c.embedDim << (c.depths.size() - 1);
        norm_ = register_module("norm", layerNorm(featureDim_, c.layerNormEps));
        if (c.numClasses > 0) head_ = register_module("head", tnn::Linear(featureDim_, c.numClasses));
        torch::NoGradGuard noGrad;
        for (auto& m : modules(/*include_self=*/false))
            if (auto* lin = m->as<tnn::Linear>()) {
                tnn::init::normal_(lin->weight, 0.0, 0.02);
                if (lin->bias.defined()) lin->bias.zero_();
            }
    }

    torch::Tensor forwardFeatureMap(const torch::Tensor& images) override {
        if (images.dim() != 4 || images.size(1) != 3)
            throw Error("swin: expected images [N, 3, H, W], got " + c10::str(images.sizes()));
        if (images.size(2) < config_.patchSize[0] || images.size(3) < config_.patchSize[1])
            throw Error("swin: images of " + std::to_string(images.size(2)) + "x" + std::to_string(images.size(3)) +
                        " are smaller than one patch");
        return norm_->forward(features_->forward(images));
    }
    torch::Tensor forwardFeatures(const torch::Tensor& images) override {
        return forwardFeatureMap(images).mean({1, 2});
    }
    torch::Tensor forwardLogits(const torch::Tensor& images) override {
        if (!head_) throw Error("swin: forwardLogits needs a classifier, but num_classes is 0");
        return head_->forward(forwardFeatures(images));
    }
    int64_t featureDim() const override { return featureDim_; }
    int64_t numClasses() const override { return config_.numClasses; }
    std::string arch() const override { return "swin"; }
    json config() const override { return config_.toJson(); }

private:
    SwinConfig config_;
    tnn::Sequential features_{nullptr};
    tnn::LayerNorm norm_{nullptr};
    tnn::Linear head_{nullptr};
    int64_t featureDim_ = 0;
};

}  // namespace

Backbone makeSwin(const SwinConfig& config) { return std::make_shared<SwinImpl>(config); }


// ---------------------------------------------------------------------------------------------
// the family

namespace {

[[maybe_unused]] const bool registered = registerBackboneFamily([] {
    BackboneFamily f;
    f.name = "swin";
    f.displayName = "Swin";
    f.presets = {{"swin_t", SwinConfig{}.toJson(), {"swin_tiny_patch4_window7_224"}}};
    f.standardPreset = "swin_t";
    f.build = [](const json& c) { return makeSwin(SwinConfig::fromJson(c)); };
    f.completeConfig = [](const json& c) { return SwinConfig::fromJson(c).toJson(); };
    f.classifierPrefixes = {"head."};
    f.recognises = looksLikeSwin;
    f.timmKeys = R"(patch_embed\.|layers\.\d+\.(blocks|downsample)\.|head\.fc\.)";
    f.torchvisionKeys = R"(features\.\d+\.)";
    f.timmToTorchvision = swinTimmToTorchvision;
    f.inferConfig = inferSwinConfig;
    f.referenceClasses = {"SwinTransformer"};
    return f;
}());

}  // namespace

}  // namespace lowclip::nn
