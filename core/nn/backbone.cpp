#include "core/nn/backbone.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/keyed_random.h"
#include "core/nn/kernels/activation.h"
#include "core/nn/backbone_registry.h"
#include "core/nn/sync_batch_norm.h"

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
    // oneDNN for every CPU float32 convolution of the folded path: LibTorch's own choice sends 1x1
    // convolutions of batches under 16 on one thread to its im2col code (plus a layout copy each
    // for channels-last input), which took 3.11 s against oneDNN's 2.58 s of EfficientNet-B0's
    // forward time while indexing 144 photos on one AVX2 core (bench_vision's end-to-end phase).
    if (x.device().is_cpu() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat && at::hasMKLDNN() &&
        !at::GradMode::is_enabled())
        return at::mkldnn_convolution(x, weight, bias, **padding, *co.stride(), *co.dilation(), co.groups());
    return torch::conv2d(x, weight, bias, *co.stride(), **padding, *co.dilation(), co.groups());
}

torch::Tensor siluInPlace(torch::Tensor y) {
    const auto level = kernels::activeIsa();
    if (!y.device().is_cpu() || y.scalar_type() != at::kFloat || !kernels::activationSimd(level) ||
        !(y.is_contiguous() || y.is_contiguous(at::MemoryFormat::ChannelsLast)))
        return torch::silu_(y);
    float* data = y.data_ptr<float>();
    at::parallel_for(0, y.numel(), 16384, [&](int64_t begin, int64_t end) {
        kernels::siluInPlace(data + begin, end - begin, level);
    });
    return y;
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
    if (keyedRandomActive()) {
        // One keyed draw per example (see core/nn/keyed_random.h).
        if (survival == 0.0) return x * keyedDropoutMask(shape, x.options(), 0.0).zero_();
        return x * keyedDropoutMask(shape, x.options(), p);
    }
    torch::Tensor noise = torch::empty(shape, x.options()).bernoulli_(survival);
    if (survival > 0.0) noise.div_(survival);
    return x * noise;
}

// ---------------------------------------------------------------------------------------------
// presets and families (core/nn/backbone_registry.h)

namespace {

const BackboneFamily& familyNamed(const std::string& family) {
    auto f = findBackboneFamily(family);
    if (!f) throw Error("unknown backbone family \"" + family + "\" (known: " + knownBackboneNames() + ")");
    return *f;
}

json completeConfig(const std::string& family, const json& config) { return familyNamed(family).completeConfig(config); }

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

}  // namespace

std::vector<std::string> backbonePresets() {
    std::vector<std::string> out;
    for (const auto& f : backboneFamilies())
        for (const auto& p : f->presets) out.push_back(p.name);
    return out;
}

json presetConfig(const std::string& presetName) {
    PresetLookup found = findBackbonePreset(presetName);
    if (!found.preset)
        throw Error("unknown backbone preset \"" + presetName + "\" (known: " + knownBackboneNames() + ")");
    return found.preset->config;
}

std::string backboneFamily(const std::string& arch) { return backboneFamilyOf(arch).name; }

Backbone makeBackbone(const std::string& arch, const json& config) {
    if (!config.is_object() && !config.is_null())
        throw Error("backbone configuration for \"" + arch + "\" must be a JSON object, got: " + config.dump());
    const BackboneFamily& family = backboneFamilyOf(arch);
    if (arch == family.name) return family.build(config);
    json merged = presetConfig(arch);
    if (config.is_object())
        for (auto it = config.begin(); it != config.end(); ++it) merged[it.key()] = it.value();
    return family.build(merged);
}

// ---------------------------------------------------------------------------------------------
// fixture descriptions

namespace {

std::string lastComponent(const std::string& dotted) {
    auto pos = dotted.rfind('.');
    return pos == std::string::npos ? dotted : dotted.substr(pos + 1);
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
        const BackboneFamily& family = backboneFamilyOf(model);
        spec.arch = family.name;
        json config = presetConfig(model);
        static const std::regex classesRe(R"(num_classes\s*=\s*(\d+))");
        if (std::regex_search(source, m, classesRe)) config["num_classes"] = std::stoll(m[1].str());
        static const std::regex poolRe(R"(global_pool\s*=\s*['"]([a-z]*)['"])");
        if (std::regex_search(source, m, poolRe)) {
            const std::string pool = m[1].str();
            const auto& pools = family.globalPools;
            if (!pools.empty()) {
                if (std::find(pools.begin(), pools.end(), pool) != pools.end()) config["global_pool"] = pool;
                else throw Error("backbone description: " + family.displayName + " global_pool '" + pool +
                                 "' is not supported (" + joined(pools) + ")");
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
    std::shared_ptr<const BackboneFamily> family;
    std::vector<std::string> classes;
    for (const auto& f : backboneFamilies())
        for (const auto& c : f->referenceClasses) {
            classes.push_back(c);
            if (c == name) family = f;
        }
    if (!family)
        throw Error("backbone description: unsupported model class \"" + source + "\" (" + joined(classes) + ")");
    spec.arch = family->name;
    json config = pickConfigKeys(spec.arch, d);
    if (family->readClassArguments) family->readClassArguments(d, config);
    if (d.contains("global_pool") && d.at("global_pool").is_string()) {
        const std::string pool = d.at("global_pool").get<std::string>();
        if (!family->globalPools.empty()) config["global_pool"] = pool;
        else if (pool != "avg")
            throw Error("backbone description: global_pool '" + pool + "' is not supported for " + spec.arch);
    }
    spec.config = completeConfig(spec.arch, config);
    return spec;
}

// ---------------------------------------------------------------------------------------------
// naming

io::TensorMap timmToTorchvision(const std::string& arch, const io::TensorMap& timmWeights) {
    const BackboneFamily& family = backboneFamilyOf(arch);
    if (!family.timmToTorchvision) throw Error("timm names of " + family.displayName + " backbones are not known");
    return family.timmToTorchvision(timmWeights);
}

std::string detectNaming(const io::TensorMap& weights) {
    std::vector<std::regex> timmRes, tvRes, sharedRes;
    for (const auto& f : backboneFamilies()) {
        if (!f->timmKeys.empty()) timmRes.emplace_back("^(" + f->timmKeys + ")");
        if (!f->torchvisionKeys.empty()) tvRes.emplace_back("^(" + f->torchvisionKeys + ")");
        if (!f->sharedKeys.empty()) sharedRes.emplace_back("^(" + f->sharedKeys + ")");
    }
    auto any = [](const std::vector<std::regex>& res, const std::string& name) {
        for (const auto& re : res)
            if (std::regex_search(name, re)) return true;
        return false;
    };
    int timm = 0, tv = 0, shared = 0;
    for (const auto& [name, t] : weights) {
        if (any(timmRes, name)) ++timm;
        else if (any(tvRes, name)) ++tv;
        else if (any(sharedRes, name)) ++shared;
    }
    if (timm > 0 && tv == 0) return "timm";
    if (tv > 0 && timm == 0) return "torchvision";
    if (timm == 0 && tv == 0 && shared > 0) return "torchvision";
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
