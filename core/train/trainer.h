#pragma once
// Training a DualEncoder: AdamW with per-group learning rates (heads, image tower, text tower) and
// weight decay (not on biases, norms and the logit scale), warm-up + cosine or ReduceLROnPlateau,
// gradient clipping and accumulation, freezing presets, mixed precision on CUDA, seeded and exactly
// resumable (a checkpoint each epoch: weights, optimizer, scheduler, RNG, epoch and step), early
// stopping on a validation metric, cancellation and progress events.
//
// Batches come from a BatchSource whose batches depend only on (epoch, index): a pool of loader
// threads builds them ahead into a bounded window, and resuming at an epoch boundary replays
// exactly the batches an uninterrupted run would have seen.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/nn/clip.h"
#include "core/progress.h"

namespace lowclip::train {

class DistributedGroup;  // core/train/distributed.h

struct TrainBatch {
    at::Tensor images;         // [B, 3, H, W] float32, preprocessed
    at::Tensor inputIds;       // [B, L] int64
    at::Tensor attentionMask;  // [B, L] int64
    // Optional [B, B] float 0/1: positives[t][i] = 1 when text t describes image i (ground truth,
    // e.g. the synthetic world's satisfies()). Undefined: text i pairs with image i only. With it the
    // loss is InfoNCE with soft targets spread evenly over the positives of each row and column.
    at::Tensor positives;
    // Positions of these rows in their global batch, ascending. Empty: rows 0..size()-1. A part
    // (BatchSource::makeBatchPart) always fills it; its `positives` stay those of the whole global
    // batch, [globalRows, globalRows] over every position, so that the loss over the gathered parts
    // is the loss of the whole batch. Positions missing from `rows` (an image that failed to decode)
    // are rows of no part.
    std::vector<int64_t> rows;
    std::size_t globalRows = 0;  // a part: the positions of its global batch (BatchSource::batchRows)
    std::size_t size() const;
};

class BatchSource {
public:
    virtual ~BatchSource() = default;
    virtual std::size_t batchesPerEpoch() const = 0;
    // Batch `index` of `epoch`. Must depend only on its arguments (and the source's own seed) and be
    // safe to call from several threads at once.
    virtual TrainBatch makeBatch(std::size_t epoch, std::size_t index) const = 0;
    // How many positions batch `index` of `epoch` has (its rows before any is left out; what a part's
    // begin and end count). Default: the size of makeBatch.
    virtual std::size_t batchRows(std::size_t epoch, std::size_t index) const;
    // Positions [begin, end) of batch `index` of `epoch` (see TrainBatch::rows): equal, bit for bit, to
    // those rows of makeBatch's batch. Each rank of a data-parallel run builds only its own part.
    // Default: makeBatch, then the slice.
    virtual TrainBatch makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end) const;
};

// Rows [begin, end) of a whole batch as a part (see BatchSource::makeBatchPart).
TrainBatch sliceBatch(const TrainBatch& whole, std::size_t begin, std::size_t end);

// Which parameters train. The heads (projections) and the logit scale always train.
//   HeadsOnly          both towers frozen
//   TextAttentionOnly  text tower: attention blocks only; image tower as trainImageTower says
//   LastLayers         text tower: the last `lastLayers` layers (+ pooler); image tower as trainImageTower
//   All                everything
enum class FreezePreset { HeadsOnly, TextAttentionOnly, LastLayers, All };
FreezePreset parseFreezePreset(const std::string& name);  // "heads", "text-attention", "last-layers", "all"
std::string freezePresetName(FreezePreset preset);

enum class Schedule { Constant, Cosine, Plateau };
Schedule parseSchedule(const std::string& name);  // "constant", "cosine", "plateau"

struct TrainOptions {
    int epochs = 5;
    std::size_t maxStepsPerEpoch = 0;  // batches per epoch; 0 = all the source has
    // Per-group learning rates (defaults: fine-tuning pretrained towers; presets below for scratch).
    double lrHeads = 1e-3, lrImage = 1e-4, lrText = 1e-5;
    double weightDecay = 0.01;
    Schedule schedule = Schedule::Cosine;
    std::size_t warmupSteps = 0;       // optimizer steps of linear warm-up (cosine and constant)
    double minLrFactor = 0.0;          // cosine floor as a fraction of each group's rate
    double plateauFactor = 0.5;        // ReduceLROnPlateau: multiply rates by this ...
    int plateauPatience = 1;           // ... after this many epochs without validation improvement
    double maxGradNorm = 1.0;          // 0: no clipping
    int accumulation = 1;              // micro-batches per optimizer step
    FreezePreset freeze = FreezePreset::All;
    int lastLayers = 2;
    bool trainImageTower = true;       // ignored by HeadsOnly (frozen) and All (trains)
    bool mixedPrecision = false;       // autocast (bfloat16) on CUDA; ignored on the CPU
    std::uint64_t seed = 0;            // keys of the dropout masks (per pair) and torch's RNG; the source has its own seed
    int loaderThreads = 1;             // 0: batches are built on the training thread
    int prefetchBatches = 4;
    std::string device = "auto";
    std::string checkpointDir;         // empty: no checkpoints; else checkpoint.pt there after each epoch
    bool resume = false;               // continue from checkpointDir/checkpoint.pt when it exists
    int earlyStoppingPatience = 0;     // epochs without improvement before stopping; 0 = never
    bool restoreBest = true;           // with validation: end with the best epoch's weights
    std::size_t progressEvery = 10;    // optimizer steps between onStep calls (and the last step)
    int threads = 0;                   // LibTorch CPU threads (nn::configureThreads); 0 = leave as is
    // Data-parallel training (null: one process). Every rank passes the same options and an equal
    // source; each trains on its share of every global batch (see core/train/distributed.h). Rank 0
    // alone writes checkpoints; validation and early stopping follow rank 0's metric.
    std::shared_ptr<DistributedGroup> distributed;
    // With `distributed`: BatchNorm layers in training use the statistics of the whole global batch
    // (as one process would) instead of their rank's share.
    bool syncBatchNorm = false;

    // From-scratch training needs much higher tower rates than fine-tuning.
    static TrainOptions fromScratch();
    static TrainOptions fineTune();
};

struct StepInfo {
    std::size_t epoch = 0;          // 0-based
    std::size_t step = 0;           // optimizer steps done so far (all epochs)
    std::size_t totalSteps = 0;
    double loss = 0;                // mean loss of the micro-batches since the last report
    double learningRate = 0;        // heads group
    double logitScale = 0;
    double itemsPerSecond = 0;      // pairs per second since training started (this run)
    double etaSeconds = -1;
};

struct EpochInfo {
    std::size_t epoch = 0;
    double trainLoss = 0;
    std::optional<double> validation;
    bool improved = false;
    double seconds = 0;
};

struct TrainCallbacks {
    std::function<void(const StepInfo&)> onStep;
    std::function<void(const EpochInfo&)> onEpoch;
    // Validation metric after each epoch, higher is better (e.g. text->image MAP). The model is in
    // eval mode and gradients are off during the call.
    std::function<double(nn::DualEncoderImpl&)> validate;
    std::function<void(const std::string&)> log;
};

struct TrainResult {
    std::size_t epochsRun = 0;      // epochs finished (including those before a resume)
    std::size_t steps = 0;          // optimizer steps (all epochs)
    std::vector<double> epochLosses;
    std::optional<double> bestValidation;
    std::size_t bestEpoch = 0;
    bool stoppedEarly = false;
    bool resumed = false;
    double seconds = 0;             // this run
};

// Sets requires_grad as the preset says (see FreezePreset). Returns the number of trainable tensors.
std::size_t applyFreeze(nn::DualEncoderImpl& model, FreezePreset preset, int lastLayers, bool trainImageTower);

// Trains `model` in place on options.device. Throws lowclip::Cancelled when `cancel` is set (the
// last finished epoch's checkpoint stays), lowclip::Error for bad options or failing batches.
TrainResult train(nn::DualEncoder& model, const BatchSource& source, const TrainOptions& options,
                  const TrainCallbacks& callbacks = {}, const CancelFlag* cancel = nullptr);

// The loss the trainer minimises for one batch's embeddings (see TrainBatch::positives).
at::Tensor batchLoss(nn::DualEncoderImpl& model, const at::Tensor& imageEmb, const at::Tensor& textEmb,
                     const at::Tensor& positives);

// Path of the checkpoint file in a checkpoint folder.
std::string checkpointPath(const std::string& checkpointDir);

}  // namespace lowclip::train
