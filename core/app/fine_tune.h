#pragma once
// Fine-tuning a loaded model on an image-caption dataset with a held-out validation set: the one
// recipe behind `lowclip-cli train` and the desktop app's teaching (Workspace::teach). It decodes
// the validation images once, measures the model before training (optionally), trains with
// train::train (validation after each epoch, best epoch restored) and measures it again.
// Includes Torch headers (through the trainer); front ends other than the CLI use workspace.h.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/train/batch_sources.h"
#include "core/train/datasets.h"
#include "core/train/metrics.h"
#include "core/train/trainer.h"

namespace lowclip::app {

struct FineTuneJob {
    nn::DualEncoder model{nullptr};
    nn::ClipConfig config;
    std::shared_ptr<text::WordPieceTokenizer> tokenizer;
    train::Dataset train;
    train::Dataset validation;          // may be empty: no validation, no before/after figures
    train::TrainOptions options;
    train::DatasetSourceOptions source;  // maxTextLength and preprocess are taken from `config`
    bool measureBefore = false;          // also measure the model before training
    int decodeThreads = 0;               // validation decoding; 0: all cores
};

enum class FineTuneStage { MeasuringBefore, Training, MeasuringAfter };

struct FineTuneCallbacks {
    std::function<void(FineTuneStage)> onStage;
    std::function<void(const train::StepInfo&)> onStep;
    std::function<void(const train::EpochInfo&)> onEpoch;
    // After each epoch's validation (the same report the epoch's validation metric comes from).
    std::function<void(const train::RetrievalReport&)> onValidation;
    std::function<void(const train::DatasetProblem&)> onProblem;  // an image that was skipped
    std::function<void(const std::string&)> log;
};

struct FineTuneResult {
    train::TrainResult training;
    std::size_t validationImages = 0;               // decoded validation images
    std::size_t validationTexts = 0;
    std::optional<train::RetrievalReport> before;   // measureBefore and a validation set
    std::optional<train::RetrievalReport> after;    // with a validation set
};

// Trains job.model in place. Validation drives early stopping / best-epoch restore through the
// text->image MAP. Throws Cancelled (the model is then partly trained; save nothing) or Error.
FineTuneResult fineTune(FineTuneJob& job, const FineTuneCallbacks& callbacks = {}, const CancelFlag* cancel = nullptr);

}  // namespace lowclip::app
