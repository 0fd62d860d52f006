#pragma once
// The parts of the engine facade that need Torch (the trainer, bundle loading and saving, the
// demo): kept apart from engine.cpp, which stays on plain-C++ core headers. No Qt here either.
#include <string>
#include <vector>

#include "core/progress.h"
#include "ui/engine/engine.h"

namespace lowclip::ui::extras {

struct Pair {
    std::string imagePath;  // bytes
    std::string text;
};

std::vector<TrainPreset> trainPresets();

// Fine-tunes the bundle `baseBundle` on `pairs` (split by image into train and held-out), writes
// the new bundle to `outBundle`, and measures base and new model on the held-out pairs.
TrainOutcome fineTune(const std::string& baseBundle, const std::vector<Pair>& pairs, const TrainRequest& request,
                      const std::string& outBundle, const std::string& device, const TrainEventFn& events,
                      const CancelFlag* cancel);

// Trains the demo model into `outBundle` and writes the demo photos into `photosDir`.
void runDemo(const DemoRequest& request, const std::string& outBundle, const std::string& photosDir,
             const std::string& device, const ProgressFn& progress, const CancelFlag* cancel);

}  // namespace lowclip::ui::extras
