#pragma once
// The demo's settings: plain data (no Torch), so the application layer and the front ends can fill
// them in. What runs them is core/train/demo.h.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lowclip::train {

struct DemoOptions {
    std::uint64_t seed = 1;
    int imageSize = 64;
    int heldOutCombos = 12;
    // Training.
    int steps = 1900;                 // optimizer steps (one epoch of `steps` batches of fresh scenes)
    int batchSize = 128;
    double learningRate = 1.5e-3;     // every group (from scratch); single t2i MAP on seeds 1-5 (AVX2): 2e-3 gave 0.920-0.979, 1.5e-3 0.944-0.983
    double weightDecay = 0.01;        // AdamW's, every group
    int warmupSteps = 40;
    // Scene mix (singles take the rest). Count scenes and colour-only/shape-only captions are off:
    // in short runs their broad positives slowed learning of the attribute combinations.
    // Pairs 0.25 (AVX2, seeds 1-5, held-out MAP single / multi): 0.3 gave single 0.947-0.967 and
    // multi 0.767-0.826 (seeds 5 and 1 under the marks 0.95 / 0.78), 0.25 gave 0.956-0.980 / 0.796-0.836.
    double pairWeight = 0.25, countWeight = 0.0;
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

// The demo at a much smaller size, for tests and quick looks: one BERT layer of width 64, ResNet
// stages of 16/32/48 channels, 64-dimensional embeddings.
inline DemoOptions tinyDemoOptions() {
    DemoOptions o;
    o.hidden = 64;
    o.layers = 1;
    o.heads = 2;
    o.intermediate = 128;
    o.stagePlanes = {16, 32, 48};
    o.stageLayers = {1, 1, 1};
    o.projectionDim = 64;
    return o;
}

// What the demo is doing (DemoCallbacks::onStage): drawing scenes and building the vocabulary,
// training, evaluating on held-out scenes.
enum class DemoStage { Preparing, Training, Evaluating };

}  // namespace lowclip::train
