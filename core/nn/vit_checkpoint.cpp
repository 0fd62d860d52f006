// vit: reading checkpoints (timm names, dimensions from shapes, recognising the keys).
#include "core/nn/vit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/state_dict.h"

namespace lowclip::nn {

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// timm names

io::TensorMap vitTimmToTorchvision(const io::TensorMap& timm) {
    static const std::regex blockRe(R"(^blocks\.(\d{1,6})\.(.+)$)");
    static const std::map<std::string, std::string> blockParts = {
        {"norm1.weight", "ln_1.weight"},
        {"norm1.bias", "ln_1.bias"},
        {"attn.qkv.weight", "self_attention.in_proj_weight"},
        {"attn.qkv.bias", "self_attention.in_proj_bias"},
        {"attn.proj.weight", "self_attention.out_proj.weight"},
        {"attn.proj.bias", "self_attention.out_proj.bias"},
        {"norm2.weight", "ln_2.weight"},
        {"norm2.bias", "ln_2.bias"},
        {"mlp.fc1.weight", "mlp.0.weight"},
        {"mlp.fc1.bias", "mlp.0.bias"},
        {"mlp.fc2.weight", "mlp.3.weight"},
        {"mlp.fc2.bias", "mlp.3.bias"},
    };
    static const std::map<std::string, std::string> topLevel = {
        {"cls_token", "class_token"},
        {"pos_embed", "encoder.pos_embedding"},
        {"patch_embed.proj.weight", "conv_proj.weight"},
        {"patch_embed.proj.bias", "conv_proj.bias"},
        {"norm.weight", "encoder.ln.weight"},
        {"norm.bias", "encoder.ln.bias"},
        {"fc_norm.weight", "encoder.ln.weight"},
        {"fc_norm.bias", "encoder.ln.bias"},
        {"head.weight", "heads.head.weight"},
        {"head.bias", "heads.head.bias"},
        {"pre_logits.fc.weight", "heads.pre_logits.weight"},
        {"pre_logits.fc.bias", "heads.pre_logits.bias"},
    };
    if (timm.count("norm.weight") && timm.count("fc_norm.weight"))
        throw Error("timm vit weights have both norm and fc_norm: a final norm before and after pooling is not "
                    "supported");
    io::TensorMap out;
    std::vector<std::string> unknown;
    for (const auto& [k, v] : timm) {
        std::smatch m;
        std::string name;
        if (std::regex_match(k, m, blockRe)) {
            auto it = blockParts.find(m[2].str());
            if (it != blockParts.end()) name = "encoder.layers.encoder_layer_" + m[1].str() + "." + it->second;
        } else {
            auto it = topLevel.find(k);
            if (it != topLevel.end()) name = it->second;
        }
        if (name.empty()) unknown.push_back(k);
        else out[name] = v;
    }
    if (!unknown.empty()) {
        std::string list;
        for (size_t i = 0; i < unknown.size() && i < 10; ++i) list += (i ? ", " : "") + unknown[i];
        throw Error("timm vit weights: cannot map " + std::to_string(unknown.size()) +
                    " key(s) to torchvision names (layer scale, register tokens, q/k norms are not supported): " +
                    list + (unknown.size() > 10 ? ", ..." : ""));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// dimensions from torchvision-named weights

nlohmann::json inferVitConfig(const io::TensorMap& w, const std::string& what) {
    const at::Tensor& proj = requireWeight(w, "conv_proj.weight", what, 4);
    const at::Tensor& pos = requireWeight(w, "encoder.pos_embedding", what, 3);
    int64_t hidden = proj.size(0), patch = proj.size(2);
    int64_t tokens = pos.size(1) - 1;
    auto grid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(tokens))));
    if (tokens <= 0 || grid * grid != tokens)
        throw Error(what + ": encoder.pos_embedding " + shapeOf(pos) + " is not a class token plus a square patch grid");
    auto numLayers = static_cast<int64_t>(contiguousIndices(w, "encoder.layers.encoder_layer_", what).size());
    if (numLayers == 0) throw Error(what + ": no ViT encoder layers found");
    nlohmann::json c;
    c["image_size"] = grid * patch;
    c["patch_size"] = patch;
    c["num_layers"] = numLayers;
    c["hidden_dim"] = hidden;
    c["num_heads"] = std::max<int64_t>(1, hidden / 64);
    c["mlp_dim"] = weightDim(w, "encoder.layers.encoder_layer_0.mlp.0.weight", 2, 0, what);
    return c;
}

// ---------------------------------------------------------------------------------------------
// recognising the keys

bool looksLikeVit(const io::TensorMap& w) {
    const bool swinLike = w.count("layers.0.blocks.0.attn.relative_position_bias_table") > 0;
    for (const auto& [k, v] : w)
        if (startsWith(k, "encoder.layers.encoder_layer_") || startsWith(k, "conv_proj.") ||
            (startsWith(k, "blocks.0.attn.qkv.") && !swinLike))
            return true;
    return false;
}

}  // namespace lowclip::nn
