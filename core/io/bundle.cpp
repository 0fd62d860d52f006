#include "core/io/bundle.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/allocation_budget.h"
#include "core/nn/runtime.h"
#include "core/nn/backbone_registry.h"
#include "core/nn/state_dict.h"
#include "core/text/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/json_config.h"

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
    nlohmann::json c = nn::presetConfig(nn::backboneFamilyOf(family).standardPreset);
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
        else if (it->second.scalar_type() != t.scalar_type())
            report.mismatched.push_back(name + ": file holds " + std::string(c10::toString(it->second.scalar_type())) +
                                        " where " + c10::toString(t.scalar_type()) + " is expected");
    }
    for (const auto& [name, t] : weights)
        if (!expected.count(name)) report.unexpected.push_back(name);
    return report;
}

// The shape of `name` in `weights`, or "missing".
std::string shapeIn(const TensorMap& weights, const std::string& name) {
    auto it = weights.find(name);
    return it == weights.end() ? std::string("missing") : nn::shapeOf(it->second);
}

std::string dimsText(std::initializer_list<int64_t> dims) {
    std::string s = "[";
    bool first = true;
    for (int64_t d : dims) {
        s += (first ? "" : ", ") + std::to_string(d);
        first = false;
    }
    return s + "]";
}

// Checks, before anything is built, that the sizes lowclip.json gives agree with the tensors in
// model.safetensors (read from its header: the tensors are views into the mapped file), so that a
// configuration cannot make the model allocate more than its weight file holds. Dtypes are checked
// too: every weight is F32 (BatchNorm's step counters I64).
void checkHeaderAgainstConfig(const nn::ClipConfig& c, const TensorMap& weights, std::vector<std::string>& problems) {
    auto expect = [&](const std::string& name, std::initializer_list<int64_t> dims, const std::string& setting) {
        auto it = weights.find(name);
        std::vector<int64_t> want(dims);
        if (it == weights.end()) {
            problems.push_back(std::string(kBundleWeightsFile) + " has no '" + name + "' (" + setting + ")");
            return;
        }
        if (it->second.sizes().vec() != want)
            problems.push_back(std::string(kBundleWeightsFile) + " holds '" + name + "' as " + shapeIn(weights, name) +
                               " but lowclip.json's " + setting + " needs " + dimsText(dims));
    };
    std::size_t wrongTypes = 0;
    for (const auto& [name, tensor] : weights) {
        const bool counter = name.size() >= 19 && name.compare(name.size() - 19, 19, "num_batches_tracked") == 0;
        const at::ScalarType want = counter ? at::kLong : at::kFloat;
        if (tensor.scalar_type() != want && wrongTypes++ < 3)
            problems.push_back(std::string(kBundleWeightsFile) + " holds '" + name + "' as " +
                               c10::toString(tensor.scalar_type()) + " where " + c10::toString(want) + " is expected");
    }
    if (wrongTypes > 3)
        problems.push_back("... and " + std::to_string(wrongTypes - 3) + " more tensors of the wrong type");
    const auto& t = c.text;
    const std::string bert = "text_encoder.config";
    expect("text_encoder.embeddings.word_embeddings.weight", {t.vocabSize, t.hiddenSize}, bert + " vocab_size/hidden_size");
    expect("text_encoder.embeddings.position_embeddings.weight", {t.maxPositions, t.hiddenSize},
           bert + " max_position_embeddings");
    expect("text_encoder.embeddings.token_type_embeddings.weight", {t.typeVocabSize, t.hiddenSize}, bert + " type_vocab_size");
    expect("text_encoder.encoder.layer.0.intermediate.dense.weight", {t.intermediateSize, t.hiddenSize},
           bert + " intermediate_size");
    int64_t layers = 0;
    const std::string layerPrefix = "text_encoder.encoder.layer.";
    for (const auto& [name, tensor] : weights) {
        if (name.compare(0, layerPrefix.size(), layerPrefix) != 0) continue;
        std::size_t end = layerPrefix.size();
        int64_t n = 0;
        while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end])) && n < (int64_t{1} << 40))
            n = n * 10 + (name[end++] - '0');
        if (end > layerPrefix.size()) layers = std::max(layers, n + 1);
    }
    if (layers != t.numLayers)
        problems.push_back(std::string(kBundleWeightsFile) + " holds " + std::to_string(layers) +
                           " text encoder layers but lowclip.json's " + bert + " num_hidden_layers is " +
                           std::to_string(t.numLayers));
    const int64_t d = c.projectionDim;
    expect("text_projection.projection.weight", {d, t.hiddenSize}, "projection.dim");
    expect("text_projection.fc.weight", {d, d}, "projection.dim");
    expect("image_projection.fc.weight", {d, d}, "projection.dim");
    auto ip = weights.find("image_projection.projection.weight");
    if (ip == weights.end() || ip->second.dim() != 2 || ip->second.size(0) != d)
        problems.push_back(std::string(kBundleWeightsFile) + " holds 'image_projection.projection.weight' as " +
                           shapeIn(weights, "image_projection.projection.weight") + " but lowclip.json's projection.dim needs [" +
                           std::to_string(d) + ", features]");
    // The image tower's sizes: no number in its configuration may exceed the largest dimension of its
    // weights (a channel count, a kernel or a patch is never larger than the tensors it makes; numbers
    // up to 64, such as a ResNet's width_per_group, always pass). This bounds the tower without
    // building it, it does not prove the fit: the exact comparison follows once the model is built.
    int64_t largest = 0;
    for (const auto& [name, tensor] : weights)
        if (name.compare(0, 14, "image_encoder.") == 0)
            for (int64_t s : tensor.sizes()) largest = std::max(largest, s);
    // Depths (blocks per stage) add up to fewer blocks than there are tensors, and the width and depth
    // multipliers stay within what real models use.
    int64_t imageTensors = 0;
    for (const auto& [name, tensor] : weights)
        if (name.compare(0, 14, "image_encoder.") == 0) ++imageTensors;
    double blocks = 0;
    struct Item {
        std::string where;
        const nlohmann::json* value;
        bool depth;  // under a key that counts blocks
    };
    std::vector<Item> stack{{"image_encoder.config", &c.imageConfig, false}};
    std::size_t visited = 0;
    bool bad = false;
    while (!stack.empty() && visited < 100000 && !bad) {
        Item item = stack.back();
        stack.pop_back();
        ++visited;
        const nlohmann::json* v = item.value;
        if (v->is_object()) {
            for (auto it = v->begin(); it != v->end(); ++it) {
                if (it.key() == "image_size") continue;
                const bool depth = it.key() == "layers" || it.key() == "depths" || it.key() == "num_layers";
                stack.push_back({item.where + "." + it.key(), &*it, item.depth || depth});
            }
        } else if (v->is_array()) {
            for (std::size_t i = 0; i < v->size(); ++i)
                stack.push_back({item.where + "[" + std::to_string(i) + "]", &(*v)[i], item.depth});
        } else if (v->is_number()) {
            double x = v->get<double>();
            const bool multiplier = item.where.size() >= 5 && item.where.compare(item.where.size() - 5, 5, "_mult") == 0;
            if (!(std::fabs(x) <= static_cast<double>(std::max<int64_t>(largest, 64))) || (multiplier && !(x <= 4.0))) {
                problems.push_back("lowclip.json's " + item.where + " is " + v->dump() + ", larger than the image encoder's " +
                                   "weights in " + kBundleWeightsFile + " allow (their largest dimension is " +
                                   std::to_string(largest) + ")");
                bad = true;
            } else if (item.depth) {
                blocks += std::fabs(x);
            }
        }
    }
    if (visited >= 100000) problems.push_back("lowclip.json's image_encoder.config is too large");
    if (!bad && blocks > static_cast<double>(imageTensors))
        problems.push_back("lowclip.json's image_encoder.config describes " + std::to_string(static_cast<int64_t>(blocks)) +
                           " blocks, more than the " + std::to_string(imageTensors) + " image encoder tensors in " +
                           kBundleWeightsFile + " can hold");
    // The input side shapes only a ViT: its position table has (image_size / patch_size)^2 + 1 rows.
    std::string family;
    try {
        family = nn::backboneFamily(c.imageArch);
    } catch (const Error&) {
    }
    if (family == "vit") {
        nlohmann::json full = canonicalBackbone(family, c.imageConfig);
        if (c.imageArch != family) {
            nlohmann::json merged = nn::presetConfig(c.imageArch);
            for (auto it = c.imageConfig.begin(); it != c.imageConfig.end(); ++it) merged[it.key()] = it.value();
            full = canonicalBackbone(family, merged);
        }
        auto side = util::exactInteger(full.value("image_size", nlohmann::json()), 1, 1 << 20);
        auto patch = util::exactInteger(full.value("patch_size", nlohmann::json()), 1, 1 << 20);
        auto pos = weights.find("image_encoder.encoder.pos_embedding");
        if (!side || !patch || pos == weights.end() || pos->second.dim() != 3 ||
            pos->second.size(1) != (*side / *patch) * (*side / *patch) + 1)
            problems.push_back("lowclip.json's image_encoder.config image_size/patch_size do not fit "
                               "'image_encoder.encoder.pos_embedding' " +
                               shapeIn(weights, "image_encoder.encoder.pos_embedding") + " in " + kBundleWeightsFile);
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
    o.config = nn::ClipConfig::fromJson(o.info.raw, (fs::path(dir) / kBundleConfigFile).string());
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
        std::string missing;
        for (const char* special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"})
            if (std::find(o.vocab.begin(), o.vocab.end(), special) == o.vocab.end())
                missing += (missing.empty() ? "" : ", ") + std::string(special);
        if (!missing.empty())
            problems.push_back(std::string(kBundleVocabFile) + " lacks the special token(s) " + missing +
                               " that the tokenizer needs");
    }
    fs::path weightsPath = root / kBundleWeightsFile;
    if (!fs::is_regular_file(weightsPath)) {
        problems.push_back(std::string(kBundleWeightsFile) + " is missing");
    } else {
        try {
            o.weights = readSafetensors(weightsPath.string()).tensors;
            checkHeaderAgainstConfig(o.config, o.weights, problems);
        } catch (const Error& e) {
            problems.push_back(e.what());
        }
    }
    if (!problems.empty()) {
        std::string m = "model bundle '" + dir + "' is broken:";
        for (const auto& p : problems) m += "\n  - " + p;
        throw Error(ErrorCode::InvalidFile, m, {{"path", dir}, {"reason", problems.front()}});
    }
    return o;
}

// Builds the model that lowclip.json describes. What the construction may allocate is capped by the
// weights it is meant to hold (their bytes, 3 times over for float32 parameters of half-precision
// weights and initialisation, plus 128 MiB): a configuration that does not match its weights is
// refused before it takes the memory, whatever its numbers say.
nn::DualEncoder buildModel(const std::string& dir, const nn::ClipConfig& config, const TensorMap& weights) {
    const std::string what = "model bundle '" + dir + "': cannot build the model its lowclip.json describes";
    std::size_t weightBytes = 0;
    for (const auto& [name, t] : weights) weightBytes += static_cast<std::size_t>(t.nbytes());
    const std::size_t cap = 3 * weightBytes + (std::size_t{128} << 20);
    try {
        nn::AllocationBudget budget(cap);
        return nn::DualEncoder(config);
    } catch (const nn::AllocationBudgetExceeded&) {
        const std::string why = "its sizes need more memory than its " + std::string(kBundleWeightsFile) + " (" +
                                std::to_string(weightBytes >> 20) + " MiB) can fill";
        throw Error(ErrorCode::InvalidFile, what + ": " + why, {{"path", dir}, {"reason", why}});
    } catch (const Error& e) {
        throw Error(ErrorCode::InvalidFile, what + ": " + e.what(), {{"path", dir}, {"reason", e.what()}});
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::InvalidFile, what + " (it needs more memory than there is)", {{"path", dir}, {"reason", "too large"}});
    } catch (const std::exception&) {  // LibTorch's own text stays out of the message
        throw Error(ErrorCode::InvalidFile, what + " (its sizes are impossible)", {{"path", dir}, {"reason", "impossible sizes"}});
    }
}

void checkFits(const std::string& dir, const TensorMap& expected, const TensorMap& weights) {
    nn::LoadReport report = compareWeights(expected, weights);
    if (!report.ok())
        throw Error(ErrorCode::InvalidFile,
                    "model bundle '" + dir + "': " + kBundleWeightsFile + " does not fit lowclip.json:" + report.describe(),
                    {{"path", dir}, {"reason", "weights do not fit"}});
}

// An existing folder at `target` may be replaced by a new bundle only when it is empty, or is a
// readable bundle that holds nothing but the three bundle files: nothing of the user's is deleted.
void checkReplaceable(const fs::path& target) {
    std::error_code ec;
    fs::file_status st = fs::symlink_status(target, ec);
    if (ec || !fs::exists(st)) return;
    auto refuse = [&](const std::string& why) {
        throw Error(ErrorCode::AlreadyExists,
                    "cannot write the model bundle: '" + target.string() + "' " + why +
                        "; refusing to replace it (choose another folder)",
                    {{"path", target.string()}, {"reason", why}});
    };
    if (fs::is_symlink(st)) refuse("is a symbolic link");
    if (!fs::is_directory(st)) refuse("exists and is not a folder");
    std::vector<std::string> others;
    bool any = false;
    for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
        any = true;
        const std::string name = it->path().filename().string();
        const bool bundleFile = name == kBundleConfigFile || name == kBundleWeightsFile || name == kBundleVocabFile;
        std::error_code tec;
        if (!bundleFile || !it->is_regular_file(tec) || it->is_symlink(tec)) others.push_back(name);
    }
    if (ec) refuse("cannot be listed (" + ec.message() + ")");
    if (!any) return;
    if (!others.empty()) {
        std::string list;
        for (std::size_t i = 0; i < others.size() && i < 3; ++i) list += (i ? ", " : "") + others[i];
        if (others.size() > 3) list += ", ...";
        refuse("is a folder that is not only a model bundle (it also holds " + list + ")");
    }
    try {
        readBundleInfo(target.string());
    } catch (const Error& e) {
        refuse("is a folder that is not a valid model bundle (" + std::string(e.what()) + ")");
    }
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
    checkReplaceable(target);
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
    if (!fs::is_directory(root))
        throw Error(ErrorCode::NotFound, "model bundle folder '" + dir + "' does not exist", {{"path", dir}});
    fs::path cfgPath = root / kBundleConfigFile;
    if (!fs::is_regular_file(cfgPath))
        throw Error(ErrorCode::InvalidFile, "'" + dir + "' is not a LowCLIP model bundle: " + kBundleConfigFile + " is missing",
                    {{"path", dir}, {"reason", std::string(kBundleConfigFile) + " is missing"}});
    const std::string cfgFile = cfgPath.string();
    nlohmann::json j = util::readJsonFile(cfgFile);
    const util::JsonObject top(j, cfgFile);
    if (top.string("format", "", 256) != kBundleFormatName)
        throw Error(ErrorCode::InvalidFile,
                    "'" + cfgFile + "' does not describe a LowCLIP model bundle (\"format\" must be \"" + kBundleFormatName + "\")",
                    {{"path", cfgFile}, {"key", "format"}, {"reason", "not a LowCLIP bundle"}});
    top.require("format_version");
    const int64_t version =
        top.integer("format_version", 0, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    if (version < 1 || version > kBundleFormatVersion)
        throw Error(ErrorCode::Unsupported,
                    "'" + cfgFile + "': bundle format version " + std::to_string(version) +
                        " is not supported (this LowCLIP reads version " + std::to_string(kBundleFormatVersion) +
                        "); a newer LowCLIP may read it",
                    {{"path", cfgFile}, {"what", "format_version " + std::to_string(version)}});
    top.rejectUnknown({"format", "format_version", "name", "text_encoder", "image_encoder", "projection", "loss", "image",
                       "tokenizer", "weights", "provenance", "metrics"});
    const util::JsonObject weightsSection = top.object("weights");
    weightsSection.rejectUnknown({"file", "dtype"});
    weightsSection.choice("file", kBundleWeightsFile, {kBundleWeightsFile});
    weightsSection.choice("dtype", "F32", {"F32"});
    const util::JsonObject tokenizerSection = top.object("tokenizer");
    tokenizerSection.choice("type", "wordpiece", {"wordpiece"});
    tokenizerSection.choice("vocab_file", kBundleVocabFile, {kBundleVocabFile});
    std::string name = top.string("name", "", 1024);
    nn::ClipConfig config = nn::ClipConfig::fromJson(j, cfgFile);
    if (auto vs = tokenizerSection.optionalInteger("vocab_size", 1, std::numeric_limits<int64_t>::max());
        vs && *vs != config.text.vocabSize)
        tokenizerSection.fail("vocab_size", "is " + std::to_string(*vs) + " but the text encoder's embedding table has " +
                                                std::to_string(config.text.vocabSize) + " rows");
    BundleInfo info;
    info.dir = dir;
    info.formatVersion = static_cast<int>(version);
    info.raw = j;
    info.name = name.empty() ? folderName(dir) : name;
    const auto& t = config.text;
    info.textEncoder = "bert (" + std::to_string(t.numLayers) + " layers, hidden " + std::to_string(t.hiddenSize) + ", " +
                       std::to_string(t.numHeads) + " heads, vocab " + std::to_string(t.vocabSize) + ")";
    info.imageArch = displayArch(config.imageArch, config.imageConfig);
    info.projectionDim = config.projectionDim;
    info.loss = config.loss;
    info.imageSize = config.imageSize;
    info.vocabSize = t.vocabSize;
    info.lowercase = config.normalization != text::TextNormalization::None;
    info.normalization = nn::ClipConfig{config}.toJson()["tokenizer"]["normalization"].get<std::string>();
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
    nn::DualEncoder model = buildModel(dir, o.config, o.weights);
    checkFits(dir, nn::stateDict(*model), o.weights);
}

LoadedBundle loadBundle(const std::string& dir, const std::string& device) {
    c10::Device dev = nn::pickDevice(device);
    Opened o = openFiles(dir);
    LoadedBundle b;
    b.model = buildModel(dir, o.config, o.weights);
    checkFits(dir, nn::stateDict(*b.model), o.weights);
    nn::loadStateDict(*b.model, o.weights, /*strict=*/true, "model in bundle '" + dir + "'");
    b.model->to(dev);
    b.model->eval();
    b.config = o.config;
    b.tokenizer = std::make_shared<text::WordPieceTokenizer>(o.vocab, o.config.normalization);
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
        nn::DualEncoder model = buildModel(sourceDir, o.config, o.weights);
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
