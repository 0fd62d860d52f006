#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <ATen/autocast_mode.h>
#include <torch/nn/functional/activation.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/keyed_random.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/nn/sync_batch_norm.h"
#include "core/nn/tensor_cache.h"
#include "core/train/adamw_step.h"
#include "core/train/distributed.h"
#include "core/util/atomic_file.h"

namespace fs = std::filesystem;

namespace lowclip::train {

std::size_t TrainBatch::size() const { return images.defined() ? static_cast<std::size_t>(images.size(0)) : 0; }

std::size_t BatchSource::batchRows(std::size_t epoch, std::size_t index) const { return makeBatch(epoch, index).size(); }

TrainBatch BatchSource::makeBatchPart(std::size_t epoch, std::size_t index, std::size_t begin, std::size_t end) const {
    return sliceBatch(makeBatch(epoch, index), begin, end);
}

TrainBatch sliceBatch(const TrainBatch& whole, std::size_t begin, std::size_t end) {
    const std::size_t n = whole.size();
    if (begin > end || end > n)
        throw Error(ErrorCode::InvalidArgument, "rows " + std::to_string(begin) + " to " + std::to_string(end) +
                                                    " are not part of a batch of " + std::to_string(n));
    std::vector<int64_t> positions = whole.rows;
    if (positions.empty())
        for (std::size_t i = 0; i < n; ++i) positions.push_back(static_cast<int64_t>(i));
    // Rows whose positions fall in [begin, end).
    std::size_t lo = 0;
    while (lo < n && positions[lo] < static_cast<int64_t>(begin)) ++lo;
    std::size_t hi = lo;
    while (hi < n && positions[hi] < static_cast<int64_t>(end)) ++hi;
    TrainBatch part;
    const auto a = static_cast<int64_t>(lo), len = static_cast<int64_t>(hi - lo);
    part.images = whole.images.narrow(0, a, len);
    part.inputIds = whole.inputIds.narrow(0, a, len);
    part.attentionMask = whole.attentionMask.narrow(0, a, len);
    part.globalRows = n;
    if (!positions.empty()) part.globalRows = std::max<std::size_t>(n, static_cast<std::size_t>(positions.back()) + 1);
    part.positives = whole.positives;
    if (part.positives.defined() && part.globalRows != n) {
        // The whole batch left positions out: its positives go back to where their positions are.
        auto idx = torch::tensor(positions, torch::kInt64);
        auto full = torch::eye(static_cast<int64_t>(part.globalRows), whole.positives.options());
        full.index_put_({idx.view({-1, 1}), idx.view({1, -1})}, whole.positives);
        part.positives = full;
    }
    part.rows.assign(positions.begin() + static_cast<std::ptrdiff_t>(lo), positions.begin() + static_cast<std::ptrdiff_t>(hi));
    return part;
}

FreezePreset parseFreezePreset(const std::string& name) {
    if (name == "heads" || name == "towers-frozen" || name == "none") return FreezePreset::HeadsOnly;
    if (name == "text-attention" || name == "attention") return FreezePreset::TextAttentionOnly;
    if (name == "last-layers" || name == "last") return FreezePreset::LastLayers;
    if (name == "all") return FreezePreset::All;
    throw Error("unknown freezing preset '" + name + "' (use heads, text-attention, last-layers or all)");
}

std::string freezePresetName(FreezePreset p) {
    switch (p) {
        case FreezePreset::HeadsOnly: return "heads";
        case FreezePreset::TextAttentionOnly: return "text-attention";
        case FreezePreset::LastLayers: return "last-layers";
        case FreezePreset::All: return "all";
    }
    return "all";
}

Schedule parseSchedule(const std::string& name) {
    if (name == "constant") return Schedule::Constant;
    if (name == "cosine") return Schedule::Cosine;
    if (name == "plateau") return Schedule::Plateau;
    throw Error("unknown learning-rate schedule '" + name + "' (use constant, cosine or plateau)");
}

TrainOptions TrainOptions::fromScratch() {
    TrainOptions o;
    o.lrHeads = 2e-3;
    o.lrImage = 2e-3;
    o.lrText = 2e-3;
    o.weightDecay = 0.01;
    o.schedule = Schedule::Cosine;
    o.warmupSteps = 30;
    return o;
}

TrainOptions TrainOptions::fineTune() { return TrainOptions{}; }

std::string checkpointPath(const std::string& dir) { return (fs::path(dir) / "checkpoint.pt").string(); }

std::size_t applyFreeze(nn::DualEncoderImpl& model, FreezePreset preset, int lastLayers, bool trainImageTower) {
    using nn::BertTrainable;
    switch (preset) {
        case FreezePreset::HeadsOnly: nn::setBertTrainable(model.textEncoder, BertTrainable::None); break;
        case FreezePreset::TextAttentionOnly: nn::setBertTrainable(model.textEncoder, BertTrainable::AttentionOnly); break;
        case FreezePreset::LastLayers: nn::setBertTrainable(model.textEncoder, BertTrainable::LastLayers, lastLayers); break;
        case FreezePreset::All: nn::setBertTrainable(model.textEncoder, BertTrainable::All); break;
    }
    bool image = preset == FreezePreset::All || (preset != FreezePreset::HeadsOnly && trainImageTower);
    for (auto& p : model.imageEncoder->parameters()) p.set_requires_grad(image);
    for (auto* head : {model.textProjection.ptr().get(), model.imageProjection.ptr().get()})
        for (auto& p : head->parameters()) p.set_requires_grad(true);
    model.logit_scale.set_requires_grad(true);
    std::size_t n = 0;
    for (const auto& p : model.parameters()) n += p.requires_grad();
    return n;
}

at::Tensor batchLoss(nn::DualEncoderImpl& model, const at::Tensor& imageEmb, const at::Tensor& textEmb,
                     const at::Tensor& positives) {
    if (!positives.defined()) return model.loss(imageEmb, textEmb);
    // At least float32 (embeddings of a bfloat16 forward); a float64 model keeps float64.
    const auto lossType = imageEmb.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    auto img = torch::nn::functional::normalize(imageEmb.to(lossType),
                                                torch::nn::functional::NormalizeFuncOptions().dim(1));
    auto txt = torch::nn::functional::normalize(textEmb.to(lossType),
                                                torch::nn::functional::NormalizeFuncOptions().dim(1));
    auto logits = model.logitScale() * torch::matmul(txt, img.t());  // [texts, images]
    auto pos = positives.to(logits.device(), lossType);
    auto rowTargets = pos / pos.sum(1, true).clamp_min(1.0);
    auto colTargets = pos.t() / pos.t().sum(1, true).clamp_min(1.0);
    auto t2i = -(rowTargets * torch::log_softmax(logits, 1)).sum(1).mean();
    auto i2t = -(colTargets * torch::log_softmax(logits.t(), 1)).sum(1).mean();
    return (t2i + i2t) / 2;
}

namespace {

// Builds batches index..count-1 of one epoch on `threads` threads, at most `window` ahead of the
// consumer, handing them out in order.
class Prefetcher {
public:
    Prefetcher(std::function<TrainBatch(std::size_t)> make, std::size_t begin, std::size_t count, int threads,
               int window)
        : make_(std::move(make)), nextClaim_(begin), nextGive_(begin), count_(count),
          window_(static_cast<std::size_t>(std::max(1, window))) {
        for (int t = 0; t < threads; ++t) workers_.emplace_back([this] { work(); });
    }
    ~Prefetcher() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& w : workers_) w.join();
    }
    TrainBatch next() {
        if (workers_.empty()) return make_(nextGive_++);
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return error_ || ready_.count(nextGive_); });
        if (error_) std::rethrow_exception(error_);
        TrainBatch b = std::move(ready_[nextGive_]);
        ready_.erase(nextGive_++);
        cv_.notify_all();
        return b;
    }

private:
    void work() {
        for (;;) {
            std::size_t idx;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                cv_.wait(lock, [&] { return stop_ || (nextClaim_ < count_ && nextClaim_ < nextGive_ + window_); });
                if (stop_) return;
                idx = nextClaim_++;
            }
            try {
                TrainBatch b = make_(idx);
                std::lock_guard<std::mutex> lock(mutex_);
                ready_[idx] = std::move(b);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!error_) error_ = std::current_exception();
            }
            cv_.notify_all();
        }
    }

    std::function<TrainBatch(std::size_t)> make_;
    std::size_t nextClaim_, nextGive_, count_, window_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::size_t, TrainBatch> ready_;
    std::exception_ptr error_;
    bool stop_ = false;
    std::vector<std::thread> workers_;
};

// The key of the pair at `position` of batch `index` of `epoch` (splitmix64 steps).
std::uint64_t pairKey(std::uint64_t seed, std::size_t epoch, std::size_t index, std::uint64_t position) {
    auto step = [](std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ULL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    };
    std::uint64_t k = step(seed);
    k = step(k ^ static_cast<std::uint64_t>(epoch));
    k = step(k ^ static_cast<std::uint64_t>(index));
    return step(k ^ position);
}

struct Group {
    std::string tower;  // "heads", "image", "text"
    bool decay;
    double baseLr;
};

struct SchedulerState {
    double plateauScale = 1.0;
    double plateauBest = -1e300;
    int plateauBad = 0;
};

void saveCheckpoint(const std::string& dir, nn::DualEncoderImpl& model, torch::optim::AdamW& optimizer,
                    const SchedulerState& sched, std::size_t epochsDone, std::size_t step,
                    const std::vector<double>& losses, std::optional<double> best, std::size_t bestEpoch,
                    int badEpochs, const io::TensorMap& bestWeights) {
    fs::create_directories(dir);
    torch::serialize::OutputArchive ar;
    for (const auto& [name, t] : nn::stateDict(model)) ar.write("model/" + name, t.detach().cpu(), true);
    torch::serialize::OutputArchive opt;
    optimizer.save(opt);
    ar.write("optimizer", opt);
    auto scalars = torch::tensor({static_cast<double>(epochsDone), static_cast<double>(step), sched.plateauScale,
                                  sched.plateauBest, static_cast<double>(sched.plateauBad), best ? *best : 0.0,
                                  best ? 1.0 : 0.0, static_cast<double>(bestEpoch), static_cast<double>(badEpochs)},
                                 torch::kFloat64);
    ar.write("scalars", scalars, true);
    ar.write("losses", torch::tensor(losses.empty() ? std::vector<double>{} : losses, torch::kFloat64), true);
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        ar.write("rng_cpu", gen.get_state(), true);
    }
    for (const auto& [name, t] : bestWeights) ar.write("best/" + name, t, true);
    // Streamed into one atomic write: a crash mid-save leaves the previous checkpoint to resume from.
    // The archive writer is C code underneath: no exception may pass through it, so a failed write
    // is remembered, reported to it as a short write, and rethrown here.
    util::AtomicFileWriter out(checkpointPath(dir));
    std::exception_ptr failure;
    try {
        ar.save_to([&](const void* data, std::size_t size) -> std::size_t {
            if (failure) return 0;
            try {
                out.write(data, size);
                return size;
            } catch (...) {
                failure = std::current_exception();
                return 0;
            }
        });
    } catch (...) {
        if (!failure) throw;
    }
    if (failure) std::rethrow_exception(failure);
    out.commit();
}

}  // namespace

// Gradients set to none, not zeroed: the next backward pass then hands each parameter its new
// gradient tensor instead of adding it to zeros (LibTorch 2's zero_grad(set_to_none = true)).
static void dropGradients(std::vector<torch::Tensor>& params) {
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
}

TrainResult train(nn::DualEncoder& modelHolder, const BatchSource& source, const TrainOptions& o,
                  const TrainCallbacks& cb, const CancelFlag* cancel) {
    using Clock = std::chrono::steady_clock;
    auto started = Clock::now();
    if (o.epochs < 1) throw Error("training needs at least one epoch");
    if (o.accumulation < 1) throw Error("gradient accumulation must be at least 1");
    if (o.resume && o.checkpointDir.empty()) throw Error("resuming needs a checkpoint folder");
    if (o.threads > 0) nn::configureThreads(o.threads);
    auto& model = *modelHolder;
    auto log = [&](const std::string& s) {
        if (cb.log) cb.log(s);
    };
    DistributedGroup* group = o.distributed && o.distributed->worldSize() > 1 ? o.distributed.get() : nullptr;
    const bool writer = !o.distributed || o.distributed->rank() == 0;

    torch::Device device = nn::pickDevice(o.device);
    model.to(device);
    // Every step allocates and frees the same large activations and gradients: keep their blocks.
    std::optional<nn::CpuTensorCache> tensorCache;
    if (device.is_cpu()) tensorCache.emplace();
    torch::manual_seed(o.seed);
    applyFreeze(model, o.freeze, o.lastLayers, o.trainImageTower);
    bool imageFrozen = !(o.freeze == FreezePreset::All || (o.freeze != FreezePreset::HeadsOnly && o.trainImageTower));

    // Parameter groups: tower x (decay, no decay).
    std::vector<Group> groups;
    std::vector<torch::optim::OptimizerParamGroup> optGroups;
    std::vector<torch::Tensor> trainable;
    {
        std::map<std::pair<std::string, bool>, std::vector<torch::Tensor>> byGroup;
        for (const auto& item : model.named_parameters()) {
            const auto& p = item.value();
            if (!p.requires_grad()) continue;
            const std::string& k = item.key();
            std::string tower = k.rfind("text_encoder.", 0) == 0 ? "text" : k.rfind("image_encoder.", 0) == 0 ? "image" : "heads";
            bool decay = p.dim() >= 2;
            byGroup[{tower, decay}].push_back(p);
            trainable.push_back(p);
        }
        for (auto& [key, params] : byGroup) {
            double lr = key.first == "text" ? o.lrText : key.first == "image" ? o.lrImage : o.lrHeads;
            groups.push_back({key.first, key.second, lr});
            auto opts = std::make_unique<torch::optim::AdamWOptions>(lr);
            opts->weight_decay(key.second ? o.weightDecay : 0.0);
            optGroups.emplace_back(params, std::move(opts));
        }
    }
    if (trainable.empty()) throw Error("nothing to train: every parameter is frozen");
    torch::optim::AdamW optimizer(optGroups, torch::optim::AdamWOptions(o.lrHeads));

    std::size_t perEpoch = source.batchesPerEpoch();
    if (o.maxStepsPerEpoch > 0) perEpoch = std::min(perEpoch, o.maxStepsPerEpoch);
    if (perEpoch == 0) throw Error("the training data gives no batches");
    std::size_t stepsPerEpoch = (perEpoch + static_cast<std::size_t>(o.accumulation) - 1) / static_cast<std::size_t>(o.accumulation);
    std::size_t totalSteps = stepsPerEpoch * static_cast<std::size_t>(o.epochs);

    TrainResult result;
    SchedulerState sched;
    std::size_t step = 0, startEpoch = 0;
    int badEpochs = 0;
    io::TensorMap bestWeights;

    if (o.resume && fs::exists(checkpointPath(o.checkpointDir))) {
        torch::serialize::InputArchive ar;
        ar.load_from(checkpointPath(o.checkpointDir));
        io::TensorMap weights;
        for (const auto& [name, t] : nn::stateDict(model)) {
            torch::Tensor v;
            if (!ar.try_read("model/" + name, v))
                throw Error("checkpoint '" + checkpointPath(o.checkpointDir) + "' has no tensor '" + name +
                            "': it belongs to another model");
            weights[name] = v;
        }
        nn::loadStateDict(model, weights, true, "checkpoint");
        torch::serialize::InputArchive opt;
        ar.read("optimizer", opt);
        optimizer.load(opt);
        torch::Tensor scalars, losses, rng;
        ar.read("scalars", scalars);
        ar.read("losses", losses);
        ar.read("rng_cpu", rng);
        auto s = scalars.accessor<double, 1>();
        startEpoch = static_cast<std::size_t>(s[0]);
        step = static_cast<std::size_t>(s[1]);
        sched.plateauScale = s[2];
        sched.plateauBest = s[3];
        sched.plateauBad = static_cast<int>(s[4]);
        if (s[6] > 0) result.bestValidation = s[5];
        result.bestEpoch = static_cast<std::size_t>(s[7]);
        badEpochs = static_cast<int>(s[8]);
        for (int64_t i = 0; i < losses.numel(); ++i) result.epochLosses.push_back(losses[i].item<double>());
        {
            auto gen = at::detail::getDefaultCPUGenerator();
            std::lock_guard<std::mutex> lock(gen.mutex());
            gen.set_state(rng);
        }
        for (const auto& [name, t] : nn::stateDict(model)) {
            torch::Tensor v;
            if (ar.try_read("best/" + name, v)) bestWeights[name] = v;
        }
        result.resumed = true;
        result.epochsRun = startEpoch;
        result.steps = step;
        log("resumed from " + checkpointPath(o.checkpointDir) + " after epoch " + std::to_string(startEpoch));
        if (o.earlyStoppingPatience > 0 && badEpochs >= o.earlyStoppingPatience) startEpoch = static_cast<std::size_t>(o.epochs);
    }

    if (group) {
        // Every rank must resume from the same point (a checkpoint folder that all of them see) ...
        double here = static_cast<double>(startEpoch) * 1e6 + static_cast<double>(step);
        double there = group->broadcastValue(here);
        if (group->allReduceMax(here != there ? 1 : 0) != 0)
            throw Error(ErrorCode::InvalidArgument,
                        "distributed training: the ranks found different checkpoints in '" + o.checkpointDir +
                            "' (every rank needs the same checkpoint folder)",
                        {{"what", "checkpoint"}, {"value", o.checkpointDir}});
        // ... and start from rank 0's weights and buffers.
        std::vector<torch::Tensor> state;
        for (const auto& p : model.parameters()) state.push_back(p);
        for (const auto& b : model.buffers()) state.push_back(b);
        group->broadcast(state, 0);
    }

    auto lrFactor = [&](std::size_t s) {
        double f = 1.0;
        if (o.warmupSteps > 0 && s < o.warmupSteps) f = static_cast<double>(s + 1) / static_cast<double>(o.warmupSteps);
        if (o.schedule == Schedule::Cosine && s >= o.warmupSteps) {
            double span = static_cast<double>(std::max<std::size_t>(1, totalSteps - o.warmupSteps));
            double t = std::min(1.0, static_cast<double>(s - o.warmupSteps) / span);
            f = o.minLrFactor + (1 - o.minLrFactor) * 0.5 * (1 + std::cos(3.141592653589793 * t));
        }
        if (o.schedule == Schedule::Plateau) f *= sched.plateauScale;
        return f;
    };
    auto setLr = [&](std::size_t s) {
        double f = lrFactor(s);
        auto& pg = optimizer.param_groups();
        for (std::size_t g = 0; g < pg.size(); ++g) pg[g].options().set_lr(groups[g].baseLr * f);
        return o.lrHeads * f;
    };

    bool useAutocast = o.mixedPrecision && device.is_cuda();
    // Images go in as the model's floating type; the loss is computed in float32 (float64 for a
    // float64 model, as the equivalence tests use to rule out float32 rounding).
    const auto modelType = model.logit_scale.scalar_type();
    const auto lossType = modelType == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    std::size_t itemsThisRun = 0;
    std::size_t stepsThisRun = 0;
    result.steps = step;

    for (std::size_t epoch = startEpoch; epoch < static_cast<std::size_t>(o.epochs); ++epoch) {
        auto epochStart = Clock::now();
        model.train();
        if (imageFrozen) model.imageEncoder->eval();  // frozen BatchNorm statistics stay as they are
        // One process builds whole batches; a rank builds only its share of each global batch.
        std::function<TrainBatch(std::size_t)> make = [&source, epoch](std::size_t index) {
            return source.makeBatch(epoch, index);
        };
        if (group)
            make = [&source, epoch, rank = group->rank(), world = group->worldSize()](std::size_t index) {
                const std::size_t n = source.batchRows(epoch, index);
                auto [lo, hi] = shareOf(static_cast<int64_t>(n), rank, world);
                TrainBatch part = source.makeBatchPart(epoch, index, static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
                part.globalRows = n;
                return part;
            };
        Prefetcher loader(std::move(make), 0, perEpoch, o.loaderThreads, o.prefetchBatches);
        double epochLoss = 0, reportLoss = 0;
        std::size_t epochMicro = 0, reportMicro = 0;
        dropGradients(trainable);
        for (std::size_t b = 0; b < perEpoch; ++b) {
            if (group) {
                // One rank's cancellation stops them all, at the same batch.
                if (group->allReduceMax(cancel && cancel->load() ? 1 : 0) != 0) throw Cancelled();
            } else {
                throwIfCancelled(cancel);
            }
            TrainBatch batch = loader.next();
            std::vector<int64_t> shares;
            std::vector<int64_t> positions = batch.rows;  // of this rank's rows in the global batch
            if (positions.empty())
                for (std::size_t i = 0; i < batch.size(); ++i) positions.push_back(static_cast<int64_t>(i));
            at::Tensor positives = batch.positives;
            std::size_t globalSize = batch.size();
            if (group) {
                // This rank holds its share of the global batch; which positions made it into some
                // rank's part (an image that fails to decode is left out) is agreed on first.
                const auto n = static_cast<int64_t>(batch.globalRows);
                if (n < group->worldSize())
                    throw Error(ErrorCode::InvalidArgument,
                                "a batch of " + std::to_string(n) + " pairs cannot be shared by " +
                                    std::to_string(group->worldSize()) + " ranks (raise --batch)",
                                {{"what", "batch"}, {"value", std::to_string(n)}});
                std::vector<at::Tensor> present{torch::zeros({n}, torch::kInt64)};
                {
                    auto acc = present[0].accessor<int64_t, 1>();
                    for (auto p : positions) {
                        if (p < 0 || p >= n)
                            throw Error(ErrorCode::Failed, "batch " + std::to_string(b) + ": a part names position " +
                                                               std::to_string(p) + " of a batch of " + std::to_string(n));
                        acc[p] = 1;
                    }
                }
                group->allReduceSum(present);
                std::vector<int64_t> kept;
                {
                    auto acc = present[0].accessor<int64_t, 1>();
                    for (int64_t p = 0; p < n; ++p)
                        if (acc[p] > 0) kept.push_back(p);
                }
                globalSize = kept.size();
                if (globalSize < 2) continue;  // the same decision on every rank
                for (int r = 0; r < group->worldSize(); ++r) {
                    auto [lo, hi] = shareOf(n, r, group->worldSize());
                    int64_t c = 0;
                    for (auto p : kept) c += p >= lo && p < hi;
                    if (c == 0)
                        throw Error(ErrorCode::InvalidArgument,
                                    "a batch of " + std::to_string(globalSize) + " pairs cannot be shared by " +
                                        std::to_string(group->worldSize()) + " ranks (raise --batch)",
                                    {{"what", "batch"}, {"value", std::to_string(globalSize)}});
                    shares.push_back(c);
                }
                if (positives.defined() && static_cast<int64_t>(globalSize) < n) {
                    // The positives of the positions that remain; with none shared left, the batch
                    // is one of plain pairs, as one process would see it.
                    auto idx = torch::tensor(kept, torch::kInt64);
                    positives = positives.index_select(0, idx).index_select(1, idx);
                    if (torch::equal(positives, torch::eye(positives.size(0), positives.options()))) positives = at::Tensor();
                }
            } else if (batch.size() < 2) {
                continue;  // a contrastive loss needs at least two pairs
            }
            auto images = batch.images, ids = batch.inputIds, mask = batch.attentionMask;
            images = images.to(device, modelType, /*non_blocking=*/true);
            ids = ids.to(device, true);
            mask = mask.to(device, true);
            torch::Tensor loss;
            if (useAutocast) {
                at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
                at::autocast::set_enabled(true);
            }
            std::optional<nn::SyncBatchNormScope> syncBn;
            if (group && o.syncBatchNorm)
                syncBn.emplace([group](const torch::Tensor& x) { return sumOverRanks(*group, x); });
            // Dropout and stochastic depth keyed per pair: (seed, epoch, batch, position in the global
            // batch), the same masks for a pair however many ranks share the batch.
            std::vector<int64_t> keys;
            keys.reserve(positions.size());
            for (auto p : positions)
                keys.push_back(static_cast<int64_t>(
                    pairKey(o.seed, epoch, b, static_cast<std::uint64_t>(p))));
            std::optional<nn::KeyedRandomScope> keyed;
            keyed.emplace(torch::tensor(keys, torch::kInt64));
            try {
                auto ie = model.encodeImages(images);
                auto te = model.encodeTexts(ids, mask);
                keyed.reset();
                if (useAutocast) {
                    at::autocast::set_enabled(false);
                    at::autocast::clear_cache();
                }
                ie = ie.to(lossType);
                te = te.to(lossType);
                if (group) {
                    // The loss of the whole global batch; this rank's embeddings carry its gradient.
                    ie = gatherWithLocalGradient(*group, ie, shares);
                    te = gatherWithLocalGradient(*group, te, shares);
                }
                loss = batchLoss(model, ie, te, positives);
            } catch (...) {
                if (useAutocast) {
                    at::autocast::set_enabled(false);
                    at::autocast::clear_cache();
                }
                throw;
            }
            double lv = loss.item<double>();
            if (!std::isfinite(lv)) throw Error("training diverged: the loss is " + std::to_string(lv) + " at step " +
                                                std::to_string(step) + " (lower the learning rates)");
            (loss / static_cast<double>(o.accumulation)).backward();
            epochLoss += lv;
            reportLoss += lv;
            ++epochMicro;
            ++reportMicro;
            itemsThisRun += globalSize;  // pairs of the global batch
            bool boundary = (b + 1) % static_cast<std::size_t>(o.accumulation) == 0 || b + 1 == perEpoch;
            if (!boundary) continue;
            double lr = setLr(step);
            if (group) {
                // Tower and head gradients: each rank holds its share's part; their sum is the global
                // gradient. Parameters used after the gather (the logit scale) get the whole gradient
                // on every rank: averaged.
                std::vector<torch::Tensor> grads;
                // Parameters the loss does not reach (e.g. BERT's pooler) have no gradient on any rank
                // (the same graph everywhere) and stay untouched by the optimizer, as in one process.
                for (auto& p : trainable)
                    if (p.grad().defined()) grads.push_back(p.grad());
                group->allReduceSum(grads);
                if (model.logit_scale.requires_grad() && model.logit_scale.grad().defined())
                    model.logit_scale.mutable_grad().div_(static_cast<double>(group->worldSize()));
            }
            clippedAdamWStep(optimizer, o.maxGradNorm);
            dropGradients(trainable);
            ++step;
            ++stepsThisRun;
            bool last = b + 1 == perEpoch && epoch + 1 == static_cast<std::size_t>(o.epochs);
            if (cb.onStep && (o.progressEvery == 0 || step % o.progressEvery == 0 || last)) {
                StepInfo info;
                info.epoch = epoch;
                info.step = step;
                info.totalSteps = totalSteps;
                info.loss = reportLoss / static_cast<double>(std::max<std::size_t>(1, reportMicro));
                info.learningRate = lr;
                info.logitScale = model.logitScale().item<double>();
                double secs = std::chrono::duration<double>(Clock::now() - started).count();
                info.itemsPerSecond = secs > 0 ? static_cast<double>(itemsThisRun) / secs : 0;
                info.etaSeconds = stepsThisRun > 0 ? secs / static_cast<double>(stepsThisRun) *
                                                         static_cast<double>(totalSteps - std::min(totalSteps, step))
                                                   : -1;
                cb.onStep(info);
                reportLoss = 0;
                reportMicro = 0;
            }
        }
        EpochInfo info;
        info.epoch = epoch;
        info.trainLoss = epochMicro ? epochLoss / static_cast<double>(epochMicro) : 0;
        result.epochLosses.push_back(info.trainLoss);
        if (cb.validate) {
            model.eval();
            double v;
            {
                torch::NoGradGuard ng;
                v = cb.validate(model);
            }
            if (group) v = group->broadcastValue(v, 0);  // rank 0 decides
            model.train();
            info.validation = v;
            if (!result.bestValidation || v > *result.bestValidation) {
                result.bestValidation = v;
                result.bestEpoch = epoch;
                info.improved = true;
                badEpochs = 0;
                if (o.restoreBest) {
                    bestWeights.clear();
                    for (const auto& [name, t] : nn::stateDict(model)) bestWeights[name] = t.detach().cpu().clone();
                }
            } else {
                ++badEpochs;
            }
            if (o.schedule == Schedule::Plateau) {
                if (v > sched.plateauBest) {
                    sched.plateauBest = v;
                    sched.plateauBad = 0;
                } else if (++sched.plateauBad >= o.plateauPatience) {
                    sched.plateauScale *= o.plateauFactor;
                    sched.plateauBad = 0;
                    log("validation did not improve: learning rates x" + std::to_string(o.plateauFactor));
                }
            }
        }
        info.seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
        result.epochsRun = epoch + 1;
        result.steps = step;
        if (!o.checkpointDir.empty()) {
            if (writer)
                saveCheckpoint(o.checkpointDir, model, optimizer, sched, epoch + 1, step, result.epochLosses,
                               result.bestValidation, result.bestEpoch, badEpochs, bestWeights);
            if (group) group->barrier();  // the checkpoint is complete before any rank goes on
        }
        if (cb.onEpoch) cb.onEpoch(info);
        if (cb.validate && o.earlyStoppingPatience > 0 && badEpochs >= o.earlyStoppingPatience) {
            result.stoppedEarly = true;
            log("early stopping: no improvement for " + std::to_string(badEpochs) + " epochs");
            break;
        }
    }
    if (cb.validate && o.restoreBest && !bestWeights.empty()) nn::loadStateDict(model, bestWeights, true, "best epoch");
    model.eval();
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

}  // namespace lowclip::train
