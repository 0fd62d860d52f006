// lowclip-cli search: text -> photos in a library.
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

int runSearch(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const std::string model = args.option("model", "");
    const SearchArgs search = searchArgs(args);
    auto options = workspaceOptions(args, library::OpenMode::ReadOnly);
    args.finish();
    std::string query;
    for (const auto& p : args.positionals()) query += (query.empty() ? "" : " ") + p;
    if (query.find_first_not_of(" \t") == std::string::npos) throw cli::UsageError("missing the query text");
    auto w = app::Workspace::open(options);
    const auto answer = w->search(query, resolveSearch(*w, search), model);
    printResults(answer.hits, json,
                 {{"query", query}, {"model", modelJson(answer.model)}, {"model_id", answer.modelId},
                  {"k", search.options.k}, {"offset", search.options.offset}, {"milliseconds", answer.milliseconds}},
                 search.options.offset);
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) +
                           " [--model NAME|BUNDLE] [--device D] [--text-precision float32|bfloat16|int8|auto]\n       " +
                           lowclip::cli::ws::kFilterUsage + " [--json] QUERY...";

lowclip::cli::Command reg{"search", "Find photos in a library from a sentence", gUsage.c_str(), runSearch, {"json"}};

}  // namespace
