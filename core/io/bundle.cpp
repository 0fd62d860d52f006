#include "core/io/bundle.h"

#include <ctime>
#include <map>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/text/tokenizer.h"
#include "core/util/atomic_file.h"

namespace lowclip::io {

namespace fs = std::filesystem;

namespace {

std::string utcNow() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string folderName(const std::string& dir) {
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    return p.filename().string();
}

// A backbone configuration with the family's defaults filled in and "4 x" written out, so that
// equal architectures compare equal without building them.
nlohmann::json canonicalBackbone(const std::string& family, const nlohmann::json& config) {
    static const std::map<std::string, std::string> standard = {
        {"efficientnet", "efficientnet_b0"}, {"resnet", "resnet50"}, {"vit", "vit_b_16"}, {"swin", "swin_t"}};
    nlohmann::json c = nn::presetConfig(standard.at(family));
    if (config.is_object())
        for (auto it = config.begin(); it != config.end(); ++it) c[it.key()] = it.value();
    c["num_classes"] = 0;
    if (family == "efficientnet" && c.value("last_channels", 0) == 0 && c.value("width_mult", 1.0) == 1.0 &&
        c["stages"].is_array() && !c["stages"].empty() && c["stages"].back().is_object())
        c["last_channels"] = 4 * c["stages"].back().value("out_channels", 0);
    return c;
}

// Which preset, if any, a backbone configuration is (for display).
std::string displayArch(const std::string& arch, const nlohmann::json& config) {
    try {
        std::string family = nn::backboneFamily(arch);
        nlohmann::json full = canonicalBackbone(family, config);
        if (arch != family) {  // a preset with overrides
            nlohmann::json merged = nn::presetConfig(arch);
            for (auto it = config.begin(); it != config.end(); ++it) merged[it.key()] = it.value();
            full = canonicalBackbone(family, merged);
        }
        for (const auto& preset : nn::backbonePresets()) {
            if (nn::backboneFamily(preset) != family) continue;
            if (canonicalBackbone(family, nn::presetConfig(preset)) == full) return preset;
        }
        return family;
    } catch (const std::exception&) {
        return arch;
    }
}

// Expected names and shapes (from a model built from `config`) against `weights`.
nn::LoadReport compareWeights(const TensorMap& expected, const TensorMap& weights) {
    nn::LoadReport report;
    for (const auto& [name, t] : expected) {
        auto it = weights.find(name);
        if (it == weights.end()) report.missing.push_back(name);
        else if (it->second.sizes() != t.sizes())
            report.mismatched.push_back(name + ": file " + nn::shapeOf(it->second) + " vs config " + nn::shapeOf(t));
    }
    for (const auto& [name, t] : weights)
        if (!expected.count(name)) report.unexpected.push_back(name);
    return report;
}

nlohmann::json readJsonFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read '" + path.string() + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {
        throw Error("'" + path.string() + "' is not valid JSON: " + e.what());
    }
}

struct Opened {
    BundleInfo info;
    nn::ClipConfig config;
    std::vector<std::string> vocab;
    TensorMap weights;
};

// Reads and checks everything except building the model.
Opened openFiles(const std::string& dir) {
    Opened o;
    o.info = readBundleInfo(dir);
    o.config = nn::ClipConfig::fromJson(o.info.raw);
    fs::path root(dir);
    std::vector<std::string> problems;
    fs::path vocabPath = root / kBundleVocabFile;
    if (!fs::is_regular_file(vocabPath)) {
        problems.push_back(std::string(kBundleVocabFile) + " is missing");
    } else {
        o.vocab = readVocabFile(vocabPath.string());
        if (static_cast<int64_t>(o.vocab.size()) != o.config.text.vocabSize)
            problems.push_back(std::string(kBundleVocabFile) + " has " + std::to_string(o.vocab.size()) +
                               " tokens but the text encoder's embedding table has " +
                               std::to_string(o.config.text.vocabSize) + " rows (vocabulary size mismatch)");
    }
    fs::path weightsPath = root / kBundleWeightsFile;
    if (!fs::is_regular_file(weightsPath)) {
        problems.push_back(std::string(kBundleWeightsFile) + " is missing");
    } else {
        try {
            o.weights = readSafetensors(weightsPath.string()).tensors;
        } catch (const Error& e) {
            problems.push_back(e.what());
        }
    }
    if (!problems.empty()) {
        std::string m = "model bundle '" + dir + "' is broken:";
        for (const auto& p : problems) m += "\n  - " + p;
        throw Error(m);
    }
    return o;
}

nn::DualEncoder buildModel(const std::string& dir, const nn::ClipConfig& config) {
    try {
        return nn::DualEncoder(config);
    } catch (const Error& e) {
        throw Error("model bundle '" + dir + "': cannot build the model its lowclip.json describes: " + e.what());
    }
}

void checkFits(const std::string& dir, const TensorMap& expected, const TensorMap& weights) {
    nn::LoadReport report = compareWeights(expected, weights);
    if (!report.ok())
        throw Error("model bundle '" + dir + "': " + kBundleWeightsFile + " does not fit lowclip.json:" +
                    report.describe());
}

// Writes the three files into a temporary folder beside `dir` and swaps it into place.
void writeBundleFolder(const std::string& dir, const TensorMap& weights, const nlohmann::json& description,
                       const std::vector<std::string>& vocab) {
    if (dir.empty()) throw Error("no output folder given for the model bundle");
    fs::path target = fs::absolute(fs::path(dir)).lexically_normal();
    if (target.filename().empty()) target = target.parent_path();
    fs::path parent = target.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw Error("cannot create folder '" + parent.string() + "': " + ec.message());
    if (fs::exists(target)) {
        if (!fs::is_directory(target))
            throw Error("cannot write the model bundle: '" + target.string() + "' exists and is not a folder");
        if (!fs::is_empty(target) && !fs::exists(target / kBundleConfigFile))
            throw Error("cannot write the model bundle: '" + target.string() +
                        "' is a folder that is not a model bundle; refusing to replace it (choose another folder)");
    }
    util::replaceFolder(target.string(), [&](const std::string& tmp) {
        std::string vocabText;
        for (const auto& t : vocab) {
            vocabText += t;
            vocabText += '\n';
        }
        util::writeFileAtomically((fs::path(tmp) / kBundleVocabFile).string(), vocabText);
        writeSafetensors((fs::path(tmp) / kBundleWeightsFile).string(), weights, {{"format", "pt"}});
        util::writeFileAtomically((fs::path(tmp) / kBundleConfigFile).string(), description.dump(2) + "\n");
    });
}

nlohmann::json describe(const nn::ClipConfig& config, const std::vector<std::string>& vocab, const BundleProvenance& info,
                        const std::string& dir) {
    nlohmann::json j;
    j["format"] = kBundleFormatName;
    j["format_version"] = kBundleFormatVersion;
    j["name"] = info.name.empty() ? folderName(dir) : info.name;
    const nlohmann::json model = config.toJson();
    for (auto it = model.begin(); it != model.end(); ++it) j[it.key()] = it.value();
    j["tokenizer"]["type"] = "wordpiece";
    j["tokenizer"]["vocab_file"] = kBundleVocabFile;
    j["tokenizer"]["vocab_size"] = vocab.size();
    j["weights"] = {{"file", kBundleWeightsFile}, {"dtype", "F32"}};
    j["provenance"] = {{"created", info.created.empty() ? utcNow() : info.created},
                       {"source", info.source},
                       {"training", info.training.is_null() ? nlohmann::json::object() : info.training},
                       {"lowclip_version", LOWCLIP_VERSION}};
    j["metrics"] = info.metrics.is_null() ? nlohmann::json::object() : info.metrics;
    return j;
}

void checkVocab(const nn::ClipConfig& config, const std::vector<std::string>& vocab) {
    if (static_cast<int64_t>(vocab.size()) != config.text.vocabSize)
        throw Error("the vocabulary has " + std::to_string(vocab.size()) + " tokens but the text encoder's embedding table has " +
                    std::to_string(config.text.vocabSize) + " rows (vocabulary size mismatch)");
}

}  // namespace

// ---------------------------------------------------------------- reading

std::vector<std::string> readVocabFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read vocabulary '" + path + "'");
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        std::size_t b = 0, e = line.size();
        while (b < e && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
        while (e > b && std::isspace(static_cast<unsigned char>(line[e - 1]))) --e;
        out.push_back(line.substr(b, e - b));
    }
    return out;
}

BundleInfo readBundleInfo(const std::string& dir) {
    fs::path root(dir);
    if (!fs::is_directory(root)) throw Error("model bundle folder '" + dir + "' does not exist");
    fs::path cfgPath = root / kBundleConfigFile;
    if (!fs::is_regular_file(cfgPath))
        throw Error("'" + dir + "' is not a LowCLIP model bundle: " + kBundleConfigFile + " is missing");
    nlohmann::json j = readJsonFile(cfgPath);
    if (!j.is_object()) throw Error("'" + cfgPath.string() + "' must hold a JSON object");
    auto fmt = j.find("format");
    if (fmt == j.end() || !fmt->is_string() || fmt->get<std::string>() != kBundleFormatName)
        throw Error("'" + cfgPath.string() + "' does not describe a LowCLIP model bundle (\"format\" must be \"" +
                    kBundleFormatName + "\")");
    auto ver = j.find("format_version");
    if (ver == j.end() || !ver->is_number_integer())
        throw Error("'" + cfgPath.string() + "' has no integer \"format_version\"");
    int version = ver->get<int>();
    if (version < 1 || version > kBundleFormatVersion)
        throw Error("'" + cfgPath.string() + "': bundle format version " + std::to_string(version) +
                    " is not supported (this LowCLIP reads version " + std::to_string(kBundleFormatVersion) +
                    "); a newer LowCLIP may read it");
    nn::ClipConfig config;
    try {
        config = nn::ClipConfig::fromJson(j);
    } catch (const Error& e) {
        throw Error("'" + cfgPath.string() + "': " + e.what());
    }
    BundleInfo info;
    info.dir = dir;
    info.formatVersion = version;
    info.raw = j;
    if (auto it = j.find("name"); it != j.end() && it->is_string()) info.name = it->get<std::string>();
    if (info.name.empty()) info.name = folderName(dir);
    const auto& t = config.text;
    info.textEncoder = "bert (" + std::to_string(t.numLayers) + " layers, hidden " + std::to_string(t.hiddenSize) + ", " +
                       std::to_string(t.numHeads) + " heads, vocab " + std::to_string(t.vocabSize) + ")";
    info.imageArch = displayArch(config.imageArch, config.imageConfig);
    info.projectionDim = config.projectionDim;
    info.loss = config.loss;
    info.imageSize = config.imageSize;
    info.vocabSize = t.vocabSize;
    info.lowercase = config.lowercase;
    info.maxTextLength = config.maxTextLength;
    if (auto p = j.find("provenance"); p != j.end() && p->is_object()) {
        if (auto c = p->find("created"); c != p->end() && c->is_string()) info.created = c->get<std::string>();
        if (auto s = p->find("source"); s != p->end() && s->is_string()) info.source = s->get<std::string>();
        if (auto tr = p->find("training"); tr != p->end() && tr->is_object()) info.training = *tr;
    }
    if (auto m = j.find("metrics"); m != j.end() && m->is_object()) info.metrics = *m;
    std::error_code ec;
    auto size = fs::file_size(root / kBundleWeightsFile, ec);
    info.weightsBytes = ec ? 0 : static_cast<std::uint64_t>(size);
    return info;
}

void validateBundle(const std::string& dir) {
    Opened o = openFiles(dir);
    nn::DualEncoder model = buildModel(dir, o.config);
    checkFits(dir, nn::stateDict(*model), o.weights);
}

LoadedBundle loadBundle(const std::string& dir, const std::string& device) {
    c10::Device dev = nn::pickDevice(device);
    Opened o = openFiles(dir);
    LoadedBundle b;
    b.model = buildModel(dir, o.config);
    checkFits(dir, nn::stateDict(*b.model), o.weights);
    nn::loadStateDict(*b.model, o.weights, /*strict=*/true, "model in bundle '" + dir + "'");
    b.model->to(dev);
    b.model->eval();
    b.config = o.config;
    b.tokenizer = std::make_shared<text::WordPieceTokenizer>(o.vocab, o.config.lowercase);
    b.vocab = std::move(o.vocab);
    b.info = std::move(o.info);
    return b;
}

// ---------------------------------------------------------------- writing

void saveBundleWeights(const std::string& dir, const TensorMap& weights, const nn::ClipConfig& config,
                       const std::vector<std::string>& vocabTokens, const BundleProvenance& info) {
    config.validate();
    checkVocab(config, vocabTokens);
    {
        nn::DualEncoder probe(config);
        nn::LoadReport report = compareWeights(nn::stateDict(*probe), weights);
        if (!report.ok()) throw Error("cannot save the model bundle: the weights do not fit its configuration:" + report.describe());
    }
    writeBundleFolder(dir, weights, describe(config, vocabTokens, info, dir), vocabTokens);
}

void saveBundle(const std::string& dir, const nn::DualEncoderImpl& model, const nn::ClipConfig& config,
                const std::vector<std::string>& vocabTokens, const BundleProvenance& info) {
    config.validate();
    checkVocab(config, vocabTokens);
    TensorMap weights = nn::stateDict(model);
    auto arch = [](const nn::ClipConfig& c) {
        nlohmann::json j = c.toJson();
        return nlohmann::json{j["text_encoder"], j["image_encoder"], j["projection"]["dim"]};
    };
    if (arch(config) != arch(model.config())) {
        nn::DualEncoder probe(config);
        nn::LoadReport report = compareWeights(nn::stateDict(*probe), weights);
        if (!report.ok())
            throw Error("cannot save the model bundle: the model does not fit the given configuration:" + report.describe());
    }
    // Detach from autograd and the device; writeSafetensors makes contiguous CPU copies.
    TensorMap cpu;
    for (const auto& [k, v] : weights) cpu[k] = v.detach().to(torch::kCPU);
    writeBundleFolder(dir, cpu, describe(config, vocabTokens, info, dir), vocabTokens);
}

void saveBundle(const std::string& dir, const nn::DualEncoderImpl& model, const nn::ClipConfig& config,
                const std::string& vocabPath, const BundleProvenance& info) {
    saveBundle(dir, model, config, readVocabFile(vocabPath), info);
}

}  // namespace lowclip::io

namespace lowclip::io {

BundleInfo importBundle(const std::string& sourceDir, const std::string& out) {
    Opened o = openFiles(sourceDir);
    {
        nn::DualEncoder model = buildModel(sourceDir, o.config);
        checkFits(sourceDir, nn::stateDict(*model), o.weights);
    }
    if (fs::exists(out) && fs::equivalent(fs::path(sourceDir), fs::path(out)))
        throw Error("cannot import the bundle '" + sourceDir + "' onto itself");
    nlohmann::json description = o.info.raw;
    writeBundleFolder(out, o.weights, description, o.vocab);
    return readBundleInfo(out);
}

std::string guessImageArch(const std::string& weightsPath) {
    TensorMap w = loadWeights(weightsPath);
    std::string family = nn::guessBackboneFamily(w);
    if (family.empty()) return "";
    try {
        nn::ImageTowerImport tower = nn::importImageTower(w, family);
        return displayArch(tower.arch, tower.config);
    } catch (const Error&) {
        return family;
    }
}

}  // namespace lowclip::io
