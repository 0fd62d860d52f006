#include "core/train/evaluate.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/train/demo.h"
#include "core/vision/decode.h"

namespace lowclip::train {

vision::PreprocessSpec preprocessSpec(const nn::ClipConfig& c) {
    vision::PreprocessSpec s;
    s.imageSize = c.imageSize;
    s.resizeSize = c.resizeSize;
    s.mean = c.mean;
    s.std = c.std;
    s.interpolation = c.interpolation;
    return s;
}

std::vector<vision::Image> decodeDatasetImages(const Dataset& dataset, int targetShortSide, Dataset& kept,
                                               std::vector<DatasetProblem>* problems, int threads,
                                               const ProgressFn& progress, const CancelFlag* cancel) {
    const std::size_t n = dataset.items.size();
    std::vector<vision::Image> decoded(n);
    std::vector<std::string> errors(n);
    std::atomic<std::size_t> next{0}, done{0};
    std::mutex progressMutex;
    vision::DecodeOptions opts;
    opts.targetShortSide = targetShortSide;
    auto work = [&] {
        for (;;) {
            if (cancel && cancel->load()) return;
            std::size_t i = next++;
            if (i >= n) return;
            try {
                decoded[i] = vision::decodeImageFile(dataset.items[i].imagePath, opts);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
            std::size_t d = ++done;
            if (progress && (d % 64 == 0 || d == n)) {
                std::lock_guard<std::mutex> lock(progressMutex);
                Progress p;
                p.stage = "decode";
                p.done = d;
                p.total = n;
                progress(p);
            }
        }
    };
    int t = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (int k = 1; k < t; ++k) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    throwIfCancelled(cancel);
    kept.name = dataset.name;
    kept.items.clear();
    std::vector<vision::Image> images;
    for (std::size_t i = 0; i < n; ++i) {
        if (!errors[i].empty()) {
            if (problems) problems->push_back({dataset.items[i].imagePath, errors[i]});
            continue;
        }
        kept.items.push_back(dataset.items[i]);
        images.push_back(std::move(decoded[i]));
    }
    return images;
}

RetrievalReport evaluateDecoded(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                const nn::ClipConfig& config, const Dataset& dataset,
                                const std::vector<vision::Image>& images) {
    if (images.size() != dataset.items.size()) throw Error("evaluation: one decoded image per dataset item is needed");
    if (images.empty()) throw Error("evaluation: no readable images in " + dataset.name);
    std::vector<std::string> texts;
    std::vector<std::vector<int>> relevant;
    for (std::size_t i = 0; i < dataset.items.size(); ++i)
        for (const auto& c : dataset.items[i].captions) {
            texts.push_back(c);
            relevant.push_back({static_cast<int>(i)});
        }
    auto ie = encodeImagesWith(model, images, config);
    auto te = encodeTextsWith(model, tokenizer, texts, config);
    auto scores = dotProducts(te, ie, static_cast<int>(config.projectionDim));
    return evaluateRetrieval(scores, texts.size(), images.size(), relevant);
}

RetrievalReport evaluateDataset(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                                const nn::ClipConfig& config, const Dataset& dataset,
                                std::vector<DatasetProblem>* problems, int threads, const ProgressFn& progress,
                                const CancelFlag* cancel) {
    Dataset kept;
    auto images = decodeDatasetImages(dataset, std::max(config.imageSize, config.resizeSize), kept, problems, threads,
                                      progress, cancel);
    return evaluateDecoded(model, tokenizer, config, kept, images);
}

}  // namespace lowclip::train
