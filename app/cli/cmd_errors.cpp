// lowclip-cli errors: photos that could not be read, decoded or embedded, with the reason.
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

int runErrors(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    auto options = workspaceOptions(args, library::OpenMode::ReadOnly);
    args.finish();
    auto w = app::Workspace::open(options);
    const auto errs = w->library().errors();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : errs)
            out.push_back({{"id", e.photo}, {"path", e.displayPath}, {"stage", e.stage},
                            {"kind", library::failureKindName(e.kind)}, {"message", library::displayPath(e.message)}});
        printJson(out);
        return 0;
    }
    for (const auto& e : errs)
        std::cout << "#" << e.photo << "  " << e.displayPath << "\n    " << library::failureKindName(e.kind) << " (" << e.stage
                  << "): " << library::displayPath(e.message) << "\n";
    std::cout << errs.size() << " photo" << (errs.size() == 1 ? "" : "s") << " with errors\n";
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) + " [--json]";

lowclip::cli::Command reg{"errors", "List photos of a library that could not be indexed, and why", gUsage.c_str(),
                          runErrors, {"json"}};

}  // namespace
