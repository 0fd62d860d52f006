#include "core/app/fine_tune.h"

#include <algorithm>

#include "core/error.h"
#include "core/train/evaluate.h"
#include "core/vision/image.h"

namespace lowclip::app {

FineTuneResult fineTune(FineTuneJob& job, const FineTuneCallbacks& callbacks, const CancelFlag* cancel) {
    if (!job.model || !job.tokenizer) throw Error(ErrorCode::Internal, "fine-tuning needs a model and its tokenizer");
    FineTuneResult result;
    auto stage = [&](FineTuneStage s) {
        if (callbacks.onStage) callbacks.onStage(s);
    };

    // Validation images decoded once, at about the model's input size.
    train::Dataset validation;
    std::vector<vision::Image> images;
    if (!job.validation.items.empty()) {
        std::vector<train::DatasetProblem> problems;
        images = train::decodeDatasetImages(job.validation, std::max(job.config.imageSize, job.config.resizeSize),
                                            validation, &problems, job.decodeThreads, {}, cancel);
        if (callbacks.onProblem)
            for (const auto& p : problems) callbacks.onProblem(p);
    }
    result.validationImages = images.size();
    for (const auto& item : validation.items) result.validationTexts += item.captions.size();
    const bool validate = !images.empty();
    auto measure = [&](nn::DualEncoderImpl& m) {
        return train::evaluateDecoded(m, *job.tokenizer, job.config, validation, images);
    };
    if (validate && job.measureBefore) {
        stage(FineTuneStage::MeasuringBefore);
        job.model->eval();
        result.before = measure(*job.model);
    }
    throwIfCancelled(cancel);

    train::DatasetSourceOptions so = job.source;
    so.maxTextLength = job.config.maxTextLength;
    so.preprocess = train::preprocessSpec(job.config);
    train::DatasetBatchSource source(job.train, *job.tokenizer, so, callbacks.onProblem);
    if (source.batchesPerEpoch() == 0)
        throw Error(ErrorCode::TooFewPairs, "there are too few training pairs for one batch",
                    {{"count", std::to_string(job.train.items.size())}, {"needed", std::to_string(so.batchSize)}});

    train::TrainCallbacks tc;
    tc.onStep = callbacks.onStep;
    tc.onEpoch = callbacks.onEpoch;
    tc.log = callbacks.log;
    if (validate) {
        tc.validate = [&](nn::DualEncoderImpl& m) {
            train::RetrievalReport r = measure(m);
            if (callbacks.onValidation) callbacks.onValidation(r);
            return r.textToImage.map;
        };
    }
    stage(FineTuneStage::Training);
    result.training = train::train(job.model, source, job.options, tc, cancel);
    throwIfCancelled(cancel);
    if (validate) {
        stage(FineTuneStage::MeasuringAfter);
        job.model->eval();
        result.after = measure(*job.model);
    }
    return result;
}

}  // namespace lowclip::app
