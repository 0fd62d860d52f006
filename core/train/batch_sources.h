#pragma once
// Batch sources for the trainer: image files with captions (a Dataset, decoded and augmented on the
// loader threads) and the synthetic world (fresh scenes every batch, with ground-truth positives).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "core/train/datasets.h"
#include "core/train/synthetic_world.h"
#include "core/train/trainer.h"
#include "core/vision/augment.h"
#include "core/vision/preprocess.h"

namespace lowclip::train {

// Tokenized texts as tensors ([N, L] int64 ids and mask, padded to the longest).
struct TokenizedTexts {
    at::Tensor ids, mask;
};
TokenizedTexts tokenizeTexts(const text::WordPieceTokenizer& tokenizer, const std::vector<std::string>& texts,
                             int maxLength);
// Preprocessed images as one [N, 3, S, S] float tensor.
at::Tensor imagesToTensor(const std::vector<vision::Image>& images, const vision::PreprocessSpec& spec);

struct DatasetSourceOptions {
    std::size_t batchSize = 32;
    std::uint64_t seed = 0;
    int maxTextLength = 64;
    vision::PreprocessSpec preprocess;
    bool augment = true;
    vision::AugmentConfig augmentConfig;  // outputSize is set to preprocess.imageSize
    bool dropLast = true;                 // drop a last, smaller batch
};

// One epoch = the images in a seeded order (a new order each epoch); each image contributes one of
// its captions (drawn per epoch, independently of its augmentation). Texts that are a caption of another image in the batch count as
// positives of that image too. Images that fail to decode are reported once through onProblem and
// left out of their batch.
class DatasetBatchSource : public BatchSource {
public:
    DatasetBatchSource(Dataset dataset, text::WordPieceTokenizer tokenizer, DatasetSourceOptions options,
                       std::function<void(const DatasetProblem&)> onProblem = {});
    std::size_t batchesPerEpoch() const override;
    TrainBatch makeBatch(std::size_t epoch, std::size_t index) const override;
    std::size_t batchRows(std::size_t epoch, std::size_t index) const override;
    // Decodes and augments only positions [begin, end); captions, tokens (padded to the whole batch's
    // longest) and positives come from the whole batch's captions, which need no decoding.
    TrainBatch makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end) const override;
    const Dataset& dataset() const { return dataset_; }

private:
    TrainBatch build(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end, bool part) const;

    Dataset dataset_;
    text::WordPieceTokenizer tokenizer_;
    DatasetSourceOptions options_;
    std::unique_ptr<vision::Augmenter> augmenter_;
    std::function<void(const DatasetProblem&)> onProblem_;
    mutable std::mutex mutex_;
    mutable std::set<std::string> reported_;
};

struct WorldSourceOptions {
    std::size_t batchSize = 128;
    std::size_t batchesPerEpoch = 100;
    std::uint64_t seed = 0;
    int maxTextLength = 32;
    vision::PreprocessSpec preprocess;  // imageSize should be the world's imageSize
    // Relative frequency of scene kinds in training batches.
    double singleWeight = 0.5, pairWeight = 0.4, countWeight = 0.1;
    bool partialCaptions = true;        // also train on captions naming only the colour or the shape
};

// Fresh training scenes (never a held-out combination) for every (epoch, index, position), each from
// its own seeded streams (one for the scene and its caption, one for rendering); positives from
// satisfies(), so two images that both fit a caption are both right answers.
class WorldBatchSource : public BatchSource {
public:
    WorldBatchSource(const SyntheticWorld& world, text::WordPieceTokenizer tokenizer, WorldSourceOptions options);
    std::size_t batchesPerEpoch() const override { return options_.batchesPerEpoch; }
    TrainBatch makeBatch(std::size_t epoch, std::size_t index) const override;
    std::size_t batchRows(std::size_t, std::size_t) const override { return options_.batchSize; }
    // Renders only positions [begin, end); scenes, captions and positives are those of the whole batch.
    TrainBatch makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end) const override;

private:
    TrainBatch build(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end, bool part) const;
    const SyntheticWorld& world_;
    text::WordPieceTokenizer tokenizer_;
    WorldSourceOptions options_;
};

}  // namespace lowclip::train
