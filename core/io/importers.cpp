#include "core/io/importers.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/bundle.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/state_dict.h"
#include "core/util/json_config.h"

namespace lowclip::io {

namespace fs = std::filesystem;

namespace {

void requireFile(const std::string& path, const std::string& what) {
    if (path.empty()) throw Error("no " + what + " given");
    if (!fs::exists(path)) throw Error(what + " '" + path + "' does not exist");
    if (!fs::is_regular_file(path)) throw Error(what + " '" + path + "' is not a file");
}

// The JSON object in `path`, or nullopt when there is no such file; a file that is there but
// broken is an error naming it (a config beside the weights should not be skipped silently).
std::optional<nlohmann::json> tryReadJson(const fs::path& path) {
    if (!fs::exists(path)) return std::nullopt;
    nlohmann::json j = util::readJsonFile(path.string());
    util::JsonObject check(j, path.string());
    return j;
}

// do_lower_case from tokenizer_config.json, else config.json, in `folder`; nullopt when neither says.
std::optional<bool> lowercaseHint(const fs::path& folder) {
    for (const char* name : {"tokenizer_config.json", "config.json"}) {
        auto j = tryReadJson(folder / name);
        if (!j) continue;
        if (auto v = util::JsonObject(*j, (folder / name).string()).optionalBoolean("do_lower_case")) return v;
    }
    return std::nullopt;
}

void applyCommonOptions(nn::ClipConfig& c, int imageSize, int maxTextLength, const std::string& loss, double temperature,
                        bool lowercase) {
    if (imageSize > 0) c.imageSize = imageSize;
    c.resizeSize = 0;
    if (maxTextLength < 2) throw Error("the maximum text length must be at least 2 tokens");
    c.maxTextLength = static_cast<int>(std::min<int64_t>(maxTextLength, c.text.maxPositions));
    if (loss != "simpleclip" && loss != "infonce") throw Error("unknown loss '" + loss + "' (use simpleclip or infonce)");
    c.loss = loss;
    c.temperature = temperature;
    c.normalization = lowercase ? text::TextNormalization::BertLower : text::TextNormalization::None;
    c.validate();
}

std::string absolute(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

}  // namespace

BundleInfo importSimpleClip(const SimpleClipImportOptions& o) {
    requireFile(o.stateDict, "state dict");
    requireFile(o.vocab, "vocabulary");
    if (o.out.empty()) throw Error("no output folder given (--out)");

    std::optional<nn::BertConfig> hint;
    if (!o.bertConfig.empty()) {
        requireFile(o.bertConfig, "BERT config");
        hint = nn::BertConfig::fromJsonFile(o.bertConfig);
    } else if (o.numHeads <= 0) {
        // A Hugging Face config.json beside the vocabulary (same folder) tells the attention heads.
        fs::path beside = fs::path(o.vocab).parent_path() / "config.json";
        auto j = tryReadJson(beside);
        if (j && j->contains("hidden_size") && j->contains("num_attention_heads"))
            hint = nn::BertConfig::fromJsonFile(beside.string());
    }

    TensorMap weights = loadWeights(o.stateDict);
    nn::SimpleClipImport imp;
    try {
        imp = nn::simpleClipToLowclip(weights, hint ? &*hint : nullptr, o.numHeads, o.imageArch, o.imageConfig);
    } catch (const Error& e) {
        throw Error("cannot import '" + o.stateDict + "': " + e.what());
    }
    std::vector<std::string> vocab = readVocabFile(o.vocab);
    if (static_cast<int64_t>(vocab.size()) != imp.config.text.vocabSize)
        throw Error("vocabulary '" + o.vocab + "' has " + std::to_string(vocab.size()) +
                    " tokens but the state dict's word embeddings have " + std::to_string(imp.config.text.vocabSize) +
                    " rows; give the vocab.txt the model was trained with");
    bool lowercase = o.lowercase ? *o.lowercase : lowercaseHint(fs::path(o.vocab).parent_path()).value_or(false);
    applyCommonOptions(imp.config, o.imageSize, o.maxTextLength, o.loss, o.temperature, lowercase);

    BundleProvenance prov;
    prov.name = o.name;
    prov.source = "import simpleclip " + absolute(o.stateDict);
    saveBundleWeights(o.out, imp.weights, imp.config, vocab, prov);
    return readBundleInfo(o.out);
}

BundleInfo importBase(const BaseImportOptions& o) {
    if (o.bertFolder.empty()) throw Error("no BERT folder given (--bert)");
    if (!fs::is_directory(o.bertFolder)) throw Error("BERT folder '" + o.bertFolder + "' does not exist");
    fs::path vocabPath = fs::path(o.bertFolder) / "vocab.txt";
    requireFile(vocabPath.string(), "vocabulary of the BERT folder");
    requireFile(o.imageWeights, "image weights");
    if (o.out.empty()) throw Error("no output folder given (--out)");
    if (o.projectionDim <= 0) throw Error("the projection dimension must be positive");

    nn::BertModel bert = nn::loadBertFolder(o.bertFolder);
    TensorMap imageWeights = loadWeights(o.imageWeights);
    nn::ImageTowerImport tower;
    try {
        tower = nn::importImageTower(imageWeights, o.imageArch, o.imageConfig);
    } catch (const Error& e) {
        throw Error("cannot import image weights '" + o.imageWeights + "': " + e.what());
    }

    nn::ClipConfig c;
    c.text = bert->config();
    c.imageArch = tower.arch;
    c.imageConfig = tower.config;
    c.projectionDim = o.projectionDim;
    c.dropout = o.dropout;
    int imageSize = o.imageSize;
    if (imageSize <= 0)
        if (auto side = util::exactInteger(tower.config.value("image_size", nlohmann::json()), 1, 8192))
            imageSize = static_cast<int>(*side);
    bool lowercase = o.lowercase ? *o.lowercase : lowercaseHint(o.bertFolder).value_or(false);
    applyCommonOptions(c, imageSize, o.maxTextLength, o.loss, o.temperature, lowercase);

    std::vector<std::string> vocab = readVocabFile(vocabPath.string());
    if (static_cast<int64_t>(vocab.size()) != c.text.vocabSize)
        throw Error("vocabulary '" + vocabPath.string() + "' has " + std::to_string(vocab.size()) +
                    " tokens but the BERT word embeddings have " + std::to_string(c.text.vocabSize) + " rows");

    torch::manual_seed(o.seed);
    nn::DualEncoder model(c);
    nn::loadStateDict(*model->textEncoder, nn::stateDict(*bert), true, "text encoder");
    nn::loadStateDict(*model->imageEncoder, tower.weights, true, "image encoder");

    BundleProvenance prov;
    prov.name = o.name;
    prov.source = "import base " + absolute(o.bertFolder) + " + " + absolute(o.imageWeights);
    prov.training = {{"projection_heads", "fresh"}, {"seed", o.seed}};
    saveBundle(o.out, *model, c, vocab, prov);
    return readBundleInfo(o.out);
}

}  // namespace lowclip::io
