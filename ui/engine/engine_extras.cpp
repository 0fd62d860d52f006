// Trainer, importer and demo calls behind the engine facade. Plain C++ (includes Torch through
// core); never includes Qt.
#include "ui/engine/engine_extras.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "core/error.h"
#include "core/io/bundle.h"
#include "core/train/batch_sources.h"
#include "core/train/datasets.h"
#include "core/train/demo.h"
#include "core/train/metrics.h"
#include "core/train/trainer.h"
#include "core/vision/decode.h"
#include "core/vision/encode.h"

namespace fs = std::filesystem;

namespace lowclip::ui::extras {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void say(const ProgressFn& progress, const std::string& stage, const std::string& message, std::size_t done = 0,
         std::size_t total = 0, double eta = -1.0) {
    if (!progress) return;
    Progress p;
    p.stage = stage;
    p.message = message;
    p.done = done;
    p.total = total;
    p.etaSeconds = eta;
    progress(p);
}

// Held-out pairs, decoded once, to measure a model before and after teaching.
struct HeldOut {
    std::vector<vision::Image> images;
    std::vector<std::string> texts;
    std::vector<std::vector<int>> relevant;  // per text: its image
};

HeldOut prepareHeldOut(const train::Dataset& validation, int imageSize) {
    HeldOut h;
    vision::DecodeOptions opts;
    opts.targetShortSide = imageSize;
    for (const auto& item : validation.items) {
        vision::Image img;
        try {
            img = vision::decodeImageFile(item.imagePath, opts);
        } catch (const std::exception&) {
            continue;  // reported by dropUnusableImages already, or vanished since
        }
        const int index = int(h.images.size());
        h.images.push_back(std::move(img));
        for (const auto& c : item.captions) {
            h.texts.push_back(c);
            h.relevant.push_back({index});
        }
    }
    return h;
}

train::RetrievalReport measure(nn::DualEncoderImpl& model, const text::WordPieceTokenizer& tokenizer,
                               const nn::ClipConfig& config, const HeldOut& h) {
    auto img = train::encodeImagesWith(model, h.images, config);
    auto txt = train::encodeTextsWith(model, tokenizer, h.texts, config);
    auto scores = train::dotProducts(txt, img, int(config.projectionDim));
    return train::evaluateRetrieval(scores, h.texts.size(), h.images.size(), h.relevant);
}

std::map<std::string, double> flat(const train::RetrievalReport& r) {
    return {{"t2i_r1", r.textToImage.r1},   {"t2i_r5", r.textToImage.r5},   {"t2i_map", r.textToImage.map},
            {"i2t_r1", r.imageToText.r1},   {"i2t_r5", r.imageToText.r5},   {"i2t_map", r.imageToText.map}};
}

vision::PreprocessSpec specOf(const nn::ClipConfig& c) {
    vision::PreprocessSpec s;
    s.imageSize = c.imageSize;
    s.resizeSize = c.resizeSize;
    s.mean = c.mean;
    s.std = c.std;
    s.interpolation = c.interpolation;
    return s;
}

std::string nowIso() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::vector<TrainPreset> trainPresets() {
    // Quick: the heads and the text tower's attention adapt; Thorough: everything learns, longer.
    TrainPreset quick{"quick", 3, 1e-3, 1e-4, 1e-5, "text-attention", 32};
    TrainPreset thorough{"thorough", 10, 1e-3, 1e-4, 1e-5, "all", 32};
    return {quick, thorough};
}

TrainOutcome fineTune(const std::string& baseBundle, const std::vector<Pair>& pairs, const TrainRequest& request,
                      const std::string& outBundle, const std::string& device, const TrainEventFn& events,
                      const CancelFlag* cancel) {
    const auto t0 = Clock::now();
    auto message = [&](const std::string& m) {
        if (!events) return;
        TrainEvent e;
        e.kind = TrainEvent::Kind::Message;
        e.message = m;
        e.elapsedSeconds = secondsSince(t0);
        events(e);
    };
    TrainPreset preset = trainPresets().front();
    for (const auto& p : trainPresets())
        if (p.name == request.preset) preset = p;
    const int epochs = request.epochs > 0 ? request.epochs : preset.epochs;
    const int batchWanted = request.batchSize > 0 ? request.batchSize : preset.batchSize;

    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& p : pairs) list.emplace_back(p.imagePath, p.text);
    train::Dataset all = train::fromPairs(list, "captions");
    std::vector<train::DatasetProblem> problems;
    all = train::dropUnusableImages(all, &problems);
    if (all.items.size() < 2)
        throw Error("teaching needs captions on at least 2 photos that can be read (there are " +
                    std::to_string(all.items.size()) + ")");
    train::DatasetSplits splits = train::splitByImage(all, 0.2, 0.0, 1);
    if (splits.validation.items.empty()) {  // small sets: hold out one photo anyway
        splits.validation.items.push_back(splits.train.items.back());
        splits.train.items.pop_back();
    }
    throwIfCancelled(cancel);

    message("loading the model");
    io::LoadedBundle loaded = io::loadBundle(baseBundle, device);
    HeldOut heldOut = prepareHeldOut(splits.validation, loaded.config.imageSize);
    if (heldOut.images.empty()) throw Error("none of the held-out photos could be read");
    message("measuring the model before teaching");
    const train::RetrievalReport before = measure(*loaded.model, *loaded.tokenizer, loaded.config, heldOut);
    const int recallK = heldOut.images.size() > 10 ? 5 : 1;
    throwIfCancelled(cancel);

    train::DatasetSourceOptions so;
    so.batchSize = std::size_t(std::clamp<int>(batchWanted, 2, std::max<int>(2, int(splits.train.items.size()))));
    so.seed = 1;
    so.maxTextLength = loaded.config.maxTextLength;
    so.preprocess = specOf(loaded.config);
    so.dropLast = false;
    train::DatasetBatchSource source(splits.train, *loaded.tokenizer, so);

    train::TrainOptions to = train::TrainOptions::fineTune();
    to.epochs = epochs;
    to.lrHeads = request.lrHeads > 0 ? request.lrHeads : preset.lrHeads;
    to.lrImage = request.lrImage > 0 ? request.lrImage : preset.lrImage;
    to.lrText = request.lrText > 0 ? request.lrText : preset.lrText;
    to.freeze = train::parseFreezePreset(request.freeze.empty() ? preset.freeze : request.freeze);
    to.device = device;
    to.progressEvery = 1;
    to.loaderThreads = 1;
    to.restoreBest = true;

    int epochNow = 1;
    train::TrainCallbacks cb;
    cb.onStep = [&](const train::StepInfo& s) {
        epochNow = int(s.epoch) + 1;
        if (!events) return;
        TrainEvent e;
        e.kind = TrainEvent::Kind::Step;
        e.epoch = epochNow;
        e.epochs = epochs;
        e.step = s.step;
        e.steps = s.totalSteps;
        e.loss = s.loss;
        e.learningRate = s.learningRate;
        e.elapsedSeconds = secondsSince(t0);
        e.etaSeconds = s.etaSeconds;
        events(e);
    };
    std::size_t stepsSoFar = 0;
    cb.onEpoch = [&](const train::EpochInfo& info) { stepsSoFar = (info.epoch + 1) * source.batchesPerEpoch(); };
    cb.validate = [&](nn::DualEncoderImpl& model) {
        train::RetrievalReport r = measure(model, *loaded.tokenizer, loaded.config, heldOut);
        const double recall = recallK == 5 ? r.textToImage.r5 : r.textToImage.r1;
        if (events) {
            TrainEvent e;
            e.kind = TrainEvent::Kind::Validation;
            e.epoch = epochNow;
            e.epochs = epochs;
            e.step = std::max(stepsSoFar, std::size_t(epochNow) * source.batchesPerEpoch());
            e.steps = std::size_t(epochs) * source.batchesPerEpoch();
            e.recall = recall;
            e.recallK = recallK;
            e.elapsedSeconds = secondsSince(t0);
            events(e);
        }
        return r.textToImage.map;
    };
    cb.log = [&](const std::string& m) { message(m); };
    message("teaching");
    train::TrainResult result = train::train(loaded.model, source, to, cb, cancel);
    throwIfCancelled(cancel);

    loaded.model->eval();
    const train::RetrievalReport after = measure(*loaded.model, *loaded.tokenizer, loaded.config, heldOut);

    io::BundleProvenance prov;
    prov.name = fs::path(outBundle).filename().string();
    prov.source = "fine-tune of " + loaded.info.name;
    prov.created = nowIso();
    prov.training = {{"base", loaded.info.name},
                     {"pairs", all.captionCount()},
                     {"train_photos", splits.train.items.size()},
                     {"held_out_photos", splits.validation.items.size()},
                     {"epochs", result.epochsRun},
                     {"steps", result.steps},
                     {"preset", request.preset},
                     {"seconds", result.seconds}};
    prov.metrics = {{"heldout", after.toFlatJson()}, {"heldout_before", before.toFlatJson()}};
    io::saveBundle(outBundle, *loaded.model, loaded.config, loaded.vocab, prov);

    TrainOutcome o;
    o.before = flat(before);
    o.after = flat(after);
    o.trainPairs = splits.train.captionCount();
    o.heldOutPairs = heldOut.texts.size();
    return o;
}

void runDemo(const DemoRequest& request, const std::string& outBundle, const std::string& photosDir,
             const std::string& device, const ProgressFn& progress, const CancelFlag* cancel) {
    train::DemoOptions o;
    o.seed = request.seed;
    if (request.steps > 0) o.steps = request.steps;
    if (request.batchSize > 0) o.batchSize = request.batchSize;
    if (request.evalImages > 0) o.evalImages = request.evalImages;
    o.warmupSteps = std::min(o.warmupSteps, std::max(1, o.steps / 10));
    if (request.tinyModel) {
        o.hidden = 64;
        o.layers = 1;
        o.heads = 2;
        o.intermediate = 128;
        o.stagePlanes = {16, 32, 48};
        o.stageLayers = {1, 1, 1};
        o.projectionDim = 64;
    }
    o.device = device == "auto" ? "cpu" : device;  // the demo is sized for a CPU
    train::DemoCallbacks cb;
    cb.onStep = [&](const train::StepInfo& s) {
        std::ostringstream m;
        m << "training the demo model: step " << s.step << " of " << s.totalSteps;
        say(progress, "train", m.str(), s.step, s.totalSteps, s.etaSeconds);
    };
    cb.log = [&](const std::string& m) { say(progress, "demo", m); };
    say(progress, "demo", "drawing the pictures");
    train::DemoResult r = train::runDemo(o, cb, cancel);
    throwIfCancelled(cancel);

    io::BundleProvenance prov;
    prov.name = "demo";
    prov.source = "demo";
    prov.created = nowIso();
    prov.training = {{"seed", o.seed}, {"steps", r.training.steps}, {"batch", o.batchSize},
                     {"seconds", r.trainSeconds}, {"data", "synthetic Azerbaijani world"}};
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, rep] : r.eval) metrics[name] = rep.toFlatJson();
    prov.metrics = metrics;
    io::saveBundle(outBundle, *r.model, r.config, r.vocab, prov);

    say(progress, "demo", "writing the demo photos");
    for (const auto& set : r.evalSets) {
        const fs::path dir = fs::path(photosDir) / set.name;
        fs::create_directories(dir);
        for (std::size_t i = 0; i < set.samples.size(); ++i) {
            std::ostringstream name;
            name << set.name << "_" << std::setw(4) << std::setfill('0') << i << ".png";
            const fs::path p = dir / name.str();
            if (!fs::exists(p) && !vision::saveImage(set.samples[i].image, p.string()))
                throw Error("cannot write the demo photo " + p.string());
        }
    }
}

}  // namespace lowclip::ui::extras
