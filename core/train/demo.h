#pragma once
// The demo: generate the synthetic Azerbaijani world, train a small dual encoder from scratch
// (small BERT with a vocabulary built from the generated captions, small ResNet), and evaluate it
// on held-out scenes (attribute combinations never seen in training). The CLI (`lowclip-cli demo`)
// adds saving the bundle, indexing a library and typed queries on top.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/nn/clip.h"
#include "core/progress.h"
#include "core/text/tokenizer.h"
#include "core/train/metrics.h"
#include "core/train/synthetic_world.h"
#include "core/train/demo_options.h"
#include "core/train/trainer.h"

namespace lowclip::train {

// One evaluation split of held-out scenes: images, one query caption per image (distinct texts),
// and for each query the images whose scene satisfies it.
struct WorldEvalSet {
    std::string name;                     // "single", "multi"
    std::vector<WorldSample> samples;
    std::vector<Caption> queries;
    std::vector<std::vector<int>> relevant;
};
WorldEvalSet makeWorldEvalSet(const SyntheticWorld& world, SceneKind kind, int images, std::uint64_t seed,
                              const std::string& name, WorldSplit split = WorldSplit::HeldOut);

// Encodes images / texts with a DualEncoder (eval mode, no grad), returning L2-normalised rows.
std::vector<float> encodeImagesWith(nn::DualEncoderImpl& model, const std::vector<vision::Image>& images,
                                    const nn::ClipConfig& config, int batchSize = 128);
std::vector<float> encodeTextsWith(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                   const std::vector<std::string>& texts, const nn::ClipConfig& config,
                                   int batchSize = 256);
// `mapByKind`, when given, receives the text->image MAP of the queries of each caption family.
RetrievalReport evaluateWorldSet(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                 const nn::ClipConfig& config, const WorldEvalSet& set,
                                 std::map<std::string, double>* mapByKind = nullptr);

// The demo model's configuration (small BERT + small ResNet, InfoNCE with a learnable scale).
nn::ClipConfig demoClipConfig(const DemoOptions& options, std::size_t vocabSize);

struct DemoResult {
    nn::DualEncoder model{nullptr};
    nn::ClipConfig config;
    std::vector<std::string> vocab;
    std::shared_ptr<text::WordPieceTokenizer> tokenizer;
    std::vector<ColourShape> heldOut;
    TrainResult training;
    std::vector<WorldEvalSet> evalSets;
    std::map<std::string, RetrievalReport> eval;  // by split name
    // Text->image MAP by caption family ("plain", "size", "region", ...) for each split.
    std::map<std::string, std::map<std::string, double>> mapByKind;
    double trainSeconds = 0, evalSeconds = 0;
    // {"eval": {"single": {t2i_r1, ...}, "multi": {...}}, "training": {...}, "held_out": [...]}
    nlohmann::json toJson() const;
};

struct DemoCallbacks {
    std::function<void(DemoStage)> onStage;  // at the start of each stage
    std::function<void(const StepInfo&)> onStep;
    std::function<void(const std::string&)> log;
};

// Deterministic given options (on the CPU with a fixed thread count).
DemoResult runDemo(const DemoOptions& options, const DemoCallbacks& callbacks = {}, const CancelFlag* cancel = nullptr);

}  // namespace lowclip::train
