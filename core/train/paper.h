#pragma once
// The paper-sized configuration (LowCLIP: mBERT-base text tower + EfficientNet-B0 image tower,
// Simple-CLIP projection heads and loss) with random weights and random inputs: a smoke run that
// shows the real recipe trains, and the throughput figure for benchmarks.
#include <cstddef>
#include <string>
#include <vector>

#include "core/nn/clip.h"

namespace lowclip::train {

// mBERT-base + EfficientNet-B0, projection 256, Simple-CLIP loss, 224x224, 32 tokens.
nn::ClipConfig paperClipConfig();

struct PaperSmokeResult {
    std::size_t steps = 0;
    std::size_t parameters = 0;
    double firstLoss = 0, lastLoss = 0;
    bool weightsChanged = false;
    std::vector<double> stepSeconds;  // wall time of each optimizer step (data already in memory)
    double pairsPerSecond = 0;        // batch / mean step time, the first step excluded when there are more
};

// `steps` training steps of `batch` random pairs with the default fine-tuning options (AdamW,
// heads 1e-3, image 1e-4, text 1e-5, everything trainable) on `device`.
PaperSmokeResult runPaperSmoke(int steps, int batch, const std::string& device = "cpu", int imageSize = 224,
                               int textLength = 32);

}  // namespace lowclip::train
