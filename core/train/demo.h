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
#include "core/train/trainer.h"

namespace lowclip::train {

struct DemoOptions {
    std::uint64_t seed = 1;
    int imageSize = 64;
    int heldOutCombos = 12;
    // Training.
    int steps = 1900;                 // optimizer steps (one epoch of `steps` batches of fresh scenes)
    int batchSize = 128;
    double learningRate = 2e-3;       // every group (from scratch)
    double weightDecay = 0.01;        // AdamW's, every group
    int warmupSteps = 40;
    // Scene mix (singles take the rest). Count scenes and colour-only/shape-only captions are off:
    // in short runs their broad positives slowed learning of the attribute combinations.
    double pairWeight = 0.3, countWeight = 0.0;
    bool partialCaptions = false;     // train on captions naming only the colour or only the shape too
    bool partialColour = true;        // with partialCaptions: colour-only ones too (false: shape-only)
    double logitScaleInit = 2.6592600369327779;  // log of InfoNCE's initial multiplier (1/0.07)
    int loaderThreads = 1;
    int threads = 0;                  // LibTorch CPU threads; 0 = leave as is
    std::string device = "cpu";
    // Model.
    int hidden = 128, layers = 2, heads = 4, intermediate = 256;
    // Image tower: a 4x4 patch stem (every pixel seen, cheap), three basic-block stages (64 px ->
    // 16, 8, 4), x/y input channels and moment pooling, so that size, place and shape of small
    // objects survive into the features.
    std::vector<int> stagePlanes{24, 48, 96};
    std::vector<int> stageLayers{1, 1, 1};
    int patchStem = 4;                // ResNet patch_stem: PxP stride-P stem; 0: one of the two below
    bool smallStem = false;           // with patchStem 0: 3x3 stride-1 stem without max-pool (else 7x7 stride 2)
    bool stemPool = true;             // the 7x7 stem's max-pool
    int stemWidth = 0;                // stem channels; 0 = the first stage's
    bool coordChannels = true;        // ResNet coord_channels: x, y maps join the input
    std::string imagePool = "moments";  // ResNet global_pool: "avg", "moments" or "flatten"
    int projectionDim = 128;
    int maxTextLength = 32;
    std::size_t vocabSize = 256;
    // Evaluation: held-out images per split.
    int evalImages = 300;
    bool evalSeen = false;            // also evaluate scenes of training combinations ("single_seen", "multi_seen")
};

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
    std::function<void(const StepInfo&)> onStep;
    std::function<void(const std::string&)> log;
};

// Deterministic given options (on the CPU with a fixed thread count).
DemoResult runDemo(const DemoOptions& options, const DemoCallbacks& callbacks = {}, const CancelFlag* cancel = nullptr);

}  // namespace lowclip::train
