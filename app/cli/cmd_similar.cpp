// lowclip-cli similar: photos like a given photo (by id or path), using its stored vector.
#include <cstdlib>
#include <iostream>

#include "app/cli/library_cli.h"

namespace {

int runSimilar(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    auto lib = openLibrary(args, library::OpenMode::ReadOnly);
    auto opts = searchOptions(args, *lib);
    std::string modelId = args.option("model-id", "");
    args.finish();
    std::string which = args.positional(0, "the photo (id or path)");
    std::optional<library::PhotoInfo> photo;
    if (which.find_first_not_of("0123456789") == std::string::npos) photo = lib->photo(std::stoll(which));
    if (!photo) photo = lib->photoByPath(which);
    if (!photo) {
        char* abs = ::realpath(which.c_str(), nullptr);
        if (abs) {
            photo = lib->photoByPath(abs);
            std::free(abs);
        }
    }
    if (!photo) throw Error("no photo '" + which + "' in the library " + lib->folder());
    auto results = lib->similar(photo->id, opts, modelId);
    printResults(results, json, {{"photo", photoJson(*photo)}, {"k", opts.k}, {"offset", opts.offset}});
    return 0;
}

std::string usage() {
    return std::string("[--library DIR] [--model-id ID] ") + lowclip::cli::librarycli::kFilterUsage + " [--json] PHOTO";
}
const std::string gUsage = usage();

lowclip::cli::Command reg{"similar", "Find photos that look like a photo in the library", gUsage.c_str(), runSimilar,
                          {"json"}};

}  // namespace
