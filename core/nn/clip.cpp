#include "core/nn/clip.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/keyed_random.h"
#include "core/nn/backbone_registry.h"
#include "core/nn/state_dict.h"
#include "core/util/json_config.h"

namespace lowclip::nn {

namespace {

const double kLogitScaleMax = std::log(100.0);

// Bounds of a model configuration's sizes (far above any real model, far below what overflows).
constexpr int64_t kMaxProjectionDim = 1 << 16;
constexpr int64_t kMaxImageSide = 8192;
constexpr int64_t kMaxTextPositions = 1 << 16;

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// ---- tokenizer normalization names in lowclip.json (text::normalizationName's spelling) ----

const char* normalizationKey(text::TextNormalization n) {
    switch (n) {
    case text::TextNormalization::BertLower: return "lower";
    case text::TextNormalization::Azerbaijani: return "azerbaijani";
    case text::TextNormalization::None: break;
    }
    return "none";
}

text::TextNormalization normalizationFromKey(const std::string& name) {
    if (name == "lower") return text::TextNormalization::BertLower;
    if (name == "azerbaijani") return text::TextNormalization::Azerbaijani;
    return text::TextNormalization::None;
}

}  // namespace

// ---------------------------------------------------------------- ClipConfig

nlohmann::json ClipConfig::toJson() const {
    nlohmann::json j;
    j["text_encoder"] = {{"type", "bert"}, {"config", text.toJson()}};
    nlohmann::json imageCfg = imageConfig.is_null() ? nlohmann::json::object() : imageConfig;
    j["image_encoder"] = {{"arch", imageArch}, {"config", imageCfg}};
    j["projection"] = {{"dim", projectionDim}, {"dropout", dropout}};
    j["loss"] = {{"kind", loss}, {"temperature", temperature}, {"logit_scale_init", logitScaleInit}};
    j["image"] = {{"size", imageSize},
                  {"resize_size", resizeSize > 0 ? resizeSize : imageSize},
                  {"mean", {mean[0], mean[1], mean[2]}},
                  {"std", {std[0], std[1], std[2]}},
                  {"interpolation", interpolation}};
    // "lowercase" too, for readers that predate "normalization".
    j["tokenizer"] = {{"normalization", normalizationKey(normalization)},
                      {"lowercase", normalization != text::TextNormalization::None},
                      {"max_length", maxTextLength}};
    return j;
}

ClipConfig ClipConfig::fromJson(const nlohmann::json& j, const std::string& file) {
    const util::JsonObject top(j, file);
    ClipConfig c;
    const util::JsonObject te = top.object("text_encoder");
    te.rejectUnknown({"type", "config"});
    te.choice("type", "bert", {"bert"});
    te.require("config");
    c.text = BertConfig::fromJson(te.object("config").json(), file, te.path("config"));

    const util::JsonObject ie = top.object("image_encoder");
    ie.rejectUnknown({"arch", "config"});
    ie.require("arch");
    c.imageArch = ie.string("arch", "", 128);
    if (c.imageArch.empty()) ie.fail("arch", "is empty");
    c.imageConfig = ie.object("config").json();

    const util::JsonObject pr = top.object("projection");
    pr.rejectUnknown({"dim", "dropout"});
    c.projectionDim = pr.integer("dim", c.projectionDim, 1, kMaxProjectionDim);
    c.dropout = pr.number("dropout", c.dropout, 0.0, 0.999999);

    const util::JsonObject lo = top.object("loss");
    lo.rejectUnknown({"kind", "temperature", "logit_scale_init"});
    c.loss = lo.choice("kind", c.loss, {"simpleclip", "infonce"});
    c.temperature = lo.number("temperature", c.temperature, 1e-6, 1e6);
    c.logitScaleInit = lo.number("logit_scale_init", c.logitScaleInit, -100.0, 100.0);

    const util::JsonObject im = top.object("image");
    im.rejectUnknown({"size", "resize_size", "mean", "std", "interpolation"});
    c.imageSize = static_cast<int>(im.integer("size", c.imageSize, 1, kMaxImageSide));
    c.resizeSize = static_cast<int>(im.integer("resize_size", c.resizeSize, 0, 2 * kMaxImageSide));
    auto triple = [&](const char* key, std::array<float, 3>& out, double min) {
        std::vector<double> v = im.numbers(key, 3, {out[0], out[1], out[2]}, min, 1000.0);
        for (std::size_t i = 0; i < 3; ++i) out[i] = static_cast<float>(v[i]);
    };
    triple("mean", c.mean, -1000.0);
    triple("std", c.std, 1e-6);
    c.interpolation = im.choice("interpolation", c.interpolation,
                                {"bilinear", "linear", "bicubic", "cubic", "lanczos", "box", "area", "nearest"});

    // A bundle's lowclip.json keeps its vocabulary's file name and size in this section too.
    const util::JsonObject tk = top.object("tokenizer");
    tk.rejectUnknown({"normalization", "lowercase", "max_length", "type", "vocab_file", "vocab_size"});
    if (tk.has("normalization"))
        c.normalization = normalizationFromKey(tk.choice("normalization", "none", {"none", "lower", "azerbaijani"}));
    else
        c.normalization = tk.boolean("lowercase", false) ? text::TextNormalization::BertLower : text::TextNormalization::None;
    c.maxTextLength = static_cast<int>(tk.integer("max_length", c.maxTextLength, 2, kMaxTextPositions));
    try {
        c.validate();
    } catch (const Error& e) {
        std::string reason = e.what();
        Error::Details d{{"reason", reason}};
        if (!file.empty()) d["path"] = file;
        throw Error(ErrorCode::InvalidFile, file.empty() ? reason : "'" + file + "': " + reason, std::move(d));
    }
    return c;
}

void ClipConfig::validate() const {
    auto bad = [](const std::string& m) { throw Error("model config: " + m); };
    if (text.hiddenSize <= 0 || text.vocabSize <= 0 || text.numLayers < 0 || text.numHeads <= 0)
        bad("text encoder sizes must be positive");
    if (text.hiddenSize % text.numHeads != 0)
        bad("text encoder hidden size " + std::to_string(text.hiddenSize) + " is not divisible by its " +
            std::to_string(text.numHeads) + " attention heads");
    if (imageArch.empty()) bad("image_encoder.arch is empty");
    if (!imageConfig.is_object()) bad("image_encoder.config must be a JSON object");
    if (projectionDim <= 0) bad("projection.dim must be positive");
    if (!(dropout >= 0.0 && dropout < 1.0)) bad("projection.dropout must be in [0, 1)");
    if (loss != "simpleclip" && loss != "infonce") bad("loss.kind '" + loss + "' is unknown (use 'simpleclip' or 'infonce')");
    if (!(temperature > 0.0) || !std::isfinite(temperature)) bad("loss.temperature must be positive");
    if (!std::isfinite(logitScaleInit)) bad("loss.logit_scale_init must be finite");
    if (maxTextLength < 2) bad("tokenizer.max_length must be at least 2");
    if (maxTextLength > text.maxPositions)
        bad("tokenizer.max_length " + std::to_string(maxTextLength) + " exceeds the text encoder's " +
            std::to_string(text.maxPositions) + " positions");
    if (imageSize <= 0) bad("image.size must be positive");
    if (resizeSize < 0 || (resizeSize > 0 && resizeSize < imageSize)) bad("image.resize_size must be 0 or at least image.size");
    for (float s : std) if (!(s > 0.0f)) bad("image.std values must be positive");
}

// ---------------------------------------------------------------- ProjectionHead

ProjectionHeadImpl::ProjectionHeadImpl(int64_t embeddingDim, int64_t projectionDim, double dropoutP) {
    projection = register_module("projection", torch::nn::Linear(embeddingDim, projectionDim));
    fc = register_module("fc", torch::nn::Linear(projectionDim, projectionDim));
    dropout = register_module("dropout", torch::nn::Dropout(dropoutP));
    layerNorm = register_module(
        "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({projectionDim}).eps(1e-5)));
}

torch::Tensor ProjectionHeadImpl::forward(const torch::Tensor& x) {
    torch::Tensor projected = projection(x);
    torch::Tensor h = fc(torch::gelu(projected));
    h = lowclip::nn::dropout(h, dropout->options.p(), dropout->is_training());
    return layerNorm(h + projected);
}

// ---------------------------------------------------------------- DualEncoder

DualEncoderImpl::DualEncoderImpl(const ClipConfig& config) : config_(config) {
    config_.validate();
    nlohmann::json imageCfg = config_.imageConfig.is_null() ? nlohmann::json::object() : config_.imageConfig;
    imageCfg["num_classes"] = 0;
    textEncoder = register_module("text_encoder", BertModel(config_.text));
    imageEncoder = register_module("image_encoder", makeBackbone(config_.imageArch, imageCfg));
    textProjection = register_module(
        "text_projection", ProjectionHead(config_.text.hiddenSize, config_.projectionDim, config_.dropout));
    imageProjection = register_module(
        "image_projection", ProjectionHead(imageEncoder->featureDim(), config_.projectionDim, config_.dropout));
    logit_scale = register_parameter("logit_scale", torch::full({}, config_.logitScaleInit, torch::kFloat32));
}

torch::Tensor DualEncoderImpl::imageFeatures(const torch::Tensor& images) {
    if (images.dim() != 4 || images.size(1) != 3)
        throw Error("image batch must be [N, 3, H, W], got " + shapeOf(images));
    return imageEncoder->forwardFeatures(images);
}

torch::Tensor DualEncoderImpl::textFeatures(const torch::Tensor& inputIds, const torch::Tensor& attentionMask) {
    if (inputIds.dim() != 2) throw Error("token ids must be [N, L], got " + shapeOf(inputIds));
    if (inputIds.size(1) > config_.text.maxPositions)
        throw Error("text of " + std::to_string(inputIds.size(1)) + " tokens exceeds the text encoder's " +
                    std::to_string(config_.text.maxPositions) + " positions");
    return textEncoder->firstTokenState(inputIds, attentionMask, torch::Tensor());
}

torch::Tensor DualEncoderImpl::encodeImages(const torch::Tensor& images) { return imageProjection(imageFeatures(images)); }

torch::Tensor DualEncoderImpl::encodeTexts(const torch::Tensor& inputIds, const torch::Tensor& attentionMask) {
    return textProjection(textFeatures(inputIds, attentionMask));
}

torch::Tensor DualEncoderImpl::logitScale() const { return logit_scale.clamp_max(kLogitScaleMax).exp(); }

torch::Tensor DualEncoderImpl::loss(const torch::Tensor& imageEmbeddings, const torch::Tensor& textEmbeddings) {
    if (config_.loss == "infonce") return infoNceLoss(imageEmbeddings, textEmbeddings, logitScale());
    return simpleClipLoss(imageEmbeddings, textEmbeddings, config_.temperature);
}

// ---------------------------------------------------------------- losses

namespace {
void checkPairs(const torch::Tensor& I, const torch::Tensor& T) {
    if (I.dim() != 2 || T.dim() != 2 || I.size(0) != T.size(0) || I.size(1) != T.size(1))
        throw Error("contrastive loss needs image and text embeddings of the same shape [B, D], got " + shapeOf(I) +
                    " and " + shapeOf(T));
    if (I.size(0) < 1) throw Error("contrastive loss needs at least one pair");
}
}  // namespace

SimpleClipLossParts simpleClipLossParts(const torch::Tensor& I, const torch::Tensor& T, double temperature) {
    checkPairs(I, T);
    SimpleClipLossParts p;
    p.logits = torch::matmul(T, I.t()) / temperature;
    torch::Tensor imagesSimilarity = torch::matmul(I, I.t());
    torch::Tensor textsSimilarity = torch::matmul(T, T.t());
    p.targets = torch::softmax((imagesSimilarity + textsSimilarity) / 2.0 * temperature, -1);
    torch::Tensor textsLoss = -(p.targets * torch::log_softmax(p.logits, -1)).sum(1);
    torch::Tensor imagesLoss = -(p.targets.t() * torch::log_softmax(p.logits.t(), -1)).sum(1);
    p.loss = ((imagesLoss + textsLoss) / 2.0).mean();
    return p;
}

torch::Tensor simpleClipLoss(const torch::Tensor& I, const torch::Tensor& T, double temperature) {
    return simpleClipLossParts(I, T, temperature).loss;
}

InfoNceLossParts infoNceLossParts(const torch::Tensor& I, const torch::Tensor& T, const torch::Tensor& logitScale) {
    checkPairs(I, T);
    InfoNceLossParts p;
    torch::Tensor In = I / I.norm(2, -1, true);
    torch::Tensor Tn = T / T.norm(2, -1, true);
    p.logitsPerImage = logitScale * torch::matmul(In, Tn.t());
    torch::Tensor labels = torch::arange(I.size(0), torch::TensorOptions().dtype(torch::kLong).device(I.device()));
    p.loss = (torch::nn::functional::cross_entropy(p.logitsPerImage, labels) +
              torch::nn::functional::cross_entropy(p.logitsPerImage.t(), labels)) /
             2.0;
    return p;
}

torch::Tensor infoNceLoss(const torch::Tensor& I, const torch::Tensor& T, const torch::Tensor& logitScale) {
    return infoNceLossParts(I, T, logitScale).loss;
}

torch::Tensor infoNceLoss(const torch::Tensor& I, const torch::Tensor& T, double logitScale) {
    return infoNceLoss(I, T, torch::full({}, logitScale, I.options()));
}

// ---------------------------------------------------------------- reading dimensions

BertConfig inferBertConfig(const io::TensorMap& w, const BertConfig* hint, int64_t numHeads) {
    const std::string what = "BERT weights";
    const at::Tensor& word = requireWeight(w, "embeddings.word_embeddings.weight", what, 2);
    const at::Tensor& pos = requireWeight(w, "embeddings.position_embeddings.weight", what, 2);
    BertConfig c = hint ? *hint : BertConfig();
    int64_t vocab = word.size(0), hidden = word.size(1), positions = pos.size(0);
    int64_t typeVocab = 0;
    if (auto it = w.find("embeddings.token_type_embeddings.weight"); it != w.end()) {
        if (it->second.dim() != 2) throw Error(what + ": token_type_embeddings must be 2-D, got " + shapeOf(it->second));
        typeVocab = it->second.size(0);
    } else {
        throw Error(what + ": weight 'embeddings.token_type_embeddings.weight' is missing");
    }
    std::set<int64_t> layers = indicesUnder(w, "encoder.layer.");
    int64_t numLayers = static_cast<int64_t>(layers.size());
    int64_t i = 0;
    for (int64_t l : layers)
        if (l != i++) throw Error(what + ": encoder layers are not numbered 0.." + std::to_string(numLayers - 1) +
                                  " (layer " + std::to_string(l) + " found)");
    int64_t intermediate = c.intermediateSize;
    if (numLayers > 0) intermediate = requireWeight(w, "encoder.layer.0.intermediate.dense.weight", what, 2).size(0);
    if (pos.size(1) != hidden)
        throw Error(what + ": position embeddings are " + shapeOf(pos) + " but word embeddings have width " +
                    std::to_string(hidden));

    if (hint) {
        auto check = [&](const char* field, int64_t fromConfig, int64_t fromShapes) {
            if (fromConfig != fromShapes)
                throw Error("BERT config says " + std::string(field) + " = " + std::to_string(fromConfig) +
                            " but the weights have " + std::to_string(fromShapes));
        };
        check("vocab_size", hint->vocabSize, vocab);
        check("hidden_size", hint->hiddenSize, hidden);
        check("num_hidden_layers", hint->numLayers, numLayers);
        check("intermediate_size", hint->intermediateSize, intermediate);
        check("max_position_embeddings", hint->maxPositions, positions);
        check("type_vocab_size", hint->typeVocabSize, typeVocab);
    }
    c.vocabSize = vocab;
    c.hiddenSize = hidden;
    c.numLayers = numLayers;
    c.intermediateSize = intermediate;
    c.maxPositions = positions;
    c.typeVocabSize = typeVocab;
    if (numHeads > 0) {
        c.numHeads = numHeads;
    } else if (!hint) {
        c.numHeads = std::max<int64_t>(1, hidden / 64);
    }
    if (c.numHeads <= 0 || hidden % c.numHeads != 0)
        throw Error(what + ": hidden size " + std::to_string(hidden) + " is not divisible by " +
                    std::to_string(c.numHeads) + " attention heads; give the number of heads (config.json or --heads)");
    return c;
}

std::string guessBackboneFamily(const io::TensorMap& w) {
    std::string found;
    int hits = 0;
    for (const auto& f : backboneFamilies())
        if (f->recognises && f->recognises(w)) {
            found = f->name;
            ++hits;
        }
    return hits == 1 ? found : "";
}

io::TensorMap stripClassifier(const std::string& family, const io::TensorMap& w) {
    std::vector<std::string> heads;
    if (auto f = findBackboneFamily(family)) {
        heads = f->classifierPrefixes;
    } else {  // any family's
        for (const auto& other : backboneFamilies())
            heads.insert(heads.end(), other->classifierPrefixes.begin(), other->classifierPrefixes.end());
    }
    io::TensorMap out;
    for (const auto& [k, v] : w) {
        bool drop = false;
        for (const auto& h : heads) drop = drop || startsWith(k, h);
        if (!drop) out[k] = v;
    }
    return out;
}

nlohmann::json inferBackboneConfig(const std::string& familyOrArch, const io::TensorMap& weights) {
    const BackboneFamily& f = backboneFamilyOf(familyOrArch);
    const std::string family = f.name;
    const std::string what = family + " image weights";
    if (!f.inferConfig)
        throw Error("the dimensions of a " + f.displayName + " backbone cannot be read from its weights; give the "
                    "architecture explicitly (--arch " + f.standardPreset + ")");
    io::TensorMap w = stripClassifier(family, weights);
    nlohmann::json c = f.inferConfig(w, what);
    c["num_classes"] = 0;
    // Check: the inferred architecture has exactly these parameter names and shapes.
    Backbone probe = makeBackbone(family, c);
    io::TensorMap expected = stateDict(*probe);
    LoadReport report;
    for (const auto& [name, t] : expected) {
        auto it = w.find(name);
        if (it == w.end()) report.missing.push_back(name);
        else if (it->second.sizes() != t.sizes())
            report.mismatched.push_back(name + ": weights " + shapeOf(it->second) + " vs inferred " + shapeOf(t));
    }
    for (const auto& [name, t] : w)
        if (!expected.count(name)) report.unexpected.push_back(name);
    if (!report.ok())
        throw Error("could not read a " + family + " configuration from the image weights; give the architecture "
                    "explicitly (--arch):" + report.describe(6));
    return c;
}

ImageTowerImport importImageTower(const io::TensorMap& weights, const std::string& archHint,
                                  const nlohmann::json& overrides) {
    std::string family;
    if (!archHint.empty()) {
        family = backboneFamily(archHint);
    } else {
        family = guessBackboneFamily(weights);
        if (family.empty()) {
            std::string presets, families;
            for (const auto& f : backboneFamilies()) {
                presets += (presets.empty() ? "" : "|") + f->standardPreset;
                families += (families.empty() ? "" : ", ") + f->name;
            }
            throw Error("cannot tell the image encoder's architecture from its weight names; give it explicitly "
                        "(--arch " + presets + " or a family: " + families + ")");
        }
    }
    ImageTowerImport out;
    out.naming = detectNaming(weights);
    io::TensorMap tv = weights;
    if (out.naming == "timm") tv = timmToTorchvision(archHint.empty() ? family : archHint, weights);
    tv = stripClassifier(family, tv);

    const auto presets = backbonePresets();
    bool isPreset = std::find(presets.begin(), presets.end(), archHint) != presets.end();
    nlohmann::json cfg;
    if (isPreset) {
        cfg = presetConfig(archHint);
        cfg["num_classes"] = 0;
    } else {
        cfg = inferBackboneConfig(family, tv);
    }
    const BackboneFamily& spec = backboneFamilyOf(family);
    if (out.naming == "timm" && spec.timmConfig) spec.timmConfig(weights, cfg);  // what timm's names imply
    if (!overrides.is_null() && !overrides.is_object()) throw Error("image config overrides must be a JSON object");
    if (overrides.is_object())
        for (auto it = overrides.begin(); it != overrides.end(); ++it) cfg[it.key()] = it.value();
    cfg["num_classes"] = 0;
    // Build once: the names and shapes must agree exactly.
    Backbone probe = makeBackbone(family, cfg);
    io::TensorMap expected = stateDict(*probe);
    LoadReport report;
    for (const auto& [name, t] : expected) {
        auto it = tv.find(name);
        if (it == tv.end()) report.missing.push_back(name);
        else if (it->second.sizes() != t.sizes())
            report.mismatched.push_back(name + ": weights " + shapeOf(it->second) + " vs " + family + " " + shapeOf(t));
    }
    for (const auto& [name, t] : tv)
        if (!expected.count(name)) report.unexpected.push_back(name);
    if (!report.ok())
        throw Error("the image weights do not fit " + (archHint.empty() ? family : archHint) + ":" + report.describe(6));
    out.arch = family;
    out.config = probe->config();
    out.featureDim = probe->featureDim();
    out.weights = std::move(tv);
    return out;
}

// ---------------------------------------------------------------- Simple-CLIP import

SimpleClipImport simpleClipToLowclip(const io::TensorMap& stateDict, const BertConfig* bertHint, int64_t numHeads,
                                     const std::string& imageArch, const nlohmann::json& imageOverrides) {
    const std::string what = "Simple-CLIP state dict";
    // Towers: Simple-CLIP wraps them in `.model`; a LowCLIP-native dict has them directly.
    auto tower = [&](const std::string& name) {
        io::TensorMap t = selectPrefix(stateDict, name + ".model.");
        if (t.empty()) t = selectPrefix(stateDict, name + ".");
        return t;
    };
    io::TensorMap text = tower("text_encoder");
    io::TensorMap image = tower("image_encoder");
    io::TensorMap textProj = selectPrefix(stateDict, "text_projection.");
    io::TensorMap imageProj = selectPrefix(stateDict, "image_projection.");
    if (text.empty() || image.empty() || textProj.empty() || imageProj.empty()) {
        std::string missing;
        if (text.empty()) missing += " text_encoder.*";
        if (image.empty()) missing += " image_encoder.*";
        if (textProj.empty()) missing += " text_projection.*";
        if (imageProj.empty()) missing += " image_projection.*";
        throw Error(what + " has no" + missing +
                    " weights; expected a torch.save(CLIPModel().state_dict()) of Simple-CLIP/LowCLIP");
    }
    for (const auto& [k, v] : stateDict) {
        if (startsWith(k, "text_encoder.") || startsWith(k, "image_encoder.") || startsWith(k, "text_projection.") ||
            startsWith(k, "image_projection.") || k == "logit_scale")
            continue;
        throw Error(what + ": unexpected weight '" + k + "'");
    }
    // Text tower: Hugging Face names, perhaps with a "bert." prefix; drop position_ids buffers and heads.
    text = huggingFaceBertKeys(text);

    ImageTowerImport imageTower = importImageTower(image, imageArch, imageOverrides);

    SimpleClipImport out;
    ClipConfig& c = out.config;
    c.text = inferBertConfig(text, bertHint, numHeads);
    c.imageArch = imageTower.arch;
    c.imageConfig = imageTower.config;
    c.maxTextLength = static_cast<int>(std::min<int64_t>(c.maxTextLength, c.text.maxPositions));
    const at::Tensor& tp = requireWeight(textProj, "projection.weight", what + " (text_projection)", 2);
    const at::Tensor& ip = requireWeight(imageProj, "projection.weight", what + " (image_projection)", 2);
    if (tp.size(0) != ip.size(0))
        throw Error(what + ": text projection is " + std::to_string(tp.size(0)) + "-dimensional but image projection is " +
                    std::to_string(ip.size(0)) + "-dimensional");
    c.projectionDim = tp.size(0);
    if (ip.size(1) != imageTower.featureDim)
        throw Error(what + ": image_projection.projection.weight is " + shapeOf(ip) + " but the image encoder gives " +
                    std::to_string(imageTower.featureDim) + " features");
    if (tp.size(1) != c.text.hiddenSize)
        throw Error(what + ": text_projection.projection.weight is " + shapeOf(tp) + " but the text encoder's hidden size is " +
                    std::to_string(c.text.hiddenSize));

    out.weights = addPrefix(text, "text_encoder.");
    for (auto& [k, v] : addPrefix(imageTower.weights, "image_encoder.")) out.weights[k] = v;
    for (auto& [k, v] : addPrefix(textProj, "text_projection.")) out.weights[k] = v;
    for (auto& [k, v] : addPrefix(imageProj, "image_projection.")) out.weights[k] = v;
    if (auto it = stateDict.find("logit_scale"); it != stateDict.end()) {
        if (it->second.numel() != 1) throw Error(what + ": logit_scale must be a single number, got " + shapeOf(it->second));
        out.weights["logit_scale"] = it->second.reshape({});
        c.logitScaleInit = it->second.to(torch::kDouble).item<double>();
    } else {
        out.weights["logit_scale"] = torch::full({}, c.logitScaleInit, torch::kFloat32);
    }
    return out;
}

}  // namespace lowclip::nn
