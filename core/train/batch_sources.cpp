#include "core/train/batch_sources.h"

#include <algorithm>
#include <unordered_set>

#include <torch/torch.h>

#include "core/error.h"
#include "core/vision/decode.h"

namespace lowclip::train {

namespace {

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2));
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    return x;
}

}  // namespace

TokenizedTexts tokenizeTexts(const text::WordPieceTokenizer& tokenizer, const std::vector<std::string>& texts,
                             int maxLength) {
    auto enc = tokenizer.encodeBatch(texts, maxLength, text::Padding::Longest);
    TokenizedTexts t;
    t.ids = torch::from_blob(enc.ids.data(), {enc.batch, enc.length}, torch::kInt64).clone();
    t.mask = torch::from_blob(enc.attentionMask.data(), {enc.batch, enc.length}, torch::kInt64).clone();
    return t;
}

at::Tensor imagesToTensor(const std::vector<vision::Image>& images, const vision::PreprocessSpec& spec) {
    const int64_t s = spec.imageSize;
    auto out = torch::empty({static_cast<int64_t>(images.size()), 3, s, s}, torch::kFloat32);
    float* p = out.data_ptr<float>();
    for (std::size_t i = 0; i < images.size(); ++i) vision::preprocessInto(images[i], spec, p + i * 3 * s * s);
    return out;
}

// ---------------------------------------------------------------------------------------------

DatasetBatchSource::DatasetBatchSource(Dataset dataset, text::WordPieceTokenizer tokenizer, DatasetSourceOptions options,
                                       std::function<void(const DatasetProblem&)> onProblem)
    : dataset_(std::move(dataset)), tokenizer_(std::move(tokenizer)), options_(std::move(options)),
      onProblem_(std::move(onProblem)) {
    if (options_.batchSize < 2) throw Error("training batches need at least 2 pairs");
    if (dataset_.items.size() < 2) throw Error("the training set needs at least 2 images, it has " +
                                                std::to_string(dataset_.items.size()));
    if (options_.augment) {
        auto cfg = options_.augmentConfig;
        cfg.outputSize = options_.preprocess.imageSize;
        augmenter_ = std::make_unique<vision::Augmenter>(cfg);
    }
}

std::size_t DatasetBatchSource::batchesPerEpoch() const {
    std::size_t n = dataset_.items.size(), b = options_.batchSize;
    std::size_t full = n / b;
    if (!options_.dropLast && n % b) return full + 1;
    return std::max<std::size_t>(full, 1);  // a dataset smaller than one batch still gives one batch
}

TrainBatch DatasetBatchSource::makeBatch(std::size_t epoch, std::size_t index) const {
    std::size_t n = dataset_.items.size();
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::mt19937_64 shuffle(mix(options_.seed, epoch));
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[shuffle() % i]);
    std::size_t begin = index * options_.batchSize, end = std::min(n, begin + options_.batchSize);
    if (begin >= n) throw Error("batch " + std::to_string(index) + " is past the end of the epoch");

    std::vector<vision::Image> images;
    std::vector<std::string> texts;
    std::vector<std::size_t> items;
    vision::DecodeOptions dopts;
    dopts.targetShortSide = std::max(options_.preprocess.imageSize, options_.preprocess.resizeSize);
    for (std::size_t k = begin; k < end; ++k) {
        const auto& item = dataset_.items[order[k]];
        std::mt19937_64 rng(mix(mix(options_.seed, epoch), order[k] + 1));
        vision::Image img;
        try {
            img = vision::decodeImageFile(item.imagePath, dopts);
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (reported_.insert(item.imagePath).second && onProblem_) onProblem_({item.imagePath, e.what()});
            continue;
        }
        if (augmenter_) img = augmenter_->apply(img, rng);
        images.push_back(std::move(img));
        texts.push_back(item.captions[rng() % item.captions.size()]);
        items.push_back(order[k]);
    }
    TrainBatch b;
    if (images.empty()) {
        b.images = torch::empty({0, 3, options_.preprocess.imageSize, options_.preprocess.imageSize});
        b.inputIds = torch::empty({0, 2}, torch::kInt64);
        b.attentionMask = torch::empty({0, 2}, torch::kInt64);
        return b;
    }
    b.images = imagesToTensor(images, options_.preprocess);
    auto tok = tokenizeTexts(tokenizer_, texts, options_.maxTextLength);
    b.inputIds = tok.ids;
    b.attentionMask = tok.mask;
    // A text is also a positive of any other image in the batch that has exactly that caption.
    bool shared = false;
    auto pos = torch::eye(static_cast<int64_t>(images.size()), torch::kFloat32);
    auto acc = pos.accessor<float, 2>();
    for (std::size_t t = 0; t < texts.size(); ++t)
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i == t) continue;
            const auto& caps = dataset_.items[items[i]].captions;
            if (std::find(caps.begin(), caps.end(), texts[t]) != caps.end()) {
                acc[static_cast<int64_t>(t)][static_cast<int64_t>(i)] = 1.0f;
                shared = true;
            }
        }
    if (shared) b.positives = pos;
    return b;
}

// ---------------------------------------------------------------------------------------------

WorldBatchSource::WorldBatchSource(const SyntheticWorld& world, text::WordPieceTokenizer tokenizer, WorldSourceOptions options)
    : world_(world), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {
    if (options_.batchSize < 2) throw Error("training batches need at least 2 pairs");
    if (options_.singleWeight < 0 || options_.pairWeight < 0 || options_.countWeight < 0 ||
        options_.singleWeight + options_.pairWeight + options_.countWeight <= 0)
        throw Error("scene kind weights must be >= 0 and not all 0");
}

TrainBatch WorldBatchSource::makeBatch(std::size_t epoch, std::size_t index) const {
    std::mt19937_64 rng(mix(mix(options_.seed, epoch), index));
    const double total = options_.singleWeight + options_.pairWeight + options_.countWeight;
    std::vector<Scene> scenes;
    std::vector<vision::Image> images;
    std::vector<Caption> captions;
    for (std::size_t k = 0; k < options_.batchSize; ++k) {
        double u = uniform01(rng) * total;
        SceneKind kind = u < options_.singleWeight ? SceneKind::Single
                         : u < options_.singleWeight + options_.pairWeight ? SceneKind::Pair
                                                                           : SceneKind::Count;
        WorldSample s = world_.sample(kind, WorldSplit::Train, rng, 1, options_.partialCaptions);
        scenes.push_back(std::move(s.scene));
        images.push_back(std::move(s.image));
        captions.push_back(std::move(s.captions.at(0)));
    }
    TrainBatch b;
    b.images = imagesToTensor(images, options_.preprocess);
    std::vector<std::string> texts;
    for (const auto& c : captions) texts.push_back(c.text);
    auto tok = tokenizeTexts(tokenizer_, texts, options_.maxTextLength);
    b.inputIds = tok.ids;
    b.attentionMask = tok.mask;
    auto n = static_cast<int64_t>(scenes.size());
    b.positives = torch::zeros({n, n}, torch::kFloat32);
    auto acc = b.positives.accessor<float, 2>();
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < n; ++i)
            acc[t][i] = (t == i || satisfies(scenes[static_cast<std::size_t>(i)], captions[static_cast<std::size_t>(t)].spec)) ? 1.0f : 0.0f;
    return b;
}

}  // namespace lowclip::train
