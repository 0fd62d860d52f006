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

std::size_t DatasetBatchSource::batchRows(std::size_t, std::size_t index) const {
    std::size_t n = dataset_.items.size(), begin = index * options_.batchSize;
    if (begin >= n) throw Error("batch " + std::to_string(index) + " is past the end of the epoch");
    return std::min(n, begin + options_.batchSize) - begin;
}

TrainBatch DatasetBatchSource::makeBatch(std::size_t epoch, std::size_t index) const {
    return build(epoch, index, 0, batchRows(epoch, index), false);
}

TrainBatch DatasetBatchSource::makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin,
                                             std::size_t end) const {
    if (begin > end || end > batchRows(epoch, index))
        throw Error(ErrorCode::InvalidArgument, "rows " + std::to_string(begin) + " to " + std::to_string(end) +
                                                    " are not part of batch " + std::to_string(index));
    return build(epoch, index, begin, end, true);
}

TrainBatch DatasetBatchSource::build(std::size_t epoch, std::size_t index, std::size_t partBegin,
                                     std::size_t partEnd, bool part) const {
    std::size_t n = dataset_.items.size();
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::mt19937_64 shuffle(mix(options_.seed, epoch));
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[shuffle() % i]);
    std::size_t begin = index * options_.batchSize, end = std::min(n, begin + options_.batchSize);
    if (begin >= n) throw Error("batch " + std::to_string(index) + " is past the end of the epoch");

    // Every position's caption (its own stream: no decoding needed to know it).
    std::vector<std::string> captions;
    for (std::size_t k = begin; k < end; ++k) {
        const auto& item = dataset_.items[order[k]];
        std::mt19937_64 captionRng(mix(mix(mix(options_.seed, epoch), order[k] + 1), 0x63617074ULL));
        captions.push_back(item.captions[captionRng() % item.captions.size()]);
    }

    std::vector<vision::Image> images;
    std::vector<std::string> texts;
    std::vector<std::size_t> items;
    std::vector<int64_t> rows;
    vision::DecodeOptions dopts;
    dopts.targetShortSide = std::max(options_.preprocess.imageSize, options_.preprocess.resizeSize);
    for (std::size_t k = begin + partBegin; k < begin + partEnd; ++k) {
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
        texts.push_back(captions[k - begin]);
        items.push_back(order[k]);
        rows.push_back(static_cast<int64_t>(k - begin));
    }
    TrainBatch b;
    b.rows = rows;
    b.globalRows = end - begin;
    if (images.empty()) {
        b.images = torch::empty({0, 3, options_.preprocess.imageSize, options_.preprocess.imageSize});
        b.inputIds = torch::empty({0, 2}, torch::kInt64);
        b.attentionMask = torch::empty({0, 2}, torch::kInt64);
        if (!part) return b;
    } else {
        b.images = imagesToTensor(images, options_.preprocess);
    }
    // A part's tokens are those of the whole batch's captions (the same padding), its rows picked out;
    // its positives are the whole batch's.
    std::vector<std::size_t> posItems;
    const std::vector<std::string>& posTexts = part ? captions : texts;
    if (part)
        for (std::size_t k = begin; k < end; ++k) posItems.push_back(order[k]);
    else
        posItems = items;
    auto tok = tokenizeTexts(tokenizer_, posTexts, options_.maxTextLength);
    if (part) {
        auto idx = torch::tensor(rows, torch::kInt64);
        b.inputIds = tok.ids.index_select(0, idx);
        b.attentionMask = tok.mask.index_select(0, idx);
    } else {
        b.inputIds = tok.ids;
        b.attentionMask = tok.mask;
    }
    // A text is also a positive of any other image in the batch that has exactly that caption.
    bool shared = false;
    auto pos = torch::eye(static_cast<int64_t>(posItems.size()), torch::kFloat32);
    auto acc = pos.accessor<float, 2>();
    for (std::size_t t = 0; t < posTexts.size(); ++t)
        for (std::size_t i = 0; i < posItems.size(); ++i) {
            if (i == t) continue;
            const auto& caps = dataset_.items[posItems[i]].captions;
            if (std::find(caps.begin(), caps.end(), posTexts[t]) != caps.end()) {
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
    return build(epoch, index, 0, options_.batchSize, false);
}

TrainBatch WorldBatchSource::makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin,
                                           std::size_t end) const {
    if (begin > end || end > options_.batchSize)
        throw Error(ErrorCode::InvalidArgument, "rows " + std::to_string(begin) + " to " + std::to_string(end) +
                                                    " are not part of a batch of " + std::to_string(options_.batchSize));
    return build(epoch, index, begin, end, true);
}

TrainBatch WorldBatchSource::build(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end,
                                   bool part) const {
    const std::uint64_t batchSeed = mix(mix(options_.seed, epoch), index);
    const double total = options_.singleWeight + options_.pairWeight + options_.countWeight;
    std::vector<Scene> scenes;
    std::vector<vision::Image> images;
    std::vector<Caption> captions;
    for (std::size_t k = 0; k < options_.batchSize; ++k) {
        // Every position's scene and caption (cheap); images only for the rows asked for.
        std::mt19937_64 rng(mix(batchSeed, 2 * k + 1));
        double u = uniform01(rng) * total;
        SceneKind kind = u < options_.singleWeight ? SceneKind::Single
                         : u < options_.singleWeight + options_.pairWeight ? SceneKind::Pair
                                                                           : SceneKind::Count;
        Scene scene = world_.sampleScene(kind, WorldSplit::Train, rng);
        captions.push_back(std::move(world_.captions(scene, rng, 1, options_.partialCaptions).at(0)));
        if (k >= begin && k < end) {
            std::mt19937_64 renderRng(mix(batchSeed, 2 * k + 2));
            images.push_back(world_.render(scene, renderRng));
        }
        scenes.push_back(std::move(scene));
    }
    TrainBatch b;
    b.images = imagesToTensor(images, options_.preprocess);
    std::vector<std::string> texts;
    for (const auto& c : captions) texts.push_back(c.text);
    auto tok = tokenizeTexts(tokenizer_, texts, options_.maxTextLength);
    b.inputIds = tok.ids.narrow(0, static_cast<int64_t>(begin), static_cast<int64_t>(end - begin));
    b.attentionMask = tok.mask.narrow(0, static_cast<int64_t>(begin), static_cast<int64_t>(end - begin));
    if (part) {
        for (std::size_t k = begin; k < end; ++k) b.rows.push_back(static_cast<int64_t>(k));
        b.globalRows = options_.batchSize;
    }
    auto n = static_cast<int64_t>(scenes.size());
    b.positives = torch::zeros({n, n}, torch::kFloat32);
    auto acc = b.positives.accessor<float, 2>();
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < n; ++i)
            acc[t][i] = (t == i || satisfies(scenes[static_cast<std::size_t>(i)], captions[static_cast<std::size_t>(t)].spec)) ? 1.0f : 0.0f;
    return b;
}

}  // namespace lowclip::train
