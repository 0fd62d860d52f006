// lowclip-cli errors: photos that could not be read, decoded or embedded, with the reason.
#include <iostream>

#include "app/cli/library_cli.h"

namespace {

int runErrors(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    args.finish();
    auto lib = openLibrary(args, library::OpenMode::ReadOnly);
    auto errs = lib->errors();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : errs)
            out.push_back({{"id", e.photo}, {"path", e.displayPath}, {"stage", e.stage}, {"message", library::displayPath(e.message)}});
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const auto& e : errs) std::cout << "#" << e.photo << "  " << e.displayPath << "\n    " << e.stage << ": " << e.message << "\n";
    std::cout << errs.size() << " photo" << (errs.size() == 1 ? "" : "s") << " with errors\n";
    return 0;
}

lowclip::cli::Command reg{"errors", "List photos of a library that could not be indexed, and why", "[--library DIR] [--json]",
                          runErrors, {"json"}};

}  // namespace
