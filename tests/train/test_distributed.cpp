// Data-parallel training on c10d (Gloo over loopback, ranks as threads sharing an in-process store):
// launcher environment and options, batch shares, the gathered contrastive loss and its gradients, and
// N ranks x B/N ending with the weights of one process with batch B.
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/backbone.h"
#include "core/nn/keyed_random.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/text/vocab_builder.h"
#include "core/train/batch_sources.h"
#include "core/train/demo.h"
#include "core/train/distributed.h"
#include "core/train/trainer.h"
#include "core/vision/encode.h"
#include "tests/support/testing.h"
#include "tests/train/tiny_model.h"

namespace fs = std::filesystem;
using namespace lowclip;
using namespace lowclip::train;

namespace {

using testsupport::makeTiny;
using testsupport::Tiny;


EnvLookup envOf(std::map<std::string, std::string> vars) {
    auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [shared](const char* name) -> const char* {
        auto it = shared->find(name);
        return it == shared->end() ? nullptr : it->second.c_str();
    };
}

std::unique_ptr<WorldBatchSource> makeSource(const Tiny& t, std::size_t batch, std::size_t perEpoch) {
    WorldSourceOptions so;
    so.batchSize = batch;
    so.batchesPerEpoch = perEpoch;
    so.seed = 4;
    so.maxTextLength = t.config.maxTextLength;
    so.preprocess.imageSize = t.config.imageSize;
    so.preprocess.resizeSize = t.config.imageSize;
    return std::make_unique<WorldBatchSource>(*t.world, *t.tokenizer, so);
}

// The world's batches without their positives (text i pairs with image i only).
class WithoutPositives : public BatchSource {
public:
    explicit WithoutPositives(std::unique_ptr<BatchSource> inner) : inner_(std::move(inner)) {}
    std::size_t batchesPerEpoch() const override { return inner_->batchesPerEpoch(); }
    TrainBatch makeBatch(std::size_t e, std::size_t i) const override {
        auto b = inner_->makeBatch(e, i);
        b.positives = at::Tensor();
        return b;
    }

private:
    std::unique_ptr<BatchSource> inner_;
};

double maxRelativeDifference(const nn::DualEncoderImpl& a, const nn::DualEncoderImpl& b, std::string* worst) {
    auto sa = nn::stateDict(a), sb = nn::stateDict(b);
    double m = 0;
    for (const auto& [k, v] : sa) {
        // Attention key biases have an exactly zero gradient (softmax ignores a shift shared by a row):
        // their Adam steps are amplified rounding noise, different for any two summation orders.
        if (k.size() > 23 && k.compare(k.size() - 23, 23, "attention.self.key.bias") == 0) continue;
        auto x = v.to(torch::kFloat64), y = sb.at(k).to(torch::kFloat64);
        double scale = std::max(x.abs().max().item<double>(), 1e-12);
        double d = (x - y).abs().max().item<double>() / scale;
        if (d > m) {
            m = d;
            if (worst) *worst = k;
        }
    }
    return m;
}

// Runs `fn(rank, group)` on `world` threads joined in one Gloo group; rethrows the first failure.
void onRanks(int world, const std::function<void(int, std::shared_ptr<DistributedGroup>)>& fn,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    auto store = makeInProcessStore();
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::exception_ptr failure;
    for (int r = 0; r < world; ++r)
        threads.emplace_back([&, r] {
            try {
                auto g = DistributedGroup::join(store, r, world, timeout);
                fn(r, g);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure) failure = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
}

TrainOptions smallOptions() {
    TrainOptions o = TrainOptions::fromScratch();
    o.epochs = 2;
    o.warmupSteps = 2;
    o.device = "cpu";
    o.loaderThreads = 0;
    o.seed = 11;
    o.maxGradNorm = 1.0;
    return o;
}

// The bound for float64 runs (what they show is 1e-13 or less): far below the float32 tests' 1e-5.
constexpr double kFloat64Tolerance = 1e-9;

struct Equivalence {
    double maxRel = 0;
    std::string worst;
    bool changed = false;
};

// One process with batch B against `world` ranks with B/world each, same options and source, the
// models in `dtype`. In float32 the two runs round differently (partial gradient sums, matrix products
// over B/world rows instead of B), and Adam turns that noise into weight differences of 1e-6 to 6e-5
// after a few steps, depending on the data: single elements whose gradient is near zero in some step.
// In float64 that noise is gone, and what remains is any difference in what the runs compute.
Equivalence compareRuns(const Tiny& t, TrainOptions o, int world,
                        const std::function<std::unique_ptr<BatchSource>()>& makeSrc,
                        torch::Dtype dtype = torch::kFloat32) {
    torch::manual_seed(7);
    nn::DualEncoder single(t.config);
    single->to(dtype);
    auto initial = nn::stateDict(*single);
    std::map<std::string, at::Tensor> init;
    for (const auto& [k, v] : initial) init[k] = v.clone();
    {
        auto src = makeSrc();
        lowclip::train::train(single, *src, o);
    }
    std::vector<nn::DualEncoder> ranks;
    for (int r = 0; r < world; ++r) {
        torch::manual_seed(r == 0 ? 7 : 100 + r);  // other ranks start elsewhere: rank 0's weights win
        ranks.emplace_back(t.config);
        ranks.back()->to(dtype);
    }
    onRanks(world, [&](int r, std::shared_ptr<DistributedGroup> g) {
        auto src = makeSrc();
        TrainOptions ro = o;
        ro.distributed = g;
        lowclip::train::train(ranks[static_cast<std::size_t>(r)], *src, ro);
    });
    Equivalence e;
    e.maxRel = maxRelativeDifference(*single, *ranks[0], &e.worst);
    std::string w1;
    for (int r = 1; r < world; ++r)
        e.maxRel = std::max(e.maxRel, maxRelativeDifference(*ranks[0], *ranks[static_cast<std::size_t>(r)], &w1));
    for (const auto& [k, v] : nn::stateDict(*single))
        if (!torch::equal(v, init.at(k))) e.changed = true;
    return e;
}

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
    if (a.defined() != b.defined()) return false;
    return !a.defined() || (a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && torch::equal(a, b));
}

// `part` is positions [begin, end) of `whole`, bit for bit, with the whole batch's positives.
void checkPartOfWhole(const TrainBatch& whole, const TrainBatch& part, std::size_t begin, std::size_t end) {
    const auto b = static_cast<int64_t>(begin), len = static_cast<int64_t>(end - begin);
    CHECK(part.size() == end - begin);
    CHECK(part.globalRows == whole.size());
    CHECK(sameTensor(part.images, whole.images.narrow(0, b, len)));
    CHECK(sameTensor(part.inputIds, whole.inputIds.narrow(0, b, len)));
    CHECK(sameTensor(part.attentionMask, whole.attentionMask.narrow(0, b, len)));
    CHECK(sameTensor(part.positives, whole.positives));
    std::vector<int64_t> rows;
    for (auto k = b; k < b + len; ++k) rows.push_back(k);
    CHECK(part.rows == rows);
}

}  // namespace

TEST_CASE("environment: torchrun's variables, the agent store prefix, explicit options, off") {
    auto c = resolveDistributedConfig(DistributedMode::Auto, {},
                                      envOf({{"RANK", "1"},
                                             {"WORLD_SIZE", "2"},
                                             {"LOCAL_RANK", "1"},
                                             {"LOCAL_WORLD_SIZE", "2"},
                                             {"MASTER_ADDR", "10.0.0.5"},
                                             {"MASTER_PORT", "29511"},
                                             {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                             {"TORCHELASTIC_RESTART_COUNT", "3"}}));
    CHECK(c.enabled);
    CHECK(c.rank == 1 && c.worldSize == 2 && c.localRank == 1 && c.localWorldSize == 2);
    CHECK(c.masterAddr == "10.0.0.5" && c.masterPort == 29511);
    CHECK(c.useAgentStore);
    CHECK(c.storePrefix == "/worker/attempt_3");
    CHECK(c.timeout.count() <= 60000);

    auto noAgent = resolveDistributedConfig(DistributedMode::Auto, {},
                                            envOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "False"}}));
    CHECK(noAgent.enabled && !noAgent.useAgentStore && noAgent.storePrefix.empty());

    // One process stays one process: no variables, WORLD_SIZE=1, or --distributed off.
    CHECK(!resolveDistributedConfig(DistributedMode::Auto, {}, envOf({})).enabled);
    CHECK(!resolveDistributedConfig(DistributedMode::Auto, {}, envOf({{"WORLD_SIZE", "1"}, {"RANK", "0"}})).enabled);
    CHECK(!resolveDistributedConfig(DistributedMode::Off, {}, envOf({{"WORLD_SIZE", "2"}, {"RANK", "0"}})).enabled);

    DistributedOverrides ov;
    ov.rank = 0;
    ov.worldSize = 3;
    ov.master = "192.168.1.2:29600";
    ov.timeoutSeconds = 5;
    auto e = resolveDistributedConfig(DistributedMode::Auto, ov, envOf({{"RANK", "2"}, {"WORLD_SIZE", "4"}}));
    CHECK(e.enabled && e.rank == 0 && e.worldSize == 3);
    CHECK(e.masterAddr == "192.168.1.2" && e.masterPort == 29600);
    CHECK(e.timeout.count() == 5000);

    // Hostile values: errors, not crashes.
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, {}, envOf({{"RANK", "2"}, {"WORLD_SIZE", "2"}})),
                      Error, "outside the world");
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, {}, envOf({{"RANK", "x"}, {"WORLD_SIZE", "2"}})),
                      Error, "not a whole number");
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, {}, envOf({{"RANK", "0"}, {"WORLD_SIZE", "99999999999999999999"}})),
                      Error, "WORLD_SIZE");
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, {},
                                               envOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}})),
                      Error, "out of range");
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, {}, envOf({{"WORLD_SIZE", "2"}})), Error,
                      "needs a rank");
    DistributedOverrides badMaster;
    badMaster.master = "nohostport";
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, badMaster, envOf({})), Error, "HOST:PORT");
    DistributedOverrides badTimeout;
    badTimeout.timeoutSeconds = 0;
    CHECK_THROWS_WITH(resolveDistributedConfig(DistributedMode::Auto, badTimeout, envOf({})), Error, "timeout");
    CHECK_THROWS_WITH(parseDistributedMode("on"), Error, "auto or off");
}

TEST_CASE("shares: disjoint, in order, covering the batch") {
    for (int64_t n : {2, 7, 128})
        for (int w : {1, 2, 3}) {
            int64_t next = 0;
            for (int r = 0; r < w; ++r) {
                auto [lo, hi] = shareOf(n, r, w);
                CHECK(lo == next);
                CHECK(hi - lo >= n / w && hi - lo <= n / w + 1);
                next = hi;
            }
            CHECK(next == n);
        }
}

TEST_CASE("collectives: bucketed all-reduce, broadcast, gather over Gloo") {
    std::vector<std::vector<at::Tensor>> results(2);
    onRanks(2, [&](int r, std::shared_ptr<DistributedGroup> g) {
        std::vector<at::Tensor> ts{torch::full({3}, r + 1.0), torch::full({2, 2}, 10.0 * (r + 1)),
                                   torch::full({5}, static_cast<double>(r), torch::kFloat64)};
        g->allReduceSum(ts, /*bucketBytes=*/8);  // several buckets
        std::vector<at::Tensor> b{torch::full({4}, r * 5.0)};
        g->broadcast(b, 1);
        ts.push_back(b[0]);
        ts.push_back(g->allGather(torch::full({2}, static_cast<float>(r))));
        ts.push_back(torch::full({1}, g->broadcastValue(r + 0.5, 0), torch::kFloat64));
        results[static_cast<std::size_t>(r)] = ts;
    });
    for (const auto& ts : results) {
        CHECK(torch::equal(ts[0], torch::full({3}, 3.0)));
        CHECK(torch::equal(ts[1], torch::full({2, 2}, 30.0)));
        CHECK(torch::equal(ts[2], torch::full({5}, 1.0, torch::kFloat64)));
        CHECK(torch::equal(ts[3], torch::full({4}, 5.0)));
        CHECK(torch::equal(ts[4], torch::tensor({0.f, 0.f, 1.f, 1.f})));
        CHECK(ts[5].item<double>() == 0.5);
    }
}

TEST_CASE("gathered loss: equals the loss of the whole batch; gradients are the slices") {
    Tiny t = makeTiny();
    torch::manual_seed(3);
    nn::DualEncoder model(t.config);
    const int64_t n = 7;  // an uneven split: 4 + 3
    auto img = torch::randn({n, 16}), txt = torch::randn({n, 16});
    auto pos = torch::eye(n);
    pos[0][3] = 1;
    pos[5][1] = 1;
    for (bool withPositives : {false, true}) {
        at::Tensor P = withPositives ? pos : at::Tensor();
        auto gi = img.clone().set_requires_grad(true), gt = txt.clone().set_requires_grad(true);
        auto whole = batchLoss(*model, gi, gt, P);
        whole.backward();
        std::vector<double> losses(2);
        std::vector<at::Tensor> gradI(2), gradT(2);
        onRanks(2, [&](int r, std::shared_ptr<DistributedGroup> g) {
            std::vector<int64_t> sizes;
            for (int k = 0; k < 2; ++k) {
                auto [lo, hi] = shareOf(n, k, 2);
                sizes.push_back(hi - lo);
            }
            auto [lo, hi] = shareOf(n, r, 2);
            auto li = img.narrow(0, lo, hi - lo).clone().set_requires_grad(true);
            auto lt = txt.narrow(0, lo, hi - lo).clone().set_requires_grad(true);
            auto loss = batchLoss(*model, gatherWithLocalGradient(*g, li, sizes), gatherWithLocalGradient(*g, lt, sizes), P);
            loss.backward();
            losses[static_cast<std::size_t>(r)] = loss.item<double>();
            gradI[static_cast<std::size_t>(r)] = li.grad();
            gradT[static_cast<std::size_t>(r)] = lt.grad();
        });
        for (int r = 0; r < 2; ++r) {
            auto [lo, hi] = shareOf(n, r, 2);
            auto k = static_cast<std::size_t>(r);
            CHECK_MSG(std::abs(losses[k] - whole.item<double>()) <= 1e-6 * std::abs(whole.item<double>()),
                      losses[k] << " vs " << whole.item<double>());
            CHECK(gradI[k].defined() && gradT[k].defined());
            CHECK_MSG(torch::allclose(gradI[k], gi.grad().narrow(0, lo, hi - lo), 1e-5, 1e-7),
                      "image gradient of rank " << r << (withPositives ? " with positives" : ""));
            CHECK_MSG(torch::allclose(gradT[k], gt.grad().narrow(0, lo, hi - lo), 1e-5, 1e-7),
                      "text gradient of rank " << r << (withPositives ? " with positives" : ""));
        }
    }
}

TEST_CASE("2 ranks x B/2 = 1 x B: freezing preset (image tower frozen), with and without positives") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    TrainOptions o = smallOptions();
    o.freeze = FreezePreset::TextAttentionOnly;
    o.trainImageTower = false;
    for (bool positives : {true, false}) {
        auto e = compareRuns(t, o, 2, [&]() -> std::unique_ptr<BatchSource> {
            auto s = makeSource(t, 12, 3);
            if (positives) return s;
            return std::make_unique<WithoutPositives>(std::move(s));
        });
        CHECK(e.changed);
        CHECK_MSG(e.maxRel <= 1e-5, "max relative difference " << e.maxRel << " at " << e.worst
                                                                << (positives ? " (positives)" : " (no positives)"));
    }
}

TEST_CASE("2 ranks x B/2 = 1 x B: all, BatchNorm tower with sync-bn; per-rank BatchNorm differs") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    TrainOptions o = smallOptions();
    o.freeze = FreezePreset::All;
    o.syncBatchNorm = true;
    auto src = [&]() -> std::unique_ptr<BatchSource> { return makeSource(t, 12, 3); };
    auto synced = compareRuns(t, o, 2, src, torch::kFloat64);
    CHECK(synced.changed);
    CHECK_MSG(synced.maxRel <= kFloat64Tolerance, "max relative difference " << synced.maxRel << " at " << synced.worst);
    o.syncBatchNorm = false;  // as DDP: statistics of each rank's share
    auto perRank = compareRuns(t, o, 2, src, torch::kFloat64);
    CHECK_MSG(perRank.maxRel > 1e-4, "max relative difference without sync-bn " << perRank.maxRel);
}

TEST_CASE("2 ranks x B/2 = 1 x B: image files with augmentation, sync-bn") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    std::string dir = testing::makeTempDir();
    std::vector<std::pair<std::string, std::string>> pairs;
    auto samples = t.world->generate(SceneKind::Single, WorldSplit::Train, 16, 3, 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        std::string p = dir + "/img" + std::to_string(i) + ".png";
        REQUIRE(vision::saveImage(samples[i].image, p));
        for (const auto& c : samples[i].captions) pairs.push_back({p, c.text});
    }
    // An image that fails to decode: left out of its batch by one process and by the rank that owns it.
    {
        std::ofstream broken(dir + "/broken.png", std::ios::binary);
        broken << "not an image";
    }
    pairs.push_back({dir + "/broken.png", pairs[0].second});
    Dataset d = fromPairs(pairs);
    TrainOptions o = smallOptions();
    o.syncBatchNorm = true;
    std::atomic<int> problems{0};
    auto e = compareRuns(t, o, 2, [&]() -> std::unique_ptr<BatchSource> {
        DatasetSourceOptions so;
        so.batchSize = 8;
        so.seed = 5;
        so.augment = true;
        so.preprocess.imageSize = 16;
        so.preprocess.resizeSize = 16;
        so.maxTextLength = 24;
        return std::make_unique<DatasetBatchSource>(d, *t.tokenizer, so, [&](const DatasetProblem&) { ++problems; });
    }, torch::kFloat64);
    CHECK(e.changed);
    CHECK(problems.load() >= 2);  // one process and one rank (each source reports once per file)
    CHECK_MSG(e.maxRel <= kFloat64Tolerance, "max relative difference " << e.maxRel << " at " << e.worst);
}

TEST_CASE("keyed dropout: keeps about 1 - p scaled by 1 / (1 - p); rows and sites differ; a key repeats") {
    const double p = 0.3;
    auto keys = torch::tensor(std::vector<int64_t>{11, 12, 13, -5}, torch::kInt64);
    auto x = torch::ones({4, 50, 40});
    at::Tensor a, b, again, other;
    {
        nn::KeyedRandomScope scope(keys);
        CHECK(nn::keyedRandomActive());
        a = nn::dropout(x, p, true);  // site 0
        b = nn::dropout(x, p, true);  // site 1
        CHECK(torch::equal(nn::dropout(x, p, false), x));  // eval: untouched
    }
    CHECK(!nn::keyedRandomActive());
    {
        nn::KeyedRandomScope scope(keys);
        again = nn::dropout(x, p, true);
    }
    {
        // The same pairs in another batch, in another order and company: the same masks per key.
        nn::KeyedRandomScope scope(torch::tensor(std::vector<int64_t>{13, 99}, torch::kInt64));
        other = nn::dropout(torch::ones({2, 50, 40}), p, true);
    }
    CHECK(torch::equal(a, again));
    CHECK(torch::equal(other[0], a[2]));
    CHECK(!torch::equal(other[1], a[2]));
    // Kept elements are scaled by 1 / (1 - p), dropped ones are 0, about 1 - p of them are kept.
    auto kept = a.ne(0);
    CHECK(torch::allclose(a.masked_select(kept), torch::full({kept.sum().item<int64_t>()}, 1.0 / (1.0 - p))));
    double keptShare = kept.to(torch::kFloat64).mean().item<double>();
    CHECK_MSG(std::abs(keptShare - (1 - p)) < 0.02, "kept share " << keptShare);
    for (int64_t r = 0; r < 4; ++r) {
        double share = kept[r].to(torch::kFloat64).mean().item<double>();
        CHECK_MSG(std::abs(share - (1 - p)) < 0.04, "row " << r << " kept share " << share);
    }
    // Rows and sites draw different masks, and the masks of two sites are not correlated.
    CHECK(!torch::equal(a[0], a[1]));
    CHECK(!torch::equal(a, b));
    double both = (a.ne(0) & b.ne(0)).to(torch::kFloat64).mean().item<double>();
    CHECK_MSG(std::abs(both - (1 - p) * (1 - p)) < 0.02, "kept by both sites " << both);
    // The raw bits are uniform over [0, 2^53).
    auto bits = nn::keyedRandomBits(keys, 7, 20000).to(torch::kFloat64) / std::ldexp(1.0, 53);
    CHECK(bits.min().item<double>() >= 0.0 && bits.max().item<double>() < 1.0);
    CHECK_MSG(std::abs(bits.mean().item<double>() - 0.5) < 0.01, "mean " << bits.mean().item<double>());
    // The CPU masks (one pass per element) are bit for bit the masks of the tensor formula, which
    // runs on every device: kept where the site's 53 random bits are at least p·2^53.
    {
        auto hashKeys = torch::tensor(std::vector<int64_t>{3, -7, int64_t{1} << 40, 12345}, torch::kInt64);
        auto reference = [&](int64_t site, int64_t perRow, double rate, torch::ScalarType dtype) {
            auto keep = nn::keyedRandomBits(hashKeys, site, perRow).ge(static_cast<int64_t>(std::llround(std::ldexp(rate, 53))));
            return keep.to(dtype).mul_(1.0 / (1.0 - rate));
        };
        nn::KeyedRandomScope scope(hashKeys);
        auto m0 = nn::keyedDropoutMask({4, 9000}, torch::TensorOptions().dtype(torch::kFloat32), 0.3);
        auto m1 = nn::keyedDropoutMask({8, 3, 11}, torch::TensorOptions().dtype(torch::kFloat64), 0.1);
        CHECK(torch::equal(m0, reference(0, 9000, 0.3, torch::kFloat32)));
        CHECK(torch::equal(m1, reference(1, 66, 0.1, torch::kFloat64).view({8, 3, 11})));
        CHECK(!torch::equal(m0, reference(1, 9000, 0.3, torch::kFloat32)));  // the site number counts
    }
    // A tensor laid out batch-major over windows ([B * 3, ...]) takes its example's key.
    {
        nn::KeyedRandomScope scope(keys);
        auto w = nn::dropout(torch::ones({12, 5}), p, true);
        CHECK(w.size(0) == 12);
        CHECK_THROWS_WITH(nn::dropout(torch::ones({5, 5}), p, true), Error, "does not split");
    }
    // Stochastic depth: one draw per example, whole rows kept or dropped.
    {
        nn::KeyedRandomScope scope(torch::arange(64, torch::kInt64));
        auto y = nn::stochasticDepth(torch::ones({64, 3, 4, 4}), 0.5, true);
        auto perRow = y.view({64, -1});
        CHECK(torch::equal(perRow.amin(1), perRow.amax(1)));
        int64_t survivors = perRow.select(1, 0).ne(0).sum().item<int64_t>();
        CHECK_MSG(survivors > 16 && survivors < 48, survivors << " of 64 survive");
    }
}

TEST_CASE("batch parts: equal the slices of the whole batch, bit for bit (world, image files with augmentation)") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    auto world = makeSource(t, 10, 2);
    for (std::size_t index : {0, 1}) {
        TrainBatch whole = world->makeBatch(1, index);
        CHECK(whole.size() == 10 && world->batchRows(1, index) == 10);
        for (auto [lo, hi] : std::vector<std::pair<std::size_t, std::size_t>>{{0, 5}, {5, 10}, {0, 4}, {4, 7}, {7, 10}, {3, 3}})
            checkPartOfWhole(whole, world->makeBatchPart(1, index, lo, hi), lo, hi);
    }
    CHECK_THROWS_WITH(world->makeBatchPart(0, 0, 4, 11), Error, "not part of");

    std::string dir = testing::makeTempDir();
    std::vector<std::pair<std::string, std::string>> pairs;
    auto samples = t.world->generate(SceneKind::Single, WorldSplit::Train, 12, 3, 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        std::string p = dir + "/img" + std::to_string(i) + ".png";
        REQUIRE(vision::saveImage(samples[i].image, p));
        for (const auto& c : samples[i].captions) pairs.push_back({p, c.text});
    }
    // Two images share a caption: the whole batch has off-diagonal positives the parts must keep.
    pairs.push_back({dir + "/img1.png", pairs[0].second});
    pairs.push_back({dir + "/img1.png", pairs[1].second});
    DatasetSourceOptions so;
    so.batchSize = 12;
    so.seed = 5;
    so.augment = true;
    so.dropLast = false;
    so.preprocess.imageSize = 16;
    so.preprocess.resizeSize = 16;
    so.maxTextLength = 24;
    DatasetBatchSource files(fromPairs(pairs), *t.tokenizer, so);
    bool sawPositives = false;
    for (std::size_t epoch : {0, 1})
        for (std::size_t index = 0; index < files.batchesPerEpoch(); ++index) {
            TrainBatch whole = files.makeBatch(epoch, index);
            std::size_t n = files.batchRows(epoch, index);
            CHECK(whole.size() == n);
            sawPositives = sawPositives || whole.positives.defined();
            for (int world : {2, 3})
                for (int r = 0; r < world; ++r) {
                    auto [lo, hi] = shareOf(static_cast<int64_t>(n), r, world);
                    checkPartOfWhole(whole, files.makeBatchPart(epoch, index, static_cast<std::size_t>(lo),
                                                                static_cast<std::size_t>(hi)),
                                     static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
                }
        }
    CHECK(sawPositives);
    // The default (any other source): the whole batch, then the slice.
    WithoutPositives plain(makeSource(t, 6, 1));
    checkPartOfWhole(plain.makeBatch(0, 0), plain.makeBatchPart(0, 0, 2, 5), 2, 5);
}

TEST_CASE("2 ranks x B/2 = 1 x B: dropout (text hidden and attention, projection heads), sync-bn") {
    nn::configureThreads(1);
    Tiny t = makeTiny(0.2);
    TrainOptions o = smallOptions();
    o.freeze = FreezePreset::All;
    o.syncBatchNorm = true;
    auto e = compareRuns(t, o, 2, [&]() -> std::unique_ptr<BatchSource> { return makeSource(t, 12, 3); }, torch::kFloat64);
    CHECK(e.changed);
    CHECK_MSG(e.maxRel <= kFloat64Tolerance, "max relative difference " << e.maxRel << " at " << e.worst);
}

TEST_CASE("rank 0 alone writes checkpoints; resume with another world size equals an uninterrupted run") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    TrainOptions o = smallOptions();
    o.freeze = FreezePreset::HeadsOnly;
    o.epochs = 2;
    // Uninterrupted, one process.
    torch::manual_seed(7);
    nn::DualEncoder whole(t.config);
    {
        auto src = makeSource(t, 8, 2);
        lowclip::train::train(whole, *src, o);
    }
    // Epoch 1 on 2 ranks with checkpoints, then epoch 2 resumed by one process.
    std::string dir = testing::makeTempDir();
    std::vector<nn::DualEncoder> ranks;
    for (int r = 0; r < 2; ++r) {
        torch::manual_seed(7);
        ranks.emplace_back(t.config);
    }
    std::vector<std::string> ckptDirs = {dir + "/shared", dir + "/shared"};
    onRanks(2, [&](int r, std::shared_ptr<DistributedGroup> g) {
        auto src = makeSource(t, 8, 2);
        TrainOptions ro = o;
        ro.epochs = 1;
        ro.checkpointDir = ckptDirs[static_cast<std::size_t>(r)];
        ro.distributed = g;
        lowclip::train::train(ranks[static_cast<std::size_t>(r)], *src, ro);
    });
    CHECK(fs::exists(checkpointPath(dir + "/shared")));
    torch::manual_seed(1);
    nn::DualEncoder resumed(t.config);
    {
        auto src = makeSource(t, 8, 2);
        TrainOptions ro = o;
        ro.checkpointDir = dir + "/shared";
        ro.resume = true;
        auto res = lowclip::train::train(resumed, *src, ro);
        CHECK(res.resumed);
    }
    std::string worst;
    double d = maxRelativeDifference(*whole, *resumed, &worst);
    CHECK_MSG(d <= 1e-5, "max relative difference " << d << " at " << worst);
}

TEST_CASE("validation: rank 0's metric decides early stopping on every rank") {
    nn::configureThreads(1);
    Tiny t = makeTiny();
    TrainOptions o = smallOptions();
    o.freeze = FreezePreset::HeadsOnly;
    o.epochs = 4;
    o.earlyStoppingPatience = 1;
    std::vector<TrainResult> results(2);
    std::vector<nn::DualEncoder> ranks;
    for (int r = 0; r < 2; ++r) ranks.emplace_back(t.config);
    onRanks(2, [&](int r, std::shared_ptr<DistributedGroup> g) {
        auto src = makeSource(t, 8, 1);
        TrainOptions ro = o;
        ro.distributed = g;
        TrainCallbacks cb;
        int calls = 0;
        // Rank 0 sees no improvement after the first epoch; rank 1 would keep improving.
        cb.validate = [&, r](nn::DualEncoderImpl&) { return r == 0 ? 1.0 : static_cast<double>(++calls); };
        results[static_cast<std::size_t>(r)] = lowclip::train::train(ranks[static_cast<std::size_t>(r)], *src, ro, cb);
    });
    CHECK(results[0].stoppedEarly && results[1].stoppedEarly);
    CHECK(results[0].epochsRun == 2 && results[1].epochsRun == 2);
}

TEST_CASE("faults: a rank that stops leaves the others with a clear error within the timeout") {
    auto started = std::chrono::steady_clock::now();
    std::string message;
    try {
        onRanks(
            2,
            [&](int r, std::shared_ptr<DistributedGroup> g) {
                std::vector<at::Tensor> ts{torch::ones({4})};
                g->allReduceSum(ts);
                if (r == 1) return;  // rank 1 leaves; rank 0 waits for a collective that never comes
                g->allReduceSum(ts);
            },
            std::chrono::milliseconds(2000));
    } catch (const Error& e) {
        message = e.what();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK_MSG(message.find("distributed training stopped") != std::string::npos, message);
    CHECK_MSG(secs < 20, secs << " s");
}

LOWCLIP_TEST_MAIN()
