#include "core/train/demo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/runtime.h"
#include "core/text/vocab_builder.h"
#include "core/train/batch_sources.h"

namespace lowclip::train {

WorldEvalSet makeWorldEvalSet(const SyntheticWorld& world, SceneKind kind, int images, std::uint64_t seed,
                              const std::string& name, WorldSplit split) {
    WorldEvalSet set;
    set.name = name;
    set.samples = world.generate(kind, split, images, seed, 1);
    std::set<std::string> seen;
    for (const auto& s : set.samples)
        for (const auto& c : s.captions)
            if (seen.insert(c.text).second) set.queries.push_back(c);
    for (const auto& q : set.queries) {
        std::vector<int> rel;
        for (std::size_t i = 0; i < set.samples.size(); ++i)
            if (satisfies(set.samples[i].scene, q.spec)) rel.push_back(static_cast<int>(i));
        set.relevant.push_back(std::move(rel));
    }
    return set;
}

namespace {

vision::PreprocessSpec specOf(const nn::ClipConfig& c) {
    vision::PreprocessSpec s;
    s.imageSize = c.imageSize;
    s.resizeSize = c.resizeSize;
    s.mean = c.mean;
    s.std = c.std;
    s.interpolation = c.interpolation;
    return s;
}

std::vector<float> toVector(const torch::Tensor& t) {
    auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

std::vector<float> encodeImagesWith(nn::DualEncoderImpl& model, const std::vector<vision::Image>& images,
                                    const nn::ClipConfig& config, int batchSize) {
    torch::NoGradGuard ng;
    bool wasTraining = model.is_training();
    model.eval();
    auto device = model.logit_scale.device();
    std::vector<float> out;
    auto spec = specOf(config);
    for (std::size_t b = 0; b < images.size(); b += static_cast<std::size_t>(batchSize)) {
        std::vector<vision::Image> chunk(images.begin() + static_cast<std::ptrdiff_t>(b),
                                         images.begin() + static_cast<std::ptrdiff_t>(std::min(images.size(), b + static_cast<std::size_t>(batchSize))));
        auto x = imagesToTensor(chunk, spec).to(device);
        auto e = torch::nn::functional::normalize(model.encodeImages(x), torch::nn::functional::NormalizeFuncOptions().dim(1));
        auto v = toVector(e);
        out.insert(out.end(), v.begin(), v.end());
    }
    model.train(wasTraining);
    return out;
}

std::vector<float> encodeTextsWith(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                   const std::vector<std::string>& texts, const nn::ClipConfig& config, int batchSize) {
    torch::NoGradGuard ng;
    bool wasTraining = model.is_training();
    model.eval();
    auto device = model.logit_scale.device();
    std::vector<float> out;
    for (std::size_t b = 0; b < texts.size(); b += static_cast<std::size_t>(batchSize)) {
        std::vector<std::string> chunk(texts.begin() + static_cast<std::ptrdiff_t>(b),
                                       texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), b + static_cast<std::size_t>(batchSize))));
        auto tok = tokenizeTexts(tokenizer, chunk, config.maxTextLength);
        auto e = torch::nn::functional::normalize(model.encodeTexts(tok.ids.to(device), tok.mask.to(device)),
                                                  torch::nn::functional::NormalizeFuncOptions().dim(1));
        auto v = toVector(e);
        out.insert(out.end(), v.begin(), v.end());
    }
    model.train(wasTraining);
    return out;
}

RetrievalReport evaluateWorldSet(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                 const nn::ClipConfig& config, const WorldEvalSet& set,
                                 std::map<std::string, double>* mapByKind) {
    std::vector<vision::Image> images;
    for (const auto& s : set.samples) images.push_back(s.image);
    std::vector<std::string> texts;
    for (const auto& q : set.queries) texts.push_back(q.text);
    auto ie = encodeImagesWith(model, images, config);
    auto te = encodeTextsWith(model, tokenizer, texts, config);
    auto scores = dotProducts(te, ie, static_cast<int>(config.projectionDim));
    if (mapByKind) {
        std::map<std::string, std::vector<std::size_t>> byKind;
        for (std::size_t q = 0; q < set.queries.size(); ++q) byKind[set.queries[q].kind].push_back(q);
        for (const auto& [kind, qs] : byKind) {
            std::vector<float> sub;
            std::vector<std::vector<int>> rel;
            for (auto q : qs) {
                sub.insert(sub.end(), scores.begin() + static_cast<std::ptrdiff_t>(q * images.size()),
                           scores.begin() + static_cast<std::ptrdiff_t>((q + 1) * images.size()));
                rel.push_back(set.relevant[q]);
            }
            (*mapByKind)[kind] = rankingMetrics(sub, qs.size(), images.size(), rel).map;
        }
    }
    return evaluateRetrieval(scores, texts.size(), images.size(), set.relevant);
}

nn::ClipConfig demoClipConfig(const DemoOptions& o, std::size_t vocabSize) {
    nn::ClipConfig c;
    c.text.vocabSize = static_cast<int64_t>(vocabSize);
    c.text.hiddenSize = o.hidden;
    c.text.numLayers = o.layers;
    c.text.numHeads = o.heads;
    c.text.intermediateSize = o.intermediate;
    c.text.maxPositions = std::max(o.maxTextLength, 8);
    c.text.hiddenDropout = 0.0;
    c.text.attentionDropout = 0.0;
    c.imageArch = "resnet";
    std::vector<int64_t> planes(o.stagePlanes.begin(), o.stagePlanes.end());
    std::vector<int64_t> layers(o.stageLayers.begin(), o.stageLayers.end());
    const int64_t stemWidth = o.stemWidth > 0 ? o.stemWidth : planes.empty() ? 32 : planes[0];
    c.imageConfig = {{"block", "basic"},
                     {"layers", layers},
                     {"stage_planes", planes},
                     {"stem_width", stemWidth},
                     {"num_classes", 0},
                     {"image_size", o.imageSize},
                     {"small_stem", o.smallStem},
                     {"stem_pool", o.stemPool},
                     {"patch_stem", o.patchStem},
                     {"coord_channels", o.coordChannels},
                     {"global_pool", o.imagePool}};
    c.projectionDim = o.projectionDim;
    c.dropout = 0.0;
    c.loss = "infonce";
    c.maxTextLength = o.maxTextLength;
    c.imageSize = o.imageSize;
    c.resizeSize = o.imageSize;
    c.normalization = text::TextNormalization::Azerbaijani;
    c.logitScaleInit = o.logitScaleInit;
    c.validate();
    return c;
}

nlohmann::json DemoResult::toJson() const {
    nlohmann::json j;
    j["eval"] = nlohmann::json::object();
    for (const auto& [name, r] : eval) j["eval"][name] = r.toFlatJson();
    j["training"] = {{"steps", training.steps},
                     {"seconds", trainSeconds},
                     {"final_loss", training.epochLosses.empty() ? 0.0 : training.epochLosses.back()}};
    j["eval_seconds"] = evalSeconds;
    j["t2i_map_by_caption_kind"] = mapByKind;
    nlohmann::json held = nlohmann::json::array();
    for (const auto& h : heldOut) held.push_back(colourWord(h.colour) + " " + shapeWord(h.shape));
    j["held_out"] = held;
    j["vocab_size"] = vocab.size();
    return j;
}

DemoResult runDemo(const DemoOptions& o, const DemoCallbacks& cb, const CancelFlag* cancel) {
    using Clock = std::chrono::steady_clock;
    auto log = [&](const std::string& s) {
        if (cb.log) cb.log(s);
    };
    auto stage = [&](DemoStage st) {
        if (cb.onStage) cb.onStage(st);
    };
    if (o.threads > 0) nn::configureThreads(o.threads);
    stage(DemoStage::Preparing);
    WorldConfig wc;
    wc.imageSize = o.imageSize;
    wc.heldOutCombos = o.heldOutCombos;
    wc.seed = o.seed;
    wc.partialColour = o.partialColour;
    SyntheticWorld world(wc);

    DemoResult r;
    r.heldOut = world.heldOut();
    // Vocabulary from training captions only.
    text::VocabBuilderOptions vo;
    vo.vocabSize = o.vocabSize;
    vo.normalization = text::TextNormalization::Azerbaijani;
    vo.completeAlphabets = true;
    vo.minFrequency = 2;
    const auto corpus = world.corpus(400, o.seed + 7);
    r.vocab = text::buildWordPieceVocab(corpus, vo);
    r.tokenizer = std::make_shared<text::WordPieceTokenizer>(r.vocab, text::TextNormalization::Azerbaijani);
    r.config = demoClipConfig(o, r.vocab.size());
    {
        // Caption lengths in tokens (with [CLS] and [SEP]): the text tower's cost per pair.
        std::size_t total = 0, longest = 0;
        for (const auto& caption : corpus) {
            const auto n = r.tokenizer->encode(caption, o.maxTextLength).ids.size();
            total += n;
            longest = std::max(longest, n);
        }
        const double mean = corpus.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(corpus.size());
        char line[160];
        std::snprintf(line, sizeof line, "vocabulary: %zu tokens; captions %.1f tokens on average, %zu at most", r.vocab.size(),
                      mean, longest);
        log(line);
    }

    torch::manual_seed(o.seed);
    r.model = nn::DualEncoder(r.config);

    WorldSourceOptions so;
    so.batchSize = static_cast<std::size_t>(o.batchSize);
    so.batchesPerEpoch = static_cast<std::size_t>(o.steps);
    so.seed = o.seed * 31 + 3;
    so.maxTextLength = o.maxTextLength;
    so.preprocess = specOf(r.config);
    so.pairWeight = o.pairWeight;
    so.countWeight = o.countWeight;
    so.singleWeight = std::max(0.0, 1.0 - o.pairWeight - o.countWeight);
    so.partialCaptions = o.partialCaptions;
    WorldBatchSource source(world, *r.tokenizer, so);

    TrainOptions to = TrainOptions::fromScratch();
    to.epochs = 1;
    to.lrHeads = to.lrImage = to.lrText = o.learningRate;
    to.weightDecay = o.weightDecay;
    to.warmupSteps = static_cast<std::size_t>(o.warmupSteps);
    to.seed = o.seed;
    to.loaderThreads = o.loaderThreads;
    to.device = o.device;
    to.progressEvery = 25;
    TrainCallbacks tc;
    tc.onStep = cb.onStep;
    tc.log = cb.log;
    auto t0 = Clock::now();
    stage(DemoStage::Training);
    r.training = train(r.model, source, to, tc, cancel);
    r.trainSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

    auto t1 = Clock::now();
    stage(DemoStage::Evaluating);
    throwIfCancelled(cancel);
    r.evalSets.push_back(makeWorldEvalSet(world, SceneKind::Single, o.evalImages, o.seed * 1000 + 11, "single"));
    r.evalSets.push_back(makeWorldEvalSet(world, SceneKind::Pair, o.evalImages, o.seed * 1000 + 12, "multi"));
    if (o.evalSeen) {
        r.evalSets.push_back(makeWorldEvalSet(world, SceneKind::Single, o.evalImages, o.seed * 1000 + 13, "single_seen", WorldSplit::Train));
        r.evalSets.push_back(makeWorldEvalSet(world, SceneKind::Pair, o.evalImages, o.seed * 1000 + 14, "multi_seen", WorldSplit::Train));
    }
    for (const auto& set : r.evalSets)
        r.eval[set.name] = evaluateWorldSet(*r.model, *r.tokenizer, r.config, set, &r.mapByKind[set.name]);
    r.evalSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
    return r;
}

}  // namespace lowclip::train
