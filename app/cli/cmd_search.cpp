// lowclip-cli search: text -> photos in a library.
#include <iostream>

#include "app/cli/library_cli.h"

namespace {

int runSearch(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    std::string device = args.option("device", "auto");
    const auto precision = train::parseTextPrecision(args.option("text-precision", "float32"));
    auto lib = openLibrary(args, library::OpenMode::ReadOnly);
    auto opts = searchOptions(args, *lib);
    std::string bundle = modelBundle(args, lib.get());
    args.finish();
    std::string query;
    for (const auto& p : args.positionals()) query += (query.empty() ? "" : " ") + p;
    if (query.empty()) throw cli::UsageError("missing the query text");
    auto embedder = train::loadEmbedder(bundle, device, precision);
    auto results = lib->search(*embedder, query, opts);
    printResults(results, json, {{"query", query}, {"model", embedder->modelId()}, {"k", opts.k}, {"offset", opts.offset}});
    return 0;
}

std::string usage() {
    return std::string("[--library DIR] [--model BUNDLE] [--device D] [--text-precision float32|bfloat16] ") + lowclip::cli::librarycli::kFilterUsage +
           " [--json] QUERY...";
}
const std::string gUsage = usage();

lowclip::cli::Command reg{"search", "Find photos in a library from a sentence", gUsage.c_str(), runSearch, {"json"}};

}  // namespace
