// lowclip-cli demo: generate the synthetic Azerbaijani world, train a small dual encoder from
// scratch on the CPU, evaluate it on held-out scenes, save the bundle where the GUI finds it, index
// the held-out images as a photo library and run a few typed queries (core/app's Workspace::runDemo).
#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/openmp_env.h"
#include "app/cli/workspace_cli.h"
#include "core/nn/kernels/cpu.h"
#include "core/nn/runtime.h"

using namespace lowclip;

namespace {

std::string fixed(double v, int digits = 3) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
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
    if (const int v = args.intOption("vocab", static_cast<int>(o.vocabSize)); v < 16 || v > 32768)
        throw cli::UsageError("--vocab must be between 16 and 32768");
    else
        o.vocabSize = static_cast<std::size_t>(v);
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
    auto intList = [](const std::string& s, const std::string& what) {
        std::vector<int> v;
        std::stringstream ss(s);
        for (std::string part; std::getline(ss, part, ',');) {
            const auto n = cli::ws::parseId(part, what);
            if (n < 1 || n > 4096) throw cli::UsageError(what + " must list numbers between 1 and 4096");
            v.push_back(static_cast<int>(n));
        }
        if (v.empty() || v.size() > 8) throw cli::UsageError(what + " must list 1 to 8 numbers");
        return v;
    };
    if (auto p = args.option("planes")) o.stagePlanes = intList(*p, "--planes");
    if (auto p = args.option("stage-layers")) o.stageLayers = intList(*p, "--stage-layers");
    if (o.stageLayers.size() != o.stagePlanes.size()) o.stageLayers.assign(o.stagePlanes.size(), 1);
    app::DemoRequest request;
    request.bundleDir = args.option("out", "");
    request.buildLibrary = !noLibrary;
    if (auto q = args.options("query"); !q.empty()) request.queries = q;
    auto workspace = cli::ws::workspaceOptions(args, library::OpenMode::ReadWrite);
    workspace.runtime.device = o.device;
    workspace.runtime.threads = o.threads;
    args.finish();
    cli::preferBriefOpenMPWaits();
    request.options = o;

    auto say = [&](const std::string& s) {
        if (!json && !quiet) std::cout << s << std::endl;
    };
    auto started = std::chrono::steady_clock::now();
    auto w = app::Workspace::open(workspace);
    say("LowCLIP demo: synthetic Azerbaijani scenes, training a small dual encoder from scratch on " +
        nn::describeDevice(nn::pickDevice(o.device)));

    app::DemoEvents events;
    events.log = [&](const std::string& s) { say("  " + s); };
    events.onStep = [&](const app::TeachEvent& s) {
        if (json || quiet) return;
        std::cout << "  step " << s.step << "/" << s.steps << "  loss " << fixed(s.loss) << "  lr " << std::scientific
                  << std::setprecision(2) << s.learningRate << std::defaultfloat << "  scale " << fixed(s.logitScale, 1) << "  "
                  << fixed(s.itemsPerSecond, 0) << " pairs/s  ETA " << fixed(s.etaSeconds, 0) << " s" << std::endl;
    };
    events.onIndexProgress = cli::ws::progressPrinter(json || quiet);
    events.onStage = [&](app::DemoStage st) {
        if (st == app::DemoStage::Querying && !json && !quiet) std::cerr << "\n";
    };
    const app::DemoOutcome r = w->runDemo(request, events);
    std::string held;
    for (const auto& h : r.heldOut) held += (held.empty() ? "" : ", ") + h;
    say("held out of training: " + held);
    for (const auto& [name, rep] : r.eval) {
        say("held-out " + name + " scenes (" + std::to_string(rep.numImages) + " images, " +
            std::to_string(rep.numTexts) + " queries):");
        std::istringstream lines(rep.toText());
        for (std::string line; std::getline(lines, line);) say("  " + line);
        std::string kinds;
        if (auto it = r.mapByKind.find(name); it != r.mapByKind.end())
            for (const auto& [kind, map] : it->second) kinds += "  " + kind + " " + fixed(map);
        say("  text->image MAP by caption kind:" + kinds);
    }
    nlohmann::json out = nlohmann::json::parse(r.summaryJson);
    out["bundle"] = r.bundleDir;
    if (r.library) {
        say("library " + w->library().folder() + ": " + std::to_string(r.photos) + " photos, " +
            std::to_string(r.embedded) + " embedded now");
        out["library"] = {{"folder", w->library().folder()}, {"photos", r.photos}, {"embedded", r.embedded}};
        nlohmann::json queryResults = nlohmann::json::array();
        for (const auto& q : r.queries) {
            say("query: " + q.query);
            nlohmann::json hj = nlohmann::json::array();
            for (const auto& h : q.hits) {
                say("  " + fixed(h.score) + "  " + h.photo.displayPath);
                hj.push_back({{"path", h.photo.displayPath}, {"score", h.score}});
            }
            queryResults.push_back({{"query", q.query}, {"results", hj}});
        }
        out["queries"] = queryResults;
    }
    double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out["seconds"] = total;
    out["cpu"] = nn::kernels::dispatchSummary();  // dispatch level, flags and how OpenMP threads wait
    say("demo finished in " + fixed(total, 1) + " s");
    if (json) cli::ws::printJson(out, -1);
    return 0;
}

const std::string gUsage =
    std::string("[--json] [--quiet] [--seed N] [--steps N] [--batch N] [--eval-images N] [--threads N]\n"
                "       [--loader-threads N] [--lr X] [--device cpu|auto|cuda] [--out BUNDLE_DIR]\n       ") +
    cli::ws::kWorkspaceUsage + " [--no-library] [--query TEXT]...";

cli::Command reg{"demo", "Train and try a small model on generated Azerbaijani data", gUsage.c_str(),
                 runDemoCommand, {"json", "quiet", "no-library", "eval-seen"}};

}  // namespace
