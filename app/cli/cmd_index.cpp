// lowclip-cli index: add root folders, scan them and embed new photos with a model bundle.
#include <csignal>
#include <iostream>

#include "app/cli/library_cli.h"

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
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    bool quiet = args.flag("quiet") || json;
    bool scanOnly = args.flag("scan-only");
    bool noScan = args.flag("no-scan");
    auto addRoots = args.options("add-root");
    auto removeRoots = args.options("remove-root");
    library::ScanOptions scanOpts;
    scanOpts.includeHidden = args.flag("hidden");
    if (auto e = args.option("ext")) scanOpts.extensions = splitList(*e);
    library::IndexOptions idx;
    idx.decodeThreads = args.intOption("threads", 0);
    idx.batchSize = args.intOption("batch", 32);
    idx.retryErrors = args.flag("retry-errors");
    std::string device = args.option("device", "auto");
    bool rebuild = args.flag("rebuild");
    auto modelOpt = args.option("model");
    args.finish();
    if (!args.positionals().empty()) throw cli::UsageError("unexpected argument '" + args.positionals()[0] + "'");

    auto lib = library::Library::open(libraryDir(args), library::OpenMode::ReadWrite);
    for (const auto& r : addRoots) lib->addRoot(r);
    for (const auto& r : removeRoots) {
        bool done = false;
        for (const auto& root : lib->roots())
            if (std::to_string(root.id) == r || root.path == r || root.displayPath == r) {
                lib->removeRoot(root.id);
                done = true;
            }
        if (!done) throw Error("no root folder '" + r + "' in the library");
    }
    if (lib->roots().empty())
        throw Error("the library has no root folders; add one with --add-root DIR");

    std::signal(SIGINT, onSigint);
    nlohmann::json out;
    out["library"] = lib->folder();
    if (!noScan) {
        auto s = lib->scan(scanOpts, progressPrinter(quiet), &gCancel);
        if (!quiet) std::cerr << "\n";
        out["scan"] = {{"files", s.filesSeen},   {"added", s.added},         {"changed", s.changed},
                       {"moved", s.moved},       {"removed", s.removed},     {"unchanged", s.unchanged},
                       {"read", s.filesRead},    {"vanished", s.vanished},   {"errors", s.errors},
                       {"seconds", s.seconds}};
        out["scan"]["offline_roots"] = s.offlineRoots;
        if (!json)
            std::cout << "scan: " << s.filesSeen << " files, " << s.added << " new, " << s.changed << " changed, " << s.moved
                      << " moved, " << s.removed << " removed, " << s.unchanged << " unchanged, " << s.errors << " errors ("
                      << s.seconds << " s)\n";
        for (const auto& r : s.offlineRoots)
            if (!json) std::cout << "warning: root folder " << r << " is missing; its photos were kept\n";
    }
    if (!scanOnly) {
        std::string bundle = modelOpt ? *modelOpt : modelBundle(args, lib.get());
        auto embedder = train::loadEmbedder(bundle, device);
        idx.bundlePath = bundle;
        if (rebuild) lib->rebuildIndex(embedder->modelId());
        library::IndexReport r;
        try {
            r = lib->index(*embedder, idx, progressPrinter(quiet), &gCancel);
        } catch (const Cancelled&) {
            if (!quiet) std::cerr << "\n";
            std::cerr << "lowclip-cli index: interrupted; finished batches are saved, run index again to continue\n";
            return 130;
        }
        if (!quiet) std::cerr << "\n";
        out["index"] = {{"model", embedder->modelId()}, {"bundle", bundle},          {"embedded", r.embedded},
                        {"failed", r.failed},           {"remaining", r.remaining},  {"complete", r.complete},
                        {"activated", r.activated},     {"seconds", r.seconds},      {"photos_per_second", r.photosPerSecond}};
        if (!json)
            std::cout << "index: " << r.embedded << " embedded, " << r.failed << " failed, " << r.remaining
                      << " remaining with model " << embedder->modelId() << " (" << r.photosPerSecond << " photos/s)\n";
        if (r.failed && !json) std::cout << "see the failures with: lowclip-cli errors --library " << lib->folder() << "\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
    return 0;
}

lowclip::cli::Command reg{
    "index", "Add photo folders to a library, scan them and embed new photos",
    "[--library DIR] [--add-root DIR]... [--remove-root ID|DIR]... [--model BUNDLE] [--device auto|cpu|cuda]\n"
    "       [--threads N] [--batch N] [--hidden] [--ext jpg,png,...] [--retry-errors] [--rebuild]\n"
    "       [--scan-only | --no-scan] [--quiet] [--json]",
    runIndex,
    {"json", "quiet", "scan-only", "no-scan", "hidden", "retry-errors", "rebuild"}};

}  // namespace
