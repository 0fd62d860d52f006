// Trainer: the loss goes down, checkpoint + resume equals an uninterrupted run, cancellation, early
// stopping, freezing presets, schedules; batch sources; and a mini demo run (JSON shape, beats chance).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/text/vocab_builder.h"
#include "core/train/adamw_step.h"
#include "core/train/batch_sources.h"
#include "core/train/demo.h"
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

std::unique_ptr<WorldBatchSource> makeSource(const Tiny& t, std::size_t batch, std::size_t perEpoch, std::uint64_t seed = 4) {
    WorldSourceOptions so;
    so.batchSize = batch;
    so.batchesPerEpoch = perEpoch;
    so.seed = seed;
    so.maxTextLength = t.config.maxTextLength;
    so.preprocess.imageSize = t.config.imageSize;
    so.preprocess.resizeSize = t.config.imageSize;
    return std::make_unique<WorldBatchSource>(*t.world, *t.tokenizer, so);
}

nn::DualEncoder freshModel(const Tiny& t, std::uint64_t seed = 7) {
    torch::manual_seed(seed);
    return nn::DualEncoder(t.config);
}

TrainOptions quickOptions() {
    TrainOptions o = TrainOptions::fromScratch();
    o.epochs = 1;
    o.warmupSteps = 2;
    o.device = "cpu";
    o.loaderThreads = 2;
    o.progressEvery = 1;
    o.seed = 11;
    return o;
}

bool sameWeights(const nn::DualEncoderImpl& a, const nn::DualEncoderImpl& b, std::string* firstDiff = nullptr) {
    auto sa = nn::stateDict(a), sb = nn::stateDict(b);
    if (sa.size() != sb.size()) return false;
    for (const auto& [k, v] : sa) {
        if (!sb.count(k) || !torch::equal(v, sb.at(k))) {
            if (firstDiff) *firstDiff = k;
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE("world batches: deterministic per (epoch, index), positives from satisfies") {
    Tiny t = makeTiny();
    auto src = makeSource(t, 12, 5);
    auto a = src->makeBatch(1, 3), b = src->makeBatch(1, 3), c = src->makeBatch(1, 4);
    CHECK(torch::equal(a.images, b.images));
    CHECK(torch::equal(a.inputIds, b.inputIds));
    CHECK(!torch::equal(a.images, c.images));
    REQUIRE(a.positives.defined());
    CHECK(a.positives.size(0) == 12);
    CHECK(torch::equal(a.positives.diagonal(), torch::ones({12})));
    CHECK(a.images.sizes() == torch::IntArrayRef({12, 3, 16, 16}));
}

TEST_CASE("multi-positive loss equals InfoNCE when the positives are the identity") {
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto img = torch::randn({6, 16}), txt = torch::randn({6, 16});
    auto a = batchLoss(*m, img, txt, torch::eye(6));
    auto b = nn::infoNceLoss(img, txt, m->logitScale());
    CHECK_MSG(std::abs(a.item<double>() - b.item<double>()) < 1e-5, a.item<double>() << " vs " << b.item<double>());
}

// The same few batches every epoch: a model that learns must fit them.
class FixedBatches : public BatchSource {
public:
    FixedBatches(const BatchSource& inner, std::size_t n) : inner_(inner), n_(n) {}
    std::size_t batchesPerEpoch() const override { return n_; }
    TrainBatch makeBatch(std::size_t, std::size_t index) const override { return inner_.makeBatch(0, index); }

private:
    const BatchSource& inner_;
    std::size_t n_;
};

TEST_CASE("training: the loss goes down on a tiny problem") {
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto src = makeSource(t, 16, 2);
    FixedBatches fixed(*src, 2);
    std::vector<double> losses;
    TrainCallbacks cb;
    cb.onStep = [&](const StepInfo& s) {
        losses.push_back(s.loss);
        CHECK(s.totalSteps == 60);
        CHECK(s.learningRate > 0);
    };
    TrainOptions o = quickOptions();
    o.epochs = 30;
    auto r = lowclip::train::train(m, fixed, o, cb);
    REQUIRE(losses.size() == 60);
    double first = 0, last = 0;
    for (int i = 0; i < 10; ++i) {
        first += losses[static_cast<std::size_t>(i)];
        last += losses[losses.size() - 1 - static_cast<std::size_t>(i)];
    }
    CHECK_MSG(last < first * 0.85, "first 10 mean " << first / 10 << ", last 10 mean " << last / 10);
    CHECK(r.steps == 60);
    CHECK(r.epochsRun == 30);
}

TEST_CASE("checkpoint each epoch and exact resume give the uninterrupted run's weights") {
    Tiny t = makeTiny(0.1);  // dropout on: the RNG state must be restored too
    auto src = makeSource(t, 8, 4);
    std::string dirA = testing::makeTempDir(), dirB = testing::makeTempDir();
    TrainOptions o = quickOptions();
    o.epochs = 3;
    o.accumulation = 2;
    o.schedule = Schedule::Cosine;

    auto full = freshModel(t);
    o.checkpointDir = dirA;
    lowclip::train::train(full, *src, o);
    CHECK(fs::exists(checkpointPath(dirA)));

    auto part = freshModel(t);
    TrainOptions first = o;
    first.checkpointDir = dirB;
    first.epochs = 3;
    std::atomic<bool> cancel{false};
    TrainCallbacks stopAfterFirstEpoch;
    stopAfterFirstEpoch.onEpoch = [&](const EpochInfo& e) {
        if (e.epoch == 0) cancel = true;
    };
    CHECK_THROWS_WITH(lowclip::train::train(part, *src, first, stopAfterFirstEpoch, &cancel), Cancelled, "cancelled");

    auto resumed = freshModel(t, 99);  // different init: everything must come from the checkpoint
    TrainOptions second = o;
    second.checkpointDir = dirB;
    second.resume = true;
    auto r = lowclip::train::train(resumed, *src, second);
    CHECK(r.resumed);
    CHECK(r.epochsRun == 3);
    CHECK(r.epochLosses.size() == 3);
    std::string diff;
    CHECK_MSG(sameWeights(*full, *resumed, &diff), "first differing tensor: " << diff);
    // And the resumed run did change the weights (not a no-op).
    auto untrained = freshModel(t);
    CHECK(!sameWeights(*untrained, *resumed));
}

TEST_CASE("cancellation stops training promptly") {
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto src = makeSource(t, 8, 50);
    std::atomic<bool> cancel{false};
    std::size_t lastStep = 0;
    TrainCallbacks cb;
    cb.onStep = [&](const StepInfo& s) {
        lastStep = s.step;
        if (s.step == 3) cancel = true;
    };
    CHECK_THROWS_WITH(lowclip::train::train(m, *src, quickOptions(), cb, &cancel), Cancelled, "cancelled");
    CHECK(lastStep == 3);
}

TEST_CASE("early stopping on the validation metric keeps the best epoch's weights") {
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto src = makeSource(t, 8, 3);
    TrainOptions o = quickOptions();
    o.epochs = 10;
    o.earlyStoppingPatience = 2;
    std::vector<io::TensorMap> snapshots;
    std::vector<double> scripted = {0.3, 0.5, 0.4, 0.45, 0.9, 0.95};
    std::size_t calls = 0;
    TrainCallbacks cb;
    cb.validate = [&](nn::DualEncoderImpl& model) {
        io::TensorMap snap;
        for (const auto& [k, v] : nn::stateDict(model)) snap[k] = v.clone();
        snapshots.push_back(snap);
        return scripted[calls++];
    };
    auto r = lowclip::train::train(m, *src, o, cb);
    CHECK(r.stoppedEarly);
    CHECK(r.epochsRun == 4);  // best at epoch 1, then two epochs without improvement
    CHECK(r.bestEpoch == 1);
    REQUIRE(r.bestValidation.has_value());
    CHECK(*r.bestValidation == 0.5);
    bool equalBest = true;
    for (const auto& [k, v] : nn::stateDict(*m)) equalBest &= torch::equal(v, snapshots[1].at(k));
    CHECK(equalBest);
}

TEST_CASE("plateau schedule lowers the rates when validation stalls") {
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto src = makeSource(t, 8, 2);
    TrainOptions o = quickOptions();
    o.epochs = 3;
    o.warmupSteps = 0;
    o.schedule = Schedule::Plateau;
    o.plateauPatience = 1;
    o.plateauFactor = 0.1;
    std::vector<double> lrs;
    TrainCallbacks cb;
    cb.onStep = [&](const StepInfo& s) { lrs.push_back(s.learningRate); };
    cb.validate = [](nn::DualEncoderImpl&) { return 0.5; };  // never improves after the first epoch
    lowclip::train::train(m, *src, o, cb);
    REQUIRE(lrs.size() == 6);
    CHECK(std::abs(lrs[0] - o.lrHeads) < 1e-12);
    CHECK(std::abs(lrs[2] - o.lrHeads) < 1e-12);        // epoch 0 set the best
    CHECK(std::abs(lrs[4] - o.lrHeads * 0.1) < 1e-12);  // epoch 1 did not improve
}

TEST_CASE("freezing presets decide which weights move") {
    Tiny t = makeTiny();
    auto src = makeSource(t, 8, 2);
    auto changed = [&](FreezePreset preset, int lastLayers, bool image) {
        auto m = freshModel(t);
        auto before = nn::stateDict(*m);
        for (auto& [k, v] : before) v = v.clone();
        TrainOptions o = quickOptions();
        o.freeze = preset;
        o.lastLayers = lastLayers;
        o.trainImageTower = image;
        lowclip::train::train(m, *src, o);
        std::set<std::string> moved;
        for (const auto& [k, v] : nn::stateDict(*m))
            if (v.is_floating_point() && !torch::equal(v, before.at(k))) moved.insert(k);
        return moved;
    };
    auto any = [](const std::set<std::string>& s, const std::string& prefix) {
        for (const auto& k : s)
            if (k.rfind(prefix, 0) == 0) return true;
        return false;
    };
    auto heads = changed(FreezePreset::HeadsOnly, 0, true);
    CHECK(any(heads, "text_projection.") && any(heads, "image_projection.") && heads.count("logit_scale"));
    CHECK(!any(heads, "text_encoder."));
    CHECK(!any(heads, "image_encoder."));  // frozen BatchNorm statistics too

    auto attention = changed(FreezePreset::TextAttentionOnly, 0, false);
    CHECK(any(attention, "text_encoder.encoder.layer.0.attention."));
    CHECK(!any(attention, "text_encoder.encoder.layer.0.intermediate."));
    CHECK(!any(attention, "text_encoder.embeddings."));
    CHECK(!any(attention, "image_encoder."));

    auto last = changed(FreezePreset::LastLayers, 1, true);
    CHECK(any(last, "text_encoder.encoder.layer.1."));
    CHECK(!any(last, "text_encoder.encoder.layer.0."));
    CHECK(any(last, "image_encoder."));

    auto all = changed(FreezePreset::All, 0, true);
    CHECK(any(all, "text_encoder.embeddings.") && any(all, "text_encoder.encoder.layer.0.") && any(all, "image_encoder."));
    CHECK(parseFreezePreset("text-attention") == FreezePreset::TextAttentionOnly);
    CHECK_THROWS_WITH(parseFreezePreset("most"), Error, "unknown freezing preset");
}

TEST_CASE("dataset batches: decode, augment, skip and report broken images") {
    Tiny t = makeTiny();
    std::string dir = testing::makeTempDir();
    std::vector<std::pair<std::string, std::string>> pairs;
    auto samples = t.world->generate(SceneKind::Single, WorldSplit::Train, 6, 3, 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        std::string p = dir + "/img" + std::to_string(i) + ".png";
        REQUIRE(vision::saveImage(samples[i].image, p));
        for (const auto& c : samples[i].captions) pairs.push_back({p, c.text});
    }
    std::ofstream(dir + "/broken.png") << "not a png";
    pairs.push_back({dir + "/broken.png", "qırmızı dairə"});
    pairs.push_back({dir + "/img0.png", "qırmızı dairə"});  // shared caption -> positives
    Dataset d = fromPairs(pairs);
    std::vector<DatasetProblem> problems;
    DatasetSourceOptions o;
    o.batchSize = 7;
    o.preprocess.imageSize = 16;
    o.maxTextLength = 24;
    DatasetBatchSource src(d, *t.tokenizer, o, [&](const DatasetProblem& p) { problems.push_back(p); });
    CHECK(src.batchesPerEpoch() == 1);
    auto b = src.makeBatch(0, 0);
    CHECK(b.size() == 6);  // the broken one is left out
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].path == dir + "/broken.png");
    auto again = src.makeBatch(0, 0);
    CHECK(torch::equal(b.images, again.images));
    CHECK(problems.size() == 1);  // reported once
}

TEST_CASE("cuda: training with mixed precision (bfloat16 autocast)") {
    if (!nn::cudaAvailable()) SKIP("no CUDA device in this LibTorch build or machine; mixed precision is CUDA-only");
    Tiny t = makeTiny();
    auto m = freshModel(t);
    auto before = m->textProjection->projection->weight.detach().clone();
    auto src = makeSource(t, 16, 4);
    TrainOptions o = quickOptions();
    o.device = "cuda";
    o.mixedPrecision = true;
    std::vector<double> losses;
    TrainCallbacks cb;
    cb.onStep = [&](const StepInfo& s) { losses.push_back(s.loss); };
    lowclip::train::train(m, *src, o, cb);
    REQUIRE(losses.size() == 4);
    for (double l : losses) CHECK(std::isfinite(l));
    CHECK(m->logit_scale.device().is_cuda());
    CHECK(!torch::equal(before, m->textProjection->projection->weight.detach().cpu()));
}

TEST_CASE("mini demo: JSON shape and metrics above chance") {
    DemoOptions o;
    o.seed = 5;
    o.imageSize = 48;
    o.steps = 120;
    o.batchSize = 32;
    o.warmupSteps = 5;
    o.hidden = 32;
    o.layers = 1;
    o.heads = 2;
    o.intermediate = 64;
    o.stagePlanes = {16, 32, 64};
    o.stageLayers = {1, 1, 1};
    o.projectionDim = 32;
    o.evalImages = 60;
    o.loaderThreads = 1;
    o.threads = 1;  // the same numbers on every machine
    auto r = runDemo(o);
    for (const auto& [name, rep] : r.eval) std::cout << "  " << name << ": t2i MAP " << rep.textToImage.map << "\n";
    auto j = r.toJson();
    REQUIRE(j.contains("eval"));
    for (const char* split : {"single", "multi"}) {
        REQUIRE(j["eval"].contains(split));
        for (const char* key : {"t2i_r1", "t2i_r5", "t2i_r10", "t2i_map", "i2t_r1", "i2t_r5", "i2t_r10", "i2t_map"}) {
            REQUIRE(j["eval"][split].contains(key));
            double v = j["eval"][split][key].get<double>();
            CHECK(v >= 0.0 && v <= 1.0);
        }
    }
    // Chance: the expected MAP of a random ranking is about the mean share of relevant images.
    for (const auto& set : r.evalSets) {
        double chance = 0;
        for (const auto& rel : set.relevant) chance += static_cast<double>(rel.size()) / static_cast<double>(set.samples.size());
        chance /= static_cast<double>(set.relevant.size());
        double map = r.eval.at(set.name).textToImage.map;
        CHECK_MSG(map > 2 * chance + 0.05, set.name << ": MAP " << map << ", chance about " << chance);
    }
    // Deterministic given the seed.
    auto again = runDemo(o);
    CHECK(again.eval.at("single").textToImage.map == r.eval.at("single").textToImage.map);
}

TEST_CASE("clippedAdamWStep: LibTorch's clip_grad_norm_ and AdamW step, fused, in LibTorch's state") {
    torch::manual_seed(3);
    const std::vector<std::vector<int64_t>> shapes = {{300, 70}, {1000}, {5, 3, 3}, {17}};
    std::vector<torch::Tensor> mine, ref;
    for (const auto& s : shapes) {
        mine.push_back(torch::randn(s).requires_grad_());
        ref.push_back(mine.back().detach().clone().requires_grad_());
    }
    // Groups with and without weight decay; the last parameter never gets a gradient.
    auto optimizerOf = [](std::vector<torch::Tensor>& ps) {
        std::vector<torch::optim::OptimizerParamGroup> groups;
        auto decay = std::make_unique<torch::optim::AdamWOptions>(1e-2);
        decay->weight_decay(0.1);
        groups.emplace_back(std::vector<torch::Tensor>{ps[0], ps[2]}, std::move(decay));
        auto plain = std::make_unique<torch::optim::AdamWOptions>(3e-3);
        plain->weight_decay(0.0);
        groups.emplace_back(std::vector<torch::Tensor>{ps[1], ps[3]}, std::move(plain));
        return torch::optim::AdamW(groups, torch::optim::AdamWOptions(1e-3));
    };
    auto optMine = optimizerOf(mine), optRef = optimizerOf(ref);
    auto maxRel = [](const torch::Tensor& a, const torch::Tensor& b) {
        return (a - b).abs().max().item<double>() / (1.0 + b.abs().max().item<double>());
    };
    auto setGrads = [&](int step) {
        const double size = step == 3 ? 1e-3 : 1.0;  // step 3 stays under the norm cap, the others are clipped
        for (size_t i = 0; i + 1 < mine.size(); ++i) {
            auto g = torch::randn(mine[i].sizes()) * size;
            mine[i].mutable_grad() = g.clone();
            ref[i].mutable_grad() = g.clone();
        }
    };
    for (int step = 1; step <= 5; ++step) {
        setGrads(step);
        const double refNorm = torch::nn::utils::clip_grad_norm_(ref, 5.0);
        optRef.step();
        const double norm = lowclip::train::clippedAdamWStep(optMine, 5.0);
        CHECK_MSG(std::abs(norm - refNorm) <= 1e-5 * refNorm, "step " << step << ": norm " << norm << " vs " << refNorm);
        for (size_t i = 0; i < mine.size(); ++i)
            CHECK_MSG(maxRel(mine[i].detach(), ref[i].detach()) < 1e-5, "step " << step << " parameter " << i);
    }
    CHECK(torch::equal(mine[3], ref[3]));  // no gradient: untouched, no state
    CHECK(optMine.state().size() == 3 && optRef.state().size() == 3);
    // The state is LibTorch's own: saved and loaded into a fresh optimizer, LibTorch's step goes on
    // from it as from the reference's.
    std::stringstream saved;
    torch::save(optMine, saved);
    std::vector<torch::Tensor> again;
    for (auto& p : mine) again.push_back(p.detach().clone().requires_grad_());
    auto optAgain = optimizerOf(again);
    torch::load(optAgain, saved);
    setGrads(6);
    for (size_t i = 0; i + 1 < mine.size(); ++i) again[i].mutable_grad() = ref[i].grad().clone();
    optRef.step();
    optAgain.step();
    for (size_t i = 0; i < mine.size(); ++i) CHECK_MSG(maxRel(again[i].detach(), ref[i].detach()) < 1e-5, "resumed parameter " << i);
    // No cap: no norm; double parameters take LibTorch's own step, bit for bit.
    auto d = torch::randn({40}, torch::kFloat64).requires_grad_();
    auto dr = d.detach().clone().requires_grad_();
    torch::optim::AdamW od({d}, torch::optim::AdamWOptions(1e-2)), odr({dr}, torch::optim::AdamWOptions(1e-2));
    auto gd = torch::randn({40}, torch::kFloat64);
    d.mutable_grad() = gd.clone();
    dr.mutable_grad() = gd.clone();
    CHECK(lowclip::train::clippedAdamWStep(od, 0.0) == -1.0);
    odr.step();
    CHECK(torch::equal(d, dr));
}

LOWCLIP_TEST_MAIN()
