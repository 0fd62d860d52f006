// resnet: reading checkpoints (timm names, dimensions from shapes, recognising the keys).
#include "core/nn/resnet.h"

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

io::TensorMap resNetTimmToTorchvision(const io::TensorMap& timm) {
    static const std::regex known(
        R"(^((conv1|bn1|fc)|layer\d+\.\d+\.(conv\d|bn\d|downsample\.[01]))\.(weight|bias|running_mean|running_var|num_batches_tracked)$)");
    std::vector<std::string> unknown;
    for (const auto& [k, v] : timm)
        if (!std::regex_match(k, known)) unknown.push_back(k);
    if (!unknown.empty()) {
        std::string list;
        for (size_t i = 0; i < unknown.size() && i < 10; ++i) list += (i ? ", " : "") + unknown[i];
        throw Error("timm resnet weights: " + std::to_string(unknown.size()) +
                    " key(s) are not plain ResNet names (deep stem, SE or anti-aliased variants are not supported): " +
                    list + (unknown.size() > 10 ? ", ..." : ""));
    }
    return timm;
}

// ---------------------------------------------------------------------------------------------
// dimensions from torchvision-named weights

nlohmann::json inferResNetConfig(const io::TensorMap& w, const std::string& what) {
    nlohmann::json c;
    const at::Tensor& conv1 = requireWeight(w, "conv1.weight", what, 4);
    c["stem_width"] = conv1.size(0);
    c["small_stem"] = conv1.size(2) == 3;
    bool bottleneck = w.count("layer1.0.conv3.weight") > 0;
    c["block"] = bottleneck ? "bottleneck" : "basic";
    std::vector<int64_t> layers, planes;
    int64_t groups = 1, widthPerGroup = 64;
    for (int k = 1;; ++k) {
        std::string stage = "layer" + std::to_string(k) + ".";
        std::set<int64_t> blocks = indicesUnder(w, stage);
        if (blocks.empty()) break;
        if (*blocks.rbegin() + 1 != static_cast<int64_t>(blocks.size()))
            throw Error(what + ": blocks of " + stage + " are not numbered from 0");
        layers.push_back(static_cast<int64_t>(blocks.size()));
        if (bottleneck) {
            int64_t out = weightDim(w, stage + "0.conv3.weight", 4, 0, what);
            if (out % 4 != 0) throw Error(what + ": " + stage + "0.conv3 has " + std::to_string(out) + " channels, not a multiple of 4");
            int64_t p = out / 4;
            int64_t width = weightDim(w, stage + "0.conv1.weight", 4, 0, what);
            int64_t perGroupIn = weightDim(w, stage + "0.conv2.weight", 4, 1, what);
            if (perGroupIn <= 0 || width % perGroupIn != 0) throw Error(what + ": cannot read the groups of " + stage + "0.conv2");
            int64_t g = width / perGroupIn;
            if ((width * 64) % (p * g) != 0) throw Error(what + ": cannot read width_per_group of " + stage + "0");
            if (k == 1) {
                groups = g;
                widthPerGroup = width * 64 / (p * g);
            } else if (g != groups || width * 64 / (p * g) != widthPerGroup) {
                throw Error(what + ": stages have different groups/width_per_group");
            }
            planes.push_back(p);
        } else {
            planes.push_back(weightDim(w, stage + "0.conv1.weight", 4, 0, what));
        }
    }
    if (layers.empty()) throw Error(what + ": no ResNet stages (layer1.*) found");
    c["layers"] = layers;
    c["stage_planes"] = planes;
    c["groups"] = groups;
    c["width_per_group"] = widthPerGroup;
    return c;
}

// ---------------------------------------------------------------------------------------------
// recognising the keys

bool looksLikeResNet(const io::TensorMap& w) {
    for (const auto& [k, v] : w)
        if (startsWith(k, "layer1.0.conv1.") || startsWith(k, "layer4.0.")) return true;
    return false;
}

}  // namespace lowclip::nn
