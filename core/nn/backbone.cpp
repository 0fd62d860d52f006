#include "core/nn/backbone.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/efficientnet.h"
#include "core/nn/resnet.h"
#include "core/nn/sync_batch_norm.h"
#include "core/nn/swin.h"
#include "core/nn/vit.h"

namespace lowclip::nn {

namespace {
thread_local SumOverRanks syncBatchNorm;
}  // namespace

SyncBatchNormScope::SyncBatchNormScope(SumOverRanks sumOverRanks) : previous_(std::move(syncBatchNorm)) {
    syncBatchNorm = std::move(sumOverRanks);
}

SyncBatchNormScope::~SyncBatchNormScope() { syncBatchNorm = std::move(previous_); }


using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// helpers

namespace detail {

void require(bool condition, const std::string& what, const std::string& message) {
    if (!condition) throw Error(what + ": " + message);
}

ConfigReader::ConfigReader(const json& config, std::string what) : config_(config), what_(std::move(what)) {
    if (!config_.is_object() && !config_.is_null())
        throw Error(what_ + " configuration must be a JSON object, got: " + config_.dump());
}

bool ConfigReader::has(const std::string& key) const {
    return config_.is_object() && config_.contains(key) && !config_.at(key).is_null();
}

void ConfigReader::fail(const std::string& key, const std::string& problem) const {
    throw Error(what_ + " configuration: \"" + key + "\" " + problem);
}

const json& ConfigReader::raw(const std::string& key) {
    read_.push_back(key);
    return config_.at(key);
}

void ConfigReader::known(const std::string& key) { read_.push_back(key); }

int64_t ConfigReader::getInt(const std::string& key, int64_t fallback) {
    read_.push_back(key);
    if (!has(key)) return fallback;
    const json& v = config_.at(key);
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (std::floor(d) == d) return static_cast<int64_t>(d);
    }
    fail(key, "must be an integer, got " + v.dump());
}

double ConfigReader::getDouble(const std::string& key, double fallback) {
    read_.push_back(key);
    if (!has(key)) return fallback;
    const json& v = config_.at(key);
    if (!v.is_number()) fail(key, "must be a number, got " + v.dump());
    return v.get<double>();
}

bool ConfigReader::getBool(const std::string& key, bool fallback) {
    read_.push_back(key);
    if (!has(key)) return fallback;
    const json& v = config_.at(key);
    if (!v.is_boolean()) fail(key, "must be true or false, got " + v.dump());
    return v.get<bool>();
}

std::string ConfigReader::getString(const std::string& key, const std::string& fallback) {
    read_.push_back(key);
    if (!has(key)) return fallback;
    const json& v = config_.at(key);
    if (!v.is_string()) fail(key, "must be a string, got " + v.dump());
    return v.get<std::string>();
}

std::vector<int64_t> ConfigReader::getIntList(const std::string& key, const std::vector<int64_t>& fallback) {
    read_.push_back(key);
    if (!has(key)) return fallback;
    const json& v = config_.at(key);
    if (!v.is_array()) fail(key, "must be a list of integers, got " + v.dump());
    std::vector<int64_t> out;
    for (const json& e : v) {
        if (!e.is_number_integer()) fail(key, "must be a list of integers, got " + v.dump());
        out.push_back(e.get<int64_t>());
    }
    return out;
}

std::vector<int64_t> ConfigReader::getPair(const std::string& key, const std::vector<int64_t>& fallback) {
    if (has(key) && config_.at(key).is_number_integer()) {
        read_.push_back(key);
        int64_t n = config_.at(key).get<int64_t>();
        return {n, n};
    }
    std::vector<int64_t> v = getIntList(key, fallback);
    if (v.size() != 2) fail(key, "must be one integer or a list of two");
    return v;
}

void ConfigReader::finish() const {
    if (!config_.is_object()) return;
    std::vector<std::string> unknown;
    for (auto it = config_.begin(); it != config_.end(); ++it)
        if (std::find(read_.begin(), read_.end(), it.key()) == read_.end()) unknown.push_back(it.key());
    if (unknown.empty()) return;
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    std::string known;
    for (const auto& n : read_)
        if (known.find("\"" + n + "\"") == std::string::npos) known += (known.empty() ? "\"" : ", \"") + n + "\"";
    throw Error(what_ + " configuration: unknown key(s) " + names + " (known: " + known + ")");
}

namespace {

// BatchNorm in training with the statistics of every rank's batch (two passes: mean, then variance).
torch::Tensor syncedBatchNorm(const torch::Tensor& y, torch::nn::BatchNorm2dImpl& bn, const SumOverRanks& sum) {
    const auto& bo = bn.options;
    const int64_t c = y.size(1);
    const double local = static_cast<double>(y.numel() / std::max<int64_t>(1, c));
    auto counted = sum(torch::cat({y.sum({0, 2, 3}), torch::full({1}, local, y.options())}));
    auto n = counted.narrow(0, c, 1);
    auto mean = counted.narrow(0, 0, c) / n;
    auto centred = y - mean.view({1, c, 1, 1});
    auto var = sum(centred.pow(2).sum({0, 2, 3})) / n;
    auto out = centred * torch::rsqrt(var + bo.eps()).view({1, c, 1, 1});
    if (bo.affine()) out = out * bn.weight.view({1, c, 1, 1}) + bn.bias.view({1, c, 1, 1});
    if (bo.track_running_stats()) {
        torch::NoGradGuard ng;
        double count = n.item<double>();
        bn.num_batches_tracked += 1;
        double m = bo.momentum() ? *bo.momentum() : 1.0 / bn.num_batches_tracked.item<double>();
        auto unbiased = var.detach() * (count / std::max(1.0, count - 1));
        bn.running_mean.mul_(1 - m).add_(mean.detach(), m);
        bn.running_var.mul_(1 - m).add_(unbiased, m);
    }
    return out;
}

}  // namespace

torch::Tensor convBatchNorm(const torch::Tensor& x, torch::nn::Conv2dImpl& conv, torch::nn::BatchNorm2dImpl& bn) {
    if (syncBatchNorm && bn.is_training()) return syncedBatchNorm(conv.forward(x), bn, syncBatchNorm);
    const auto& bo = bn.options;
    const auto& co = conv.options;
    // oneDNN 2.6 (Debian's LibTorch 1.13) corrupts memory in the backward pass of channels-last 1x1
    // convolutions with a stride (e.g. ResNet downsampling from 8 channels at 64x64): those run NCHW
    // when gradients are wanted and hand channels-last back.
    const bool channelsLast = x.dim() == 4 && x.is_contiguous(at::MemoryFormat::ChannelsLast) && !x.is_contiguous();
    const bool strided1x1 = (*co.kernel_size())[0] == 1 && (*co.kernel_size())[1] == 1 &&
                            ((*co.stride())[0] != 1 || (*co.stride())[1] != 1);
    if (channelsLast && strided1x1 && at::GradMode::is_enabled() && x.device().is_cpu())
        return convBatchNorm(x.contiguous(), conv, bn).contiguous(at::MemoryFormat::ChannelsLast);
    const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&co.padding());
    if (bn.is_training() || !bo.track_running_stats() || !bo.affine() || !padding ||
        !c10::holds_alternative<torch::enumtype::kZeros>(co.padding_mode()))
        return bn.forward(conv.forward(x));
    torch::Tensor scale = bn.weight * torch::rsqrt(bn.running_var + bo.eps());
    torch::Tensor weight = conv.weight * scale.view({-1, 1, 1, 1});
    torch::Tensor bias = bn.bias - bn.running_mean * scale;
    if (conv.bias.defined()) bias = bias + conv.bias * scale;
    if (channelsLast) weight = weight.contiguous(at::MemoryFormat::ChannelsLast);
    return torch::conv2d(x, weight, bias, *co.stride(), **padding, *co.dilation(), co.groups());
}

torch::Tensor preferredLayout(const torch::Tensor& images) {
    static const bool channelsLast = [] {
        const char* v = std::getenv("LOWCLIP_CHANNELS_LAST");
        return !(v && std::string(v) == "0");
    }();
    if (channelsLast && images.device().is_cpu() && images.dim() == 4)
        return images.contiguous(at::MemoryFormat::ChannelsLast);
    return images.contiguous();
}

}  // namespace detail

torch::Tensor stochasticDepth(const torch::Tensor& x, double p, bool training) {
    if (p < 0.0 || p > 1.0) throw Error("stochastic depth probability must be in [0, 1], got " + std::to_string(p));
    if (!training || p == 0.0) return x;
    double survival = 1.0 - p;
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[0] = x.size(0);
    torch::Tensor noise = torch::empty(shape, x.options()).bernoulli_(survival);
    if (survival > 0.0) noise.div_(survival);
    return x * noise;
}

// ---------------------------------------------------------------------------------------------
// presets and families

namespace {

const std::map<std::string, std::string>& timmAliases() {
    static const std::map<std::string, std::string> aliases = {
        {"vit_base_patch16_224", "vit_b_16"},
        {"swin_tiny_patch4_window7_224", "swin_t"},
    };
    return aliases;
}

std::string canonicalName(const std::string& arch) {
    auto it = timmAliases().find(arch);
    return it == timmAliases().end() ? arch : it->second;
}

bool isFamily(const std::string& name) {
    return name == "efficientnet" || name == "resnet" || name == "vit" || name == "swin";
}

Backbone build(const std::string& family, const json& config) {
    if (family == "efficientnet") return makeEfficientNet(EfficientNetConfig::fromJson(config));
    if (family == "resnet") return makeResNet(ResNetConfig::fromJson(config));
    if (family == "vit") return makeVit(VitConfig::fromJson(config));
    if (family == "swin") return makeSwin(SwinConfig::fromJson(config));
    throw Error("unknown backbone family \"" + family + "\"");
}

json completeConfig(const std::string& family, const json& config) {
    if (family == "efficientnet") return EfficientNetConfig::fromJson(config).toJson();
    if (family == "resnet") return ResNetConfig::fromJson(config).toJson();
    if (family == "vit") return VitConfig::fromJson(config).toJson();
    if (family == "swin") return SwinConfig::fromJson(config).toJson();
    throw Error("unknown backbone family \"" + family + "\"");
}

std::string knownArchList() {
    std::string s = "efficientnet, resnet, vit, swin";
    for (const auto& p : backbonePresets()) s += ", " + p;
    for (const auto& [timm, ours] : timmAliases()) s += ", " + timm;
    return s;
}

}  // namespace

std::vector<std::string> backbonePresets() {
    return {"efficientnet_b0", "resnet18", "resnet34", "resnet50", "resnet_tiny", "vit_b_16", "swin_t"};
}

json presetConfig(const std::string& presetName) {
    const std::string preset = canonicalName(presetName);
    if (preset == "efficientnet_b0") return EfficientNetConfig{}.toJson();
    if (preset == "resnet50") return ResNetConfig{}.toJson();
    if (preset == "resnet18" || preset == "resnet34") {
        ResNetConfig c;
        c.block = "basic";
        c.layers = preset == "resnet18" ? std::vector<int64_t>{2, 2, 2, 2} : std::vector<int64_t>{3, 4, 6, 3};
        return c.toJson();
    }
    if (preset == "resnet_tiny") {  // small and fast, for training from scratch on 64x64 images
        ResNetConfig c;
        c.block = "basic";
        c.layers = {1, 1, 1, 1};
        c.stagePlanes = {16, 32, 64, 128};
        c.stemWidth = 16;
        c.smallStem = true;
        c.zeroInitResidual = true;
        c.imageSize = 64;
        return c.toJson();
    }
    if (preset == "vit_b_16") return VitConfig{}.toJson();
    if (preset == "swin_t") return SwinConfig{}.toJson();
    throw Error("unknown backbone preset \"" + presetName + "\" (known: " + knownArchList() + ")");
}

std::string backboneFamily(const std::string& archName) {
    const std::string arch = canonicalName(archName);
    if (isFamily(arch)) return arch;
    if (arch.rfind("efficientnet", 0) == 0) {
        if (arch == "efficientnet_b0") return "efficientnet";
    } else if (arch.rfind("resnet", 0) == 0) {
        for (const auto& p : backbonePresets())
            if (p == arch) return "resnet";
    } else if (arch == "vit_b_16") {
        return "vit";
    } else if (arch == "swin_t") {
        return "swin";
    }
    throw Error("unknown backbone \"" + archName + "\" (known: " + knownArchList() + ")");
}

Backbone makeBackbone(const std::string& archName, const json& config) {
    const std::string arch = canonicalName(archName);
    if (!config.is_object() && !config.is_null())
        throw Error("backbone configuration for \"" + archName + "\" must be a JSON object, got: " + config.dump());
    const std::string family = backboneFamily(arch);
    if (isFamily(arch)) return build(family, config);
    json merged = presetConfig(arch);
    if (config.is_object())
        for (auto it = config.begin(); it != config.end(); ++it) merged[it.key()] = it.value();
    return build(family, merged);
}

// ---------------------------------------------------------------------------------------------
// fixture descriptions

namespace {

std::string lastComponent(const std::string& dotted) {
    auto pos = dotted.rfind('.');
    return pos == std::string::npos ? dotted : dotted.substr(pos + 1);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Keys of a description that are constructor arguments of `family` (the rest is provenance).
json pickConfigKeys(const std::string& family, const json& description) {
    const json full = completeConfig(family, json::object());
    json out = json::object();
    for (auto it = description.begin(); it != description.end(); ++it)
        if (full.contains(it.key()) && !it.value().is_null()) out[it.key()] = it.value();
    return out;
}

}  // namespace

BackboneSpec backboneSpecFromDescription(const json& d) {
    if (!d.is_object()) throw Error("backbone description must be a JSON object");
    BackboneSpec spec;
    std::string source;
    for (const char* key : {"call", "builder", "class"})
        if (d.contains(key) && d.at(key).is_string()) {
            source = d.at(key).get<std::string>();
            break;
        }
    if (source.empty())
        throw Error("backbone description has none of \"call\", \"builder\", \"class\": cannot tell the model: " +
                    d.dump().substr(0, 200));
    spec.naming = source.find("timm") != std::string::npos ? "timm" : "torchvision";

    if (d.contains("call")) {
        // timm.create_model('name', pretrained=False, num_classes=0, global_pool='avg')
        static const std::regex nameRe(R"(create_model\(\s*['"]([A-Za-z0-9_.]+)['"])");
        std::smatch m;
        if (!std::regex_search(source, m, nameRe))
            throw Error("backbone description: cannot read the model name from \"" + source + "\"");
        const std::string model = m[1].str();
        spec.arch = backboneFamily(model);
        json config = presetConfig(model);
        static const std::regex classesRe(R"(num_classes\s*=\s*(\d+))");
        if (std::regex_search(source, m, classesRe)) config["num_classes"] = std::stoll(m[1].str());
        static const std::regex poolRe(R"(global_pool\s*=\s*['"]([a-z]*)['"])");
        if (std::regex_search(source, m, poolRe)) {
            const std::string pool = m[1].str();
            if (spec.arch == "vit") {
                if (pool == "avg" || pool == "token") config["global_pool"] = pool;
                else throw Error("backbone description: ViT global_pool '" + pool + "' is not supported (token, avg)");
            } else if (pool != "avg") {
                throw Error("backbone description: global_pool '" + pool + "' is not supported for " + spec.arch +
                            " (only avg)");
            }
        }
        for (auto it = d.begin(); it != d.end(); ++it)
            if (config.contains(it.key()) && !it.value().is_null()) config[it.key()] = it.value();
        spec.config = completeConfig(spec.arch, config);
        return spec;
    }

    const std::string name = lastComponent(source);
    if (d.contains("builder")) {  // torchvision.models.efficientnet_b0(weights=None, num_classes=10)
        spec.arch = backboneFamily(name);
        json config = presetConfig(name);
        for (auto it = d.begin(); it != d.end(); ++it)
            if (config.contains(it.key()) && !it.value().is_null()) config[it.key()] = it.value();
        spec.config = completeConfig(spec.arch, config);
        return spec;
    }

    // a class and its constructor arguments
    static const std::map<std::string, std::string> classes = {
        {"ResNet", "resnet"}, {"EfficientNet", "efficientnet"}, {"VisionTransformer", "vit"}, {"SwinTransformer", "swin"}};
    auto it = classes.find(name);
    if (it == classes.end())
        throw Error("backbone description: unsupported model class \"" + source +
                    "\" (ResNet, EfficientNet, VisionTransformer, SwinTransformer)");
    spec.arch = it->second;
    json config = pickConfigKeys(spec.arch, d);
    if (spec.arch == "resnet" && d.contains("block") && d.at("block").is_string())
        config["block"] = lower(lastComponent(d.at("block").get<std::string>())) == "basicblock"
                              ? "basic"
                              : lower(lastComponent(d.at("block").get<std::string>()));
    if (d.contains("global_pool") && d.at("global_pool").is_string()) {
        const std::string pool = d.at("global_pool").get<std::string>();
        if (spec.arch == "vit") config["global_pool"] = pool;
        else if (pool != "avg")
            throw Error("backbone description: global_pool '" + pool + "' is not supported for " + spec.arch);
    }
    spec.config = completeConfig(spec.arch, config);
    return spec;
}

// ---------------------------------------------------------------------------------------------
// naming

io::TensorMap timmToTorchvision(const std::string& arch, const io::TensorMap& timmWeights) {
    const std::string family = backboneFamily(arch);
    if (family == "efficientnet") return efficientNetTimmToTorchvision(timmWeights);
    if (family == "resnet") return resNetTimmToTorchvision(timmWeights);
    if (family == "vit") return vitTimmToTorchvision(timmWeights);
    return swinTimmToTorchvision(timmWeights);
}

std::string detectNaming(const io::TensorMap& weights) {
    static const std::regex timmRe(
        R"(^(conv_stem\.|blocks\.\d+\.|patch_embed\.|cls_token$|pos_embed$|fc_norm\.|layers\.\d+\.(blocks|downsample)\.|head\.fc\.|conv_head\.))");
    static const std::regex tvRe(
        R"(^(features\.\d+\.|conv_proj\.|class_token$|encoder\.(layers\.|pos_embedding$|ln\.)|heads\.|classifier\.1\.))");
    static const std::regex resnetRe(R"(^(conv1\.weight$|layer\d+\.\d+\.))");
    int timm = 0, tv = 0, resnet = 0;
    for (const auto& [name, t] : weights) {
        if (std::regex_search(name, timmRe)) ++timm;
        else if (std::regex_search(name, tvRe)) ++tv;
        else if (std::regex_search(name, resnetRe)) ++resnet;
    }
    if (timm > 0 && tv == 0) return "timm";
    if (tv > 0 && timm == 0) return "torchvision";
    if (timm == 0 && tv == 0 && resnet > 0) return "torchvision";
    std::string sample;
    int n = 0;
    for (const auto& [name, t] : weights) {
        if (n++ == 6) break;
        sample += (sample.empty() ? "" : ", ") + name;
    }
    if (timm > 0 && tv > 0)
        throw Error("backbone weights mix torchvision and timm names (" + std::to_string(tv) + " vs " +
                    std::to_string(timm) + "); first keys: " + sample);
    throw Error("backbone weights use neither torchvision nor timm names (is there a prefix such as "
                "\"model.\" or \"module.\" to remove?); first keys: " +
                (sample.empty() ? std::string("(none)") : sample));
}

}  // namespace lowclip::nn
