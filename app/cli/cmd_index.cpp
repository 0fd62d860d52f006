// lowclip-cli index: add or remove library folders, scan them and embed new photos.
#include <csignal>
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

lowclip::CancelFlag gCancel{false};
extern "C" void onSigint(int) { gCancel = true; }

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

int runIndex(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const bool quiet = args.flag("quiet") || json;
    const bool scanOnly = args.flag("scan-only");
    const bool noScan = args.flag("no-scan");
    if (scanOnly && noScan) throw cli::UsageError("--scan-only and --no-scan exclude each other");
    const auto addRoots = args.options("add-root");
    const auto removeRoots = args.options("remove-root");
    app::IndexRequest request;
    request.scan = !noScan;
    request.embed = !scanOnly;
    request.rebuild = args.flag("rebuild");
    request.restoreRemoved = args.flag("restore-removed");
    request.scanOptions.includeHidden = args.flag("hidden");
    if (auto e = args.option("ext")) request.scanOptions.extensions = splitList(*e);
    request.indexOptions.decodeThreads = args.intOption("decode-threads", 0);
    request.indexOptions.batchSize = args.intOption("batch", 32);
    if (request.indexOptions.batchSize < 1 || request.indexOptions.batchSize > 4096)
        throw cli::UsageError("--batch must be between 1 and 4096");
    if (request.indexOptions.decodeThreads < 0) throw cli::UsageError("--decode-threads must not be negative");
    request.indexOptions.retryErrors = args.flag("retry-errors");
    request.model = args.option("model", "");
    auto options = workspaceOptions(args, library::OpenMode::ReadWrite);
    args.finish();
    if (!args.positionals().empty()) throw cli::UsageError("unexpected argument '" + args.positionals()[0] + "'");

    auto w = app::Workspace::open(options);
    for (const auto& r : addRoots) w->addRoot(r);
    for (const auto& r : removeRoots) w->removeRoot(r);
    if (w->roots().empty()) throw cli::UsageError("the library has no folders yet: add one with --add-root DIR");

    std::signal(SIGINT, onSigint);
    app::IndexOutcome out;
    try {
        out = w->index(request, progressPrinter(quiet), &gCancel);
    } catch (const Cancelled&) {
        if (!quiet) std::cerr << "\n";
        std::cerr << "lowclip-cli index: interrupted; finished batches are saved, run index again to continue\n";
        return 130;
    }
    if (!quiet) std::cerr << "\n";
    nlohmann::json j;
    j["library"] = w->library().folder();
    if (out.scan) {
        const auto& s = *out.scan;
        j["scan"] = {{"files", s.filesSeen},   {"added", s.added},         {"changed", s.changed},
                     {"moved", s.moved},       {"removed", s.removed},     {"unchanged", s.unchanged},
                     {"read", s.filesRead},    {"vanished", s.vanished},   {"errors", s.errors},   {"excluded", s.excluded},
                     {"seconds", s.seconds},   {"offline_roots", s.offlineRoots}};
        if (!json) {
            std::cout << "scan: " << s.filesSeen << " files, " << s.added << " new, " << s.changed << " changed, " << s.moved
                      << " moved, " << s.removed << " removed, " << s.unchanged << " unchanged, " << s.errors << " errors ("
                      << s.seconds << " s)\n";
            for (const auto& r : s.offlineRoots) std::cout << "warning: the folder " << r << " is missing; its photos were kept\n";
        }
    }
    if (out.index) {
        const auto& r = *out.index;
        j["index"] = {{"model", modelJson(out.model)}, {"model_id", out.modelId},    {"embedded", r.embedded},
                      {"failed", r.failed},            {"remaining", r.remaining},   {"complete", r.complete},
                      {"activated", r.activated},      {"seconds", r.seconds},       {"photos_per_second", r.photosPerSecond},
                      {"time", {{"setup", r.setupSeconds}, {"model", r.encodeSeconds}, {"decoding", r.decodeSeconds},
                                {"waiting", r.waitSeconds}, {"commits", r.commitSeconds}}}};
        if (!json) {
            std::cout << "index: " << r.embedded << " embedded, " << r.failed << " failed, " << r.remaining
                      << " remaining with model " << (out.model.name.empty() ? out.model.dir : out.model.name) << " ("
                      << r.photosPerSecond << " photos/s)\n";
            if (r.failed) std::cout << "see why with: lowclip-cli errors\n";
        }
    } else if (request.embed && !json) {
        std::cout << "no model yet: the photos are catalogued and wait for one (lowclip-cli demo, or lowclip-cli import)\n";
    }
    if (json) printJson(j);
    return 0;
}

const std::string gUsage =
    std::string(lowclip::cli::ws::kWorkspaceUsage) +
    " [--add-root DIR]... [--remove-root ID|DIR]... [--model NAME|BUNDLE]\n"
    "       [--device auto|cpu|cuda] [--threads N] [--decode-threads N] [--batch N] [--hidden] [--ext jpg,png,...]\n"
    "       [--retry-errors] [--restore-removed] [--rebuild] [--scan-only | --no-scan] [--quiet] [--json]";

lowclip::cli::Command reg{"index", "Add photo folders to a library, scan them and embed new photos", gUsage.c_str(),
                          runIndex, {"json", "quiet", "scan-only", "no-scan", "hidden", "retry-errors", "rebuild",
                           "restore-removed"}};

}  // namespace
