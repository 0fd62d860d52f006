// efficientnet: reading checkpoints (timm names, dimensions from shapes, recognising the keys).
#include "core/nn/efficientnet.h"

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

io::TensorMap efficientNetTimmToTorchvision(const io::TensorMap& timm) {
    // Which timm blocks are inverted residuals (have conv_pwl) rather than depthwise-separable.
    static const std::regex blockRe(R"(^blocks\.(\d{1,6})\.(\d{1,6})\.(.+)$)");
    std::set<std::string> inverted;
    for (const auto& [k, v] : timm) {
        std::smatch m;
        if (std::regex_match(k, m, blockRe) && m[3].str().rfind("conv_pwl.", 0) == 0)
            inverted.insert(m[1].str() + "." + m[2].str());
    }
    int64_t lastStage = -1;
    for (const auto& [k, v] : timm) {
        std::smatch m;
        if (std::regex_match(k, m, blockRe)) lastStage = std::max<int64_t>(lastStage, std::stoll(m[1].str()));
    }
    const std::string headIndex = std::to_string(lastStage + 2);

    static const std::map<std::string, std::string> dsParts = {
        {"conv_dw", "block.0.0"},        {"bn1", "block.0.1"},        {"se.conv_reduce", "block.1.fc1"},
        {"se.conv_expand", "block.1.fc2"}, {"conv_pw", "block.2.0"}, {"bn2", "block.2.1"}};
    static const std::map<std::string, std::string> irParts = {
        {"conv_pw", "block.0.0"},        {"bn1", "block.0.1"},        {"conv_dw", "block.1.0"},
        {"bn2", "block.1.1"},            {"se.conv_reduce", "block.2.fc1"}, {"se.conv_expand", "block.2.fc2"},
        {"conv_pwl", "block.3.0"},       {"bn3", "block.3.1"}};
    static const std::regex partRe(R"(^(.+)\.(weight|bias|running_mean|running_var|num_batches_tracked)$)");

    io::TensorMap out;
    std::vector<std::string> unknown;
    for (const auto& [k, v] : timm) {
        std::smatch m, p;
        std::string name;
        if (std::regex_match(k, m, blockRe)) {
            const std::string rest = m[3].str();
            if (std::regex_match(rest, p, partRe)) {
                const auto& parts = inverted.count(m[1].str() + "." + m[2].str()) ? irParts : dsParts;
                auto it = parts.find(p[1].str());
                if (it != parts.end())
                    name = "features." + std::to_string(std::stoll(m[1].str()) + 1) + "." + m[2].str() + "." +
                           it->second + "." + p[2].str();
            }
        } else if (std::regex_match(k, p, partRe)) {
            const std::string mod = p[1].str(), leaf = p[2].str();
            if (mod == "conv_stem") name = "features.0.0." + leaf;
            else if (mod == "bn1") name = "features.0.1." + leaf;
            else if (mod == "conv_head") name = "features." + headIndex + ".0." + leaf;
            else if (mod == "bn2") name = "features." + headIndex + ".1." + leaf;
            else if (mod == "classifier") name = "classifier.1." + leaf;
        }
        if (name.empty()) unknown.push_back(k);
        else out[name] = v;
    }
    if (!unknown.empty()) {
        std::string list;
        for (size_t i = 0; i < unknown.size() && i < 10; ++i) list += (i ? ", " : "") + unknown[i];
        throw Error("timm efficientnet weights: cannot map " + std::to_string(unknown.size()) +
                    " key(s) to torchvision names: " + list + (unknown.size() > 10 ? ", ..." : ""));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// dimensions from torchvision-named weights

nlohmann::json inferEfficientNetConfig(const io::TensorMap& w, const std::string& what) {
    std::vector<int64_t> feats = contiguousIndices(w, "features.", what);
    if (feats.size() < 3) throw Error(what + ": no EfficientNet stages (features.N.*) found");
    int64_t numStages = static_cast<int64_t>(feats.size()) - 2;
    std::vector<MBConvStage> b0 = efficientNetB0Stages();
    if (numStages != static_cast<int64_t>(b0.size()))
        throw Error(what + ": " + std::to_string(numStages) + " MBConv stages; only EfficientNets with the B0 stage layout (" +
                    std::to_string(b0.size()) + " stages) can be read from weights");
    nlohmann::json stages = nlohmann::json::array();
    for (int64_t s = 1; s <= numStages; ++s) {
        std::string stage = "features." + std::to_string(s) + ".";
        std::set<int64_t> blocks = indicesUnder(w, stage);
        if (blocks.empty() || *blocks.rbegin() + 1 != static_cast<int64_t>(blocks.size()))
            throw Error(what + ": blocks of " + stage + "N are missing or not numbered from 0");
        std::string b = stage + "0.block.";
        // Expand conv: 1x1 [expanded, in, 1, 1]; depthwise conv: [channels, 1, k, k]. Without expansion
        // (ratio 1) block.0 is the depthwise conv.
        bool hasExpand = weightDim(w, b + "0.0.weight", 4, 1, what) != 1;
        int dwIndex = hasExpand ? 1 : 0;
        int projIndex = hasExpand ? 3 : 2;
        const at::Tensor& dw = requireWeight(w, b + std::to_string(dwIndex) + ".0.weight", what, 4);
        const at::Tensor& proj = requireWeight(w, b + std::to_string(projIndex) + ".0.weight", what, 4);
        int64_t expanded = dw.size(0);
        int64_t inChannels = hasExpand ? weightDim(w, b + "0.0.weight", 4, 1, what) : expanded;
        int64_t outChannels = proj.size(0);
        nlohmann::json st;
        st["expand_ratio"] = static_cast<double>(expanded) / static_cast<double>(inChannels);
        st["kernel"] = dw.size(2);
        st["stride"] = b0[static_cast<std::size_t>(s - 1)].stride;
        st["in_channels"] = inChannels;
        st["out_channels"] = outChannels;
        st["num_layers"] = static_cast<int64_t>(blocks.size());
        stages.push_back(st);
    }
    nlohmann::json c;
    c["stages"] = stages;
    c["width_mult"] = 1.0;
    c["depth_mult"] = 1.0;
    int64_t last = weightDim(w, "features." + std::to_string(numStages + 1) + ".0.weight", 4, 0, what);
    // 0 means "4 x the last stage's channels" (the presets' way of saying it).
    c["last_channels"] = last == 4 * stages.back()["out_channels"].get<int64_t>() ? 0 : last;
    return c;
}

// ---------------------------------------------------------------------------------------------
// recognising the keys

bool looksLikeEfficientNet(const io::TensorMap& w) {
    for (const auto& [k, v] : w)
        if (startsWith(k, "features.1.0.block.") || startsWith(k, "blocks.0.0.conv_dw.") || startsWith(k, "conv_stem."))
            return true;
    return false;
}

}  // namespace lowclip::nn
