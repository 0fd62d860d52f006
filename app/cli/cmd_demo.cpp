// lowclip-cli demo: generate the synthetic Azerbaijani world, train a small dual encoder from
// scratch on the CPU, evaluate it on held-out scenes, save the bundle where the GUI finds it, index
// the held-out images as a photo library and run a few typed queries.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "app/cli/openmp_env.h"
#include "core/io/bundle.h"
#include "core/library/library.h"
#include "core/nn/runtime.h"
#include "core/train/demo.h"
#include "core/train/embedder.h"
#include "core/vision/encode.h"

namespace fs = std::filesystem;
using namespace lowclip;

namespace {

std::string fixed(double v, int digits = 3) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
}

// Writes the held-out images as PNG files (one folder per split) and returns the folder.
std::string writeDemoPhotos(const std::vector<train::WorldEvalSet>& sets, const std::string& folder) {
    for (const auto& set : sets) {
        fs::path dir = fs::path(folder) / set.name;
        fs::create_directories(dir);
        for (std::size_t i = 0; i < set.samples.size(); ++i) {
            std::ostringstream name;
            name << set.name << "_" << std::setw(4) << std::setfill('0') << i << ".png";
            fs::path p = dir / name.str();
            if (!fs::exists(p) && !vision::saveImage(set.samples[i].image, p.string()))
                throw Error("cannot write demo photo " + p.string());
        }
    }
    return folder;
}

int runDemoCommand(cli::Args& args) {
    bool json = args.flag("json");
    bool quiet = args.flag("quiet");
    bool noLibrary = args.flag("no-library");
    train::DemoOptions o;
    o.seed = static_cast<std::uint64_t>(args.intOption("seed", 1));
    o.steps = args.intOption("steps", o.steps);
    o.batchSize = args.intOption("batch", o.batchSize);
    o.evalImages = args.intOption("eval-images", o.evalImages);
    // Two CPU threads by default whatever the machine: results depend on the thread count (summation
    // order), and the demo is meant to give the same numbers for the same --seed everywhere.
    o.threads = args.intOption("threads", 2);
    o.loaderThreads = args.intOption("loader-threads", o.loaderThreads);
    o.learningRate = args.doubleOption("lr", o.learningRate);
    o.weightDecay = args.doubleOption("weight-decay", o.weightDecay);
    o.device = args.option("device", "cpu");
    // Design knobs (for experiments; the defaults are the tuned demo).
    o.imageSize = args.intOption("image-size", o.imageSize);
    o.hidden = args.intOption("hidden", o.hidden);
    o.layers = args.intOption("layers", o.layers);
    o.heads = args.intOption("heads", o.heads);
    o.intermediate = args.intOption("intermediate", o.intermediate);
    o.projectionDim = args.intOption("projection", o.projectionDim);
    o.warmupSteps = args.intOption("warmup", o.warmupSteps);
    o.pairWeight = args.doubleOption("pair-weight", o.pairWeight);
    o.countWeight = args.doubleOption("count-weight", o.countWeight);
    o.partialCaptions = args.intOption("partial-captions", o.partialCaptions ? 1 : 0) != 0;
    o.logitScaleInit = args.doubleOption("logit-scale-init", o.logitScaleInit);
    o.evalSeen = args.flag("eval-seen");
    o.smallStem = args.intOption("small-stem", o.smallStem ? 1 : 0) != 0;
    o.stemPool = args.intOption("stem-pool", o.stemPool ? 1 : 0) != 0;
    o.patchStem = args.intOption("patch-stem", o.patchStem);
    o.stemWidth = args.intOption("stem-width", o.stemWidth);
    o.coordChannels = args.intOption("coords", o.coordChannels ? 1 : 0) != 0;
    o.imagePool = args.option("pool", o.imagePool);
    o.partialColour = args.intOption("partial-colour", o.partialColour ? 1 : 0) != 0;
    auto intList = [](const std::string& s) {
        std::vector<int> v;
        std::stringstream ss(s);
        for (std::string part; std::getline(ss, part, ',');) v.push_back(std::stoi(part));
        return v;
    };
    if (auto p = args.option("planes")) o.stagePlanes = intList(*p);
    if (auto p = args.option("stage-layers")) o.stageLayers = intList(*p);
    if (o.stageLayers.size() != o.stagePlanes.size()) o.stageLayers.assign(o.stagePlanes.size(), 1);
    std::string outDir = args.option("out", cli::defaultDataDir() + "/models/demo");
    std::string libraryDir = args.option("library", cli::defaultDataDir() + "/library");
    std::vector<std::string> queries = args.options("query");
    args.finish();
    cli::preferPassiveOpenMP();
    if (queries.empty())
        queries = {"qırmızı dairə", "qara fonda sarı ulduz", "böyük yaşıl üçbucaq", "sol tərəfdə kvadrat",
                   "mavi dairənin solunda qırmızı kvadrat"};

    auto say = [&](const std::string& s) {
        if (!json && !quiet) std::cout << s << std::endl;
    };
    auto started = std::chrono::steady_clock::now();
    nn::configureThreads(o.threads);
    say("LowCLIP demo: synthetic Azerbaijani scenes, training a small dual encoder from scratch on " +
        nn::describeDevice(nn::pickDevice(o.device)));

    train::DemoCallbacks cb;
    cb.log = [&](const std::string& s) { say("  " + s); };
    cb.onStep = [&](const train::StepInfo& s) {
        if (json || quiet) return;
        std::cout << "  step " << s.step << "/" << s.totalSteps << "  loss " << fixed(s.loss) << "  lr "
                  << std::scientific << std::setprecision(2) << s.learningRate << std::defaultfloat << "  scale "
                  << fixed(s.logitScale, 1) << "  " << fixed(s.itemsPerSecond, 0) << " pairs/s  ETA "
                  << fixed(s.etaSeconds, 0) << " s" << std::endl;
    };
    train::DemoResult r = train::runDemo(o, cb);
    std::string held;
    for (const auto& h : r.heldOut) held += (held.empty() ? "" : ", ") + train::colourWord(h.colour) + " " + train::shapeWord(h.shape);
    say("held out of training: " + held);
    for (const auto& [name, rep] : r.eval) {
        say("held-out " + name + " scenes (" + std::to_string(rep.numImages) + " images, " +
            std::to_string(rep.numTexts) + " queries):");
        std::istringstream lines(rep.toText());
        for (std::string line; std::getline(lines, line);) say("  " + line);
        std::string kinds;
        for (const auto& [kind, map] : r.mapByKind[name]) kinds += "  " + kind + " " + fixed(map);
        say("  text->image MAP by caption kind:" + kinds);
    }

    // Save the bundle where the GUI looks for it.
    io::BundleProvenance prov;
    prov.name = "demo";
    prov.source = "demo";
    prov.training = {{"seed", o.seed}, {"steps", r.training.steps}, {"batch", o.batchSize}, {"seconds", r.trainSeconds},
                     {"data", "synthetic Azerbaijani world"}};
    nlohmann::json metrics;
    for (const auto& [name, rep] : r.eval) metrics[name] = rep.toFlatJson();
    prov.metrics = metrics;
    io::saveBundle(outDir, *r.model, r.config, r.vocab, prov);
    say("model bundle saved to " + outDir);

    nlohmann::json out = r.toJson();
    out["bundle"] = outDir;
    nlohmann::json queryResults = nlohmann::json::array();
    if (!noLibrary) {
        auto embedder = train::loadEmbedder(outDir, o.device);
        std::string photos = writeDemoPhotos(r.evalSets, libraryDir + "/demo-photos");
        auto lib = library::Library::open(libraryDir);
        lib->addRoot(photos);
        auto scan = lib->scan();
        library::IndexOptions io;
        io.bundlePath = outDir;
        io.modelName = "demo";
        auto rep = lib->index(*embedder, io);
        say("library " + libraryDir + ": " + std::to_string(scan.filesSeen) + " photos, " +
            std::to_string(rep.embedded) + " embedded now");
        out["library"] = {{"folder", libraryDir}, {"photos", scan.filesSeen}, {"embedded", rep.embedded}};
        library::SearchOptions so;
        so.k = 5;
        for (const auto& q : queries) {
            auto hits = lib->search(*embedder, q, so);
            say("query: " + q);
            nlohmann::json hj = nlohmann::json::array();
            for (const auto& h : hits) {
                say("  " + fixed(h.score) + "  " + h.photo.displayPath);
                hj.push_back({{"path", h.photo.displayPath}, {"score", h.score}});
            }
            queryResults.push_back({{"query", q}, {"results", hj}});
        }
        out["queries"] = queryResults;
    }
    double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out["seconds"] = total;
    say("demo finished in " + fixed(total, 1) + " s");
    if (json) std::cout << out.dump() << std::endl;
    return 0;
}

cli::Command reg{"demo", "Train and try a small model on generated Azerbaijani data",
                 "[--json] [--quiet] [--seed N] [--steps N] [--batch N] [--eval-images N] [--threads N]\n"
                 "       [--loader-threads N] [--lr X] [--device cpu|auto|cuda] [--out BUNDLE_DIR]\n"
                 "       [--library DIR] [--no-library] [--query TEXT]...",
                 runDemoCommand, {"json", "quiet", "no-library", "eval-seen"}};

}  // namespace
