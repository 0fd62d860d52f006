// lowclip-cli train: fine-tune a model bundle (or train a small one from scratch) on an image-caption
// dataset, with per-group learning rates, freezing presets, checkpoints and resume, validation and
// early stopping; or --smoke-paper: a few steps of the paper-sized model to show the recipe runs.
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "app/cli/openmp_env.h"
#include "app/cli/workspace_cli.h"
#include "core/app/fine_tune.h"
#include "core/io/bundle.h"
#include "core/nn/runtime.h"
#include "core/text/vocab_builder.h"
#include "core/train/datasets.h"
#include "core/train/demo.h"
#include "core/train/distributed.h"
#include "core/train/paper.h"
#include "core/train/trainer.h"
#include "core/util/stderr_filter.h"

using namespace lowclip;

namespace {

std::string fixed(double v, int digits = 4) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
}

int runSmoke(cli::Args& args) {
    int steps = args.intOption("steps", 2);
    int batch = args.intOption("batch", 2);
    int image = args.intOption("image-size", 224);
    std::string device = args.option("device", "cpu");
    int threads = args.intOption("threads", 0);
    bool json = args.flag("json");
    args.finish();
    nn::configureThreads(threads);
    auto r = train::runPaperSmoke(steps, batch, device, image);
    nlohmann::json j = {{"steps", r.steps},          {"batch", batch},        {"parameters", r.parameters},
                        {"first_loss", r.firstLoss}, {"last_loss", r.lastLoss}, {"weights_changed", r.weightsChanged},
                        {"step_seconds", r.stepSeconds}, {"pairs_per_second", r.pairsPerSecond}};
    if (json) {
        std::cout << j.dump() << std::endl;
    } else {
        std::cout << "paper-sized model (mBERT-base + EfficientNet-B0, " << r.parameters << " parameters): " << r.steps
                  << " steps of batch " << batch << " at " << image << "x" << image << " on " << device << "\n"
                  << "  loss " << fixed(r.firstLoss) << " -> " << fixed(r.lastLoss) << ", weights "
                  << (r.weightsChanged ? "changed" : "UNCHANGED") << ", " << fixed(r.pairsPerSecond, 2) << " pairs/s\n";
    }
    return r.weightsChanged ? 0 : 1;
}

int runTrain(cli::Args& args) {
    if (args.flag("smoke-paper")) return runSmoke(args);
    cli::preferBriefOpenMPWaits();
    auto datasetPath = args.option("dataset");
    auto base = args.option("bundle");
    auto out = args.option("out");
    bool scratch = args.flag("scratch");
    train::CsvOptions csv;
    csv.imageColumn = args.option("image-column", csv.imageColumn);
    csv.captionColumn = args.option("caption-column", csv.captionColumn);
    csv.imageRoot = args.option("image-root", "");
    if (args.flag("no-header")) csv.header = false;

    train::TrainOptions o = scratch ? train::TrainOptions::fromScratch() : train::TrainOptions::fineTune();
    o.epochs = args.intOption("epochs", 5);
    o.maxStepsPerEpoch = static_cast<std::size_t>(args.intOption("steps-per-epoch", 0));
    o.lrHeads = args.doubleOption("lr-heads", o.lrHeads);
    o.lrImage = args.doubleOption("lr-image", o.lrImage);
    o.lrText = args.doubleOption("lr-text", o.lrText);
    o.weightDecay = args.doubleOption("weight-decay", o.weightDecay);
    o.schedule = train::parseSchedule(args.option("schedule", scratch ? "cosine" : "plateau"));
    o.warmupSteps = static_cast<std::size_t>(args.intOption("warmup", static_cast<int>(o.warmupSteps)));
    o.maxGradNorm = args.doubleOption("clip", o.maxGradNorm);
    o.accumulation = args.intOption("accumulation", 1);
    o.freeze = train::parseFreezePreset(args.option("freeze", "all"));
    o.lastLayers = args.intOption("last-layers", o.lastLayers);
    o.trainImageTower = !args.flag("freeze-image");
    o.mixedPrecision = args.flag("mixed-precision");
    o.seed = static_cast<std::uint64_t>(args.intOption("seed", 0));
    o.loaderThreads = args.intOption("loader-threads", 2);
    o.device = args.option("device", "auto");
    o.checkpointDir = args.option("checkpoint", "");
    o.resume = args.flag("resume");
    o.earlyStoppingPatience = args.intOption("early-stopping", 0);
    o.threads = args.intOption("threads", 0);
    int batch = args.intOption("batch", 32);
    double valFraction = args.doubleOption("val-fraction", 0.1);
    bool augment = !args.flag("no-augment");
    int imageSize = args.intOption("image-size", 128);
    bool json = args.flag("json");
    // Data-parallel: joins torchrun's group (or --rank/--world-size/--master); --batch stays the
    // global batch, --threads is per rank.
    train::DistributedOverrides dist;
    const auto distMode = train::parseDistributedMode(args.option("distributed", "auto"));
    if (args.option("rank")) dist.rank = args.intOption("rank", 0);
    if (args.option("world-size")) dist.worldSize = args.intOption("world-size", 1);
    dist.master = args.option("master");
    if (args.option("dist-timeout")) dist.timeoutSeconds = args.doubleOption("dist-timeout", 60);
    dist.backend = args.option("dist-backend", "auto");
    o.syncBatchNorm = args.flag("sync-bn");
    args.finish();
    train::DistributedConfig distConfig = train::resolveDistributedConfig(distMode, dist);
    if (distConfig.enabled) {
        // NCCL for CUDA devices when this build has it (connect() says so when it has not).
        if (distConfig.backend == "auto")
            distConfig.backend = o.device != "cpu" && nn::pickDevice(o.device).is_cuda() ? "nccl" : "gloo";
        o.distributed = train::DistributedGroup::connect(distConfig);
    }
    const bool quiet = distConfig.enabled && distConfig.rank != 0;  // rank 0 reports and writes
    if (!datasetPath) throw cli::UsageError("--dataset is required (or --smoke-paper)");
    if (!out) throw cli::UsageError("--out is required");
    if (!base == !scratch) throw cli::UsageError("give --bundle BASE to fine-tune, or --scratch for a new small model");
    if (o.threads > 0) nn::configureThreads(o.threads);

    auto say = [&](const std::string& s) {
        if (quiet) return;
        if (json) cli::ws::printJson({{"log", s}}, -1);
        else std::cout << s << std::endl;
    };

    // Data: split by image, missing files reported and skipped.
    train::Dataset all = train::loadDataset(*datasetPath, csv);
    std::vector<train::DatasetProblem> problems;
    all = train::dropUnusableImages(all, &problems);
    for (const auto& p : problems) say("skipped " + p.path + ": " + p.reason);
    auto splits = train::splitByImage(all, valFraction, 0.0, o.seed + 1);
    say("dataset " + *datasetPath + ": " + std::to_string(splits.train.items.size()) + " training images, " +
        std::to_string(splits.validation.items.size()) + " validation images, " + std::to_string(all.captionCount()) +
        " captions");

    // Model.
    nn::DualEncoder model{nullptr};
    nn::ClipConfig config;
    std::vector<std::string> vocab;
    std::shared_ptr<text::WordPieceTokenizer> tokenizer;
    if (base) {
        auto loaded = io::loadBundle(*base, o.device);
        model = loaded.model;
        config = loaded.config;
        vocab = loaded.vocab;
        tokenizer = loaded.tokenizer;
        say("fine-tuning " + *base);
    } else {
        std::vector<std::string> corpus;
        for (const auto& it : splits.train.items) corpus.insert(corpus.end(), it.captions.begin(), it.captions.end());
        text::VocabBuilderOptions vo;
        vo.vocabSize = 8000;
        vo.normalization = text::TextNormalization::Azerbaijani;
        vo.completeAlphabets = true;
        vocab = text::buildWordPieceVocab(corpus, vo);
        tokenizer = std::make_shared<text::WordPieceTokenizer>(vocab, vo.normalization);
        train::DemoOptions d;
        d.imageSize = imageSize;
        d.maxTextLength = 64;
        config = train::demoClipConfig(d, vocab.size());
        config.normalization = vo.normalization;  // the bundle records what the vocabulary was built with
        torch::manual_seed(o.seed);
        model = nn::DualEncoder(config);
        say("training a small model from scratch (" + std::to_string(vocab.size()) + " tokens, " +
            std::to_string(imageSize) + " px)");
    }

    app::FineTuneJob job;
    job.model = model;
    job.config = config;
    job.tokenizer = tokenizer;
    job.train = splits.train;
    if (splits.validation.items.size() >= 2) job.validation = splits.validation;
    job.options = o;
    job.source.batchSize = static_cast<std::size_t>(batch);
    job.source.seed = o.seed;
    job.source.augment = augment;

    app::FineTuneCallbacks cb;
    cb.log = say;
    cb.onProblem = [&](const train::DatasetProblem& p) { say("skipped " + p.path + ": " + p.reason); };
    cb.onStep = [&](const train::StepInfo& s) {
        if (quiet) return;
        if (json) {
            cli::ws::printJson({{"step", s.step},     {"total", s.totalSteps},       {"epoch", s.epoch},
                                {"loss", s.loss},     {"lr", s.learningRate},        {"items_per_second", s.itemsPerSecond},
                                {"eta_seconds", s.etaSeconds}},
                               -1);
        } else {
            std::cout << "epoch " << s.epoch + 1 << " step " << s.step << "/" << s.totalSteps << "  loss " << fixed(s.loss)
                      << "  lr " << std::scientific << std::setprecision(2) << s.learningRate << std::defaultfloat << "  "
                      << fixed(s.itemsPerSecond, 1) << " pairs/s  ETA " << fixed(s.etaSeconds, 0) << " s" << std::endl;
        }
    };
    cb.onEpoch = [&](const train::EpochInfo& e) {
        std::string v = e.validation ? ", validation text->image MAP " + fixed(*e.validation) + (e.improved ? " (best)" : "") : "";
        say("epoch " + std::to_string(e.epoch + 1) + ": loss " + fixed(e.trainLoss) + v + ", " + fixed(e.seconds, 1) + " s");
    };
    if (distConfig.enabled)
        say("distributed: rank " + std::to_string(distConfig.rank) + " of " + std::to_string(distConfig.worldSize) +
            " (" + o.distributed->backendName() + "), global batch " + std::to_string(batch) +
            (o.syncBatchNorm ? ", synchronised BatchNorm" : ""));
    // Test hook, for CTest's torchrun restart test only (tests/train/torchrun_restart.sh):
    // LOWCLIP_FAULT_EXIT_AT_STEP=N makes rank LOWCLIP_FAULT_RANK (default 1) exit abruptly with status 3
    // right after optimizer step N, as a crashed worker would, on the launcher's first attempt only
    // (TORCHELASTIC_RESTART_COUNT unset or 0), so that the restarted group runs to the end.
    if (const char* at = std::getenv("LOWCLIP_FAULT_EXIT_AT_STEP"); at && *at) {
        const char* attempt = std::getenv("TORCHELASTIC_RESTART_COUNT");
        const char* rankVar = std::getenv("LOWCLIP_FAULT_RANK");
        char* end = nullptr;
        const long step = std::strtol(at, &end, 10);
        if (*end != '\0' || step < 1) throw cli::UsageError("LOWCLIP_FAULT_EXIT_AT_STEP must be a step number (1 or more)");
        const long faultRank = rankVar && *rankVar ? std::strtol(rankVar, &end, 10) : 1;
        if (rankVar && *rankVar && *end != '\0') throw cli::UsageError("LOWCLIP_FAULT_RANK must be a rank number");
        if ((!attempt || std::string(attempt) == "0") && faultRank == distConfig.rank) {
            job.options.progressEvery = 1;
            auto report = cb.onStep;
            cb.onStep = [report, step](const train::StepInfo& s) {
                if (report) report(s);
                if (s.step == static_cast<std::size_t>(step)) {
                    std::cerr << "test hook: exiting after step " << step << " (LOWCLIP_FAULT_EXIT_AT_STEP)" << std::endl;
                    util::removeStderrFilter();  // _Exit skips atexit: forward what is pending first
                    std::_Exit(3);
                }
            };
        }
    }
    const app::FineTuneResult tuned = app::fineTune(job, cb);
    const train::TrainResult& result = tuned.training;

    nlohmann::json metrics = nlohmann::json::object();
    if (tuned.after) {
        metrics["validation"] = tuned.after->toFlatJson();
        say("validation:\n" + tuned.after->toText());
    }
    io::BundleProvenance prov;
    prov.source = base ? "train (fine-tuned " + *base + ")" : "train (from scratch)";
    prov.training = {{"dataset", *datasetPath},      {"epochs", result.epochsRun}, {"steps", result.steps},
                     {"batch", batch},               {"lr_heads", o.lrHeads},      {"lr_image", o.lrImage},
                     {"lr_text", o.lrText},          {"freeze", train::freezePresetName(o.freeze)},
                     {"seed", o.seed},               {"stopped_early", result.stoppedEarly},
                     {"epoch_losses", result.epochLosses}};
    prov.metrics = metrics;
    if (quiet) return 0;  // rank 0 alone writes the bundle
    model->to(torch::kCPU);
    io::saveBundle(*out, *model, config, vocab, prov);
    say("saved " + *out);
    return 0;
}

cli::Command reg{
    "train", "Fine-tune a model on image-caption data (or --smoke-paper)",
    "--dataset FILE --out DIR (--bundle BASE | --scratch) [options]\n"
    "       lowclip-cli train --smoke-paper [--steps 2] [--batch 2] [--image-size 224] [--device cpu]\n\n"
    "  data:      [--image-column NAME] [--caption-column NAME] [--image-root DIR] [--no-header]\n"
    "             [--val-fraction 0.1] [--batch 32] [--no-augment] [--image-size 128 (scratch)]\n"
    "  schedule:  [--epochs 5] [--steps-per-epoch N] [--lr-heads 1e-3] [--lr-image 1e-4] [--lr-text 1e-5]\n"
    "             [--weight-decay 0.01] [--schedule plateau|cosine|constant] [--warmup N] [--clip 1.0]\n"
    "             [--accumulation N] [--early-stopping EPOCHS]\n"
    "  freezing:  [--freeze heads|text-attention|last-layers|all] [--last-layers N] [--freeze-image]\n"
    "  run:       [--seed N] [--device auto|cpu|cuda] [--mixed-precision] [--threads N] [--loader-threads N]\n"
    "             [--checkpoint DIR] [--resume] [--json]\n"
    "  parallel:  [--distributed auto|off] [--rank N --world-size N --master HOST:PORT] [--dist-timeout 60]\n"
    "             [--dist-backend auto|gloo|nccl] [--sync-bn]   (auto joins torchrun's RANK/WORLD_SIZE/MASTER_*)",
    runTrain,
    {"smoke-paper", "scratch", "no-header", "freeze-image", "mixed-precision", "resume", "no-augment", "json", "sync-bn"}};

}  // namespace
