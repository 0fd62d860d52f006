#pragma once
// Evaluating a DualEncoder on an image-caption dataset: every caption is a query whose relevant
// image is the one it describes (text->image), and every image's relevant texts are its captions
// (image->text). Images are decoded on several threads; unreadable ones are reported and skipped.
#include <string>
#include <vector>

#include "core/nn/clip.h"
#include "core/progress.h"
#include "core/text/tokenizer.h"
#include "core/train/datasets.h"
#include "core/train/metrics.h"
#include "core/vision/image.h"
#include "core/vision/preprocess.h"

namespace lowclip::train {

// The model's preprocessing as a PreprocessSpec.
vision::PreprocessSpec preprocessSpec(const nn::ClipConfig& config);

// Decodes every image of `dataset` (reduced to about the model's input size) on `threads` threads.
// Items whose image cannot be decoded are dropped from `kept` and reported in `problems`.
std::vector<vision::Image> decodeDatasetImages(const Dataset& dataset, int targetShortSide, Dataset& kept,
                                               std::vector<DatasetProblem>* problems, int threads = 0,
                                               const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);

// Metrics of `model` on already decoded images (one per item of `dataset`, same order).
RetrievalReport evaluateDecoded(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                const nn::ClipConfig& config, const Dataset& dataset,
                                const std::vector<vision::Image>& images);

// decodeDatasetImages + evaluateDecoded.
RetrievalReport evaluateDataset(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                const nn::ClipConfig& config, const Dataset& dataset,
                                std::vector<DatasetProblem>* problems = nullptr, int threads = 0,
                                const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);

}  // namespace lowclip::train
