// lowclip-cli similar: photos like a given photo (by id or path), using its stored vector.
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

int runSimilar(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const std::string model = args.option("model", "");
    const SearchArgs search = searchArgs(args);
    auto options = workspaceOptions(args, library::OpenMode::ReadOnly);
    args.finish();
    const std::string which = args.positional(0, "the photo (id or path)");
    auto w = app::Workspace::open(options);
    const library::PhotoInfo photo = w->findPhoto(which);
    const auto answer = w->similar(photo.id, resolveSearch(*w, search), model);
    printResults(answer.hits, json,
                 {{"photo", photoJson(photo)}, {"model", modelJson(answer.model)}, {"model_id", answer.modelId},
                  {"k", search.options.k}, {"offset", search.options.offset}},
                 search.options.offset);
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) + " [--model NAME|BUNDLE]\n       " +
                           lowclip::cli::ws::kFilterUsage + " [--json] PHOTO";

lowclip::cli::Command reg{"similar", "Find photos that look like a photo in the library", gUsage.c_str(), runSimilar,
                          {"json"}};

}  // namespace
