// swin: reading checkpoints (timm names, dimensions from shapes, recognising the keys).
#include "core/nn/swin.h"

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

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// timm names

io::TensorMap swinTimmToTorchvision(const io::TensorMap& timm) {
    static const std::regex blockRe(R"(^layers\.(\d{1,6})\.blocks\.(\d{1,6})\.(.+)$)");
    static const std::regex downRe(R"(^layers\.(\d{1,6})\.downsample\.((norm|reduction)\.(weight|bias))$)");
    static const std::map<std::string, std::string> blockParts = {
        {"norm1.weight", "norm1.weight"},
        {"norm1.bias", "norm1.bias"},
        {"attn.qkv.weight", "attn.qkv.weight"},
        {"attn.qkv.bias", "attn.qkv.bias"},
        {"attn.proj.weight", "attn.proj.weight"},
        {"attn.proj.bias", "attn.proj.bias"},
        {"attn.relative_position_bias_table", "attn.relative_position_bias_table"},
        {"norm2.weight", "norm2.weight"},
        {"norm2.bias", "norm2.bias"},
        {"mlp.fc1.weight", "mlp.0.weight"},
        {"mlp.fc1.bias", "mlp.0.bias"},
        {"mlp.fc2.weight", "mlp.3.weight"},
        {"mlp.fc2.bias", "mlp.3.bias"},
    };
    static const std::map<std::string, std::string> topLevel = {
        {"patch_embed.proj.weight", "features.0.0.weight"},
        {"patch_embed.proj.bias", "features.0.0.bias"},
        {"patch_embed.norm.weight", "features.0.2.weight"},
        {"patch_embed.norm.bias", "features.0.2.bias"},
        {"norm.weight", "norm.weight"},
        {"norm.bias", "norm.bias"},
        {"head.fc.weight", "head.weight"},
        {"head.fc.bias", "head.bias"},
        {"head.weight", "head.weight"},
        {"head.bias", "head.bias"},
    };
    // Older timm (and Microsoft's checkpoints) put the patch merging at the end of a stage.
    bool downsampleAtEnd = false;
    for (const auto& [k, v] : timm)
        if (k.rfind("layers.0.downsample.", 0) == 0) downsampleAtEnd = true;

    io::TensorMap out;
    std::vector<std::string> unknown;
    for (const auto& [k, v] : timm) {
        std::smatch m;
        std::string name;
        if (std::regex_match(k, m, blockRe)) {
            const std::string part = m[3].str();
            if (part == "attn.relative_position_index" || part == "attn_mask") continue;  // regenerated / not stored
            auto it = blockParts.find(part);
            if (it != blockParts.end())
                name = "features." + std::to_string(2 * std::stoll(m[1].str()) + 1) + "." + m[2].str() + "." + it->second;
        } else if (std::regex_match(k, m, downRe)) {
            const int64_t stage = std::stoll(m[1].str());
            name = "features." + std::to_string(downsampleAtEnd ? 2 * stage + 2 : 2 * stage) + "." + m[2].str();
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
        throw Error("timm swin weights: cannot map " + std::to_string(unknown.size()) +
                    " key(s) to torchvision names (absolute position embeddings and Swin v2 are not supported): " +
                    list + (unknown.size() > 10 ? ", ..." : ""));
    }
    // torchvision stores relative_position_index; timm >= 0.9 does not: rebuild it from the table size.
    const std::string tableSuffix = ".attn.relative_position_bias_table";
    io::TensorMap indices;
    for (const auto& [k, v] : out) {
        if (k.size() <= tableSuffix.size() || k.compare(k.size() - tableSuffix.size(), tableSuffix.size(), tableSuffix) != 0)
            continue;
        const int64_t rows = v.size(0);
        const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(rows))));
        if (side * side != rows || side % 2 == 0)
            throw Error("timm swin weights: " + k + " has " + std::to_string(rows) +
                        " rows, which is not (2w-1)^2 for a square window");
        const int64_t window = (side + 1) / 2;
        indices[k.substr(0, k.size() - tableSuffix.size()) + ".attn.relative_position_index"] =
            swinRelativePositionIndex(window, window);
    }
    out.insert(indices.begin(), indices.end());
    return out;
}

// ---------------------------------------------------------------------------------------------
// dimensions from torchvision-named weights

nlohmann::json inferSwinConfig(const io::TensorMap& w, const std::string& what) {
    const at::Tensor& patch = requireWeight(w, "features.0.0.weight", what, 4);
    int64_t embed = patch.size(0);
    std::vector<int64_t> depths, heads;
    int64_t window = 0;
    double mlpRatio = 4.0;
    for (int64_t s = 1;; s += 2) {
        std::string stage = "features." + std::to_string(s) + ".";
        std::set<int64_t> blocks = indicesUnder(w, stage);
        if (blocks.empty()) break;
        depths.push_back(static_cast<int64_t>(blocks.size()));
        const at::Tensor& table = requireWeight(w, stage + "0.attn.relative_position_bias_table", what, 2);
        heads.push_back(table.size(1));
        auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(table.size(0)))));
        if (side * side != table.size(0) || side % 2 == 0)
            throw Error(what + ": " + stage + "0.attn.relative_position_bias_table " + shapeOf(table) +
                        " does not belong to a square window");
        if (window == 0) {
            window = (side + 1) / 2;
            int64_t dim = weightDim(w, stage + "0.norm1.weight", 1, 0, what);
            mlpRatio = static_cast<double>(weightDim(w, stage + "0.mlp.0.weight", 2, 0, what)) / static_cast<double>(dim);
        }
    }
    if (depths.empty()) throw Error(what + ": no Swin stages (features.1.*) found");
    nlohmann::json c;
    c["patch_size"] = {patch.size(2), patch.size(3)};
    c["embed_dim"] = embed;
    c["depths"] = depths;
    c["num_heads"] = heads;
    c["window_size"] = {window, window};
    c["mlp_ratio"] = mlpRatio;
    return c;
}

// ---------------------------------------------------------------------------------------------
// recognising the keys

bool looksLikeSwin(const io::TensorMap& w) {
    for (const auto& [k, v] : w)
        if (endsWith(k, "attn.relative_position_bias_table") || startsWith(k, "layers.0.blocks.0.")) return true;
    return false;
}

}  // namespace lowclip::nn
