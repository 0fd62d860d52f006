// lowclip-cli eval: retrieval metrics of a model bundle on an image-caption dataset (or on the
// synthetic world's held-out scenes).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/io/bundle.h"
#include "core/nn/runtime.h"
#include "core/train/datasets.h"
#include "core/train/demo.h"
#include "core/train/evaluate.h"

using namespace lowclip;

namespace {

train::CsvOptions csvOptions(cli::Args& args) {
    train::CsvOptions c;
    c.imageColumn = args.option("image-column", c.imageColumn);
    c.captionColumn = args.option("caption-column", c.captionColumn);
    c.imageRoot = args.option("image-root", "");
    if (args.flag("no-header")) c.header = false;
    if (auto d = args.option("delimiter")) {
        if (*d == "tab" || *d == "\\t") c.delimiter = '\t';
        else if (d->size() == 1) c.delimiter = (*d)[0];
        else throw cli::UsageError("--delimiter takes one character or 'tab'");
    }
    return c;
}

int runEval(cli::Args& args) {
    auto bundle = args.option("bundle");
    auto datasetPath = args.option("dataset");
    auto world = args.option("world");
    train::CsvOptions csv = csvOptions(args);
    int limit = args.intOption("limit", 0);
    int threads = args.intOption("threads", 0);
    int images = args.intOption("images", 300);
    int seed = args.intOption("seed", 1);
    int heldOut = args.intOption("held-out-combos", 12);
    std::string device = args.option("device", "auto");
    bool json = args.flag("json");
    args.finish();
    if (!bundle) throw cli::UsageError("--bundle is required");
    if (!datasetPath == !world) throw cli::UsageError("give either --dataset FILE or --world single|multi");
    nn::configureThreads(threads);
    auto loaded = io::loadBundle(*bundle, device);
    nlohmann::json out = {{"bundle", *bundle}};
    train::RetrievalReport report;
    if (datasetPath) {
        train::Dataset d = train::loadDataset(*datasetPath, csv);
        if (limit > 0 && static_cast<std::size_t>(limit) < d.items.size()) d.items.resize(static_cast<std::size_t>(limit));
        std::vector<train::DatasetProblem> problems;
        report = train::evaluateDataset(*loaded.model, *loaded.tokenizer, loaded.config, d, &problems, threads);
        out["dataset"] = *datasetPath;
        nlohmann::json pj = nlohmann::json::array();
        for (const auto& p : problems) {
            pj.push_back({{"path", p.path}, {"reason", p.reason}});
            if (!json) std::cerr << "skipped " << p.path << ": " << p.reason << "\n";
        }
        out["skipped"] = pj;
    } else {
        train::SceneKind kind;
        if (*world == "single") kind = train::SceneKind::Single;
        else if (*world == "multi" || *world == "pair") kind = train::SceneKind::Pair;
        else throw cli::UsageError("--world takes single or multi");
        train::WorldConfig wc;
        wc.imageSize = loaded.config.imageSize;
        wc.heldOutCombos = heldOut;
        wc.seed = static_cast<std::uint64_t>(seed);
        train::SyntheticWorld w(wc);
        auto set = train::makeWorldEvalSet(w, kind, images, static_cast<std::uint64_t>(seed) * 1000 + (kind == train::SceneKind::Single ? 11 : 12), *world);
        std::map<std::string, double> byKind;
        report = train::evaluateWorldSet(*loaded.model, *loaded.tokenizer, loaded.config, set, &byKind);
        out["world"] = *world;
        out["t2i_map_by_caption_kind"] = byKind;
    }
    out["metrics"] = report.toFlatJson();
    out["detail"] = report.toJson();
    if (json) {
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << report.numTexts << " texts, " << report.numImages << " images\n" << report.toText();
    }
    return 0;
}

cli::Command reg{"eval", "Retrieval metrics (R@1/5/10, median rank, MAP) of a model on a dataset",
                 "--bundle DIR (--dataset FILE | --world single|multi) [--json]\n"
                 "       [--image-column NAME] [--caption-column NAME] [--image-root DIR] [--delimiter C|tab]\n"
                 "       [--no-header] [--limit N] [--threads N] [--device auto|cpu|cuda]\n"
                 "       [--images N] [--seed N] [--held-out-combos N]   (with --world)\n\n"
                 "  FILE: CSV/TSV (columns chosen with --image-column/--caption-column), Flickr8k token file,\n"
                 "  Flickr30k results.csv or COCO captions JSON; every caption is a query for its image.",
                 runEval, {"json", "no-header"}};

}  // namespace
