// lowclip-cli caption: captions of library photos (list, add, delete, import/export TSV).
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

int runCaption(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const std::string source = args.option("source", "user");
    const std::string action = args.positional(0, "the action (list, add, delete, import, export)");
    const bool writes = action == "add" || action == "delete" || action == "import";
    auto options = workspaceOptions(args, writes ? library::OpenMode::ReadWrite : library::OpenMode::ReadOnly);
    args.finish();
    const auto& pos = args.positionals();
    if (action != "list" && action != "add" && action != "delete" && action != "import" && action != "export")
        throw cli::UsageError("unknown action '" + action + "'");
    auto w = app::Workspace::open(options);
    auto& lib = w->library();
    if (action == "list") {
        std::vector<library::TrainingPair> pairs;
        if (pos.size() > 1) {
            const auto p = w->findPhoto(pos[1]);
            for (const auto& c : lib.captions(p.id)) pairs.push_back({p.id, p.path, c.text});
        } else {
            pairs = lib.allCaptions();
        }
        if (json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& tp : pairs) out.push_back({{"photo", tp.photo}, {"path", library::displayPath(tp.path)}, {"text", tp.text}});
            printJson(out);
        } else {
            for (const auto& tp : pairs) std::cout << "#" << tp.photo << "  " << library::displayPath(tp.path) << "\n    " << tp.text << "\n";
        }
    } else if (action == "add") {
        const auto p = w->findPhoto(args.positional(1, "the photo"));
        std::string text;
        for (std::size_t i = 2; i < pos.size(); ++i) text += (text.empty() ? "" : " ") + pos[i];
        const auto ids = w->addCaption({p.id}, text, source);
        if (json) printJson({{"caption", ids.front()}});
        else std::cout << "caption #" << ids.front() << " added\n";
    } else if (action == "delete") {
        lib.deleteCaption(parseId(args.positional(1, "the caption id"), "the caption id"));
    } else if (action == "import") {
        const auto r = w->importCaptions(args.positional(1, "the TSV file"));
        if (json) {
            printJson({{"imported", r.imported}, {"duplicates", r.duplicates}, {"unmatched", r.unmatched}});
        } else {
            std::cout << r.imported << " captions imported, " << r.duplicates << " already present, " << r.unmatched.size()
                      << " lines not matched\n";
            for (const auto& u : r.unmatched) std::cout << "  " << u << "\n";
        }
    } else {
        const auto n = w->exportCaptions(args.positional(1, "the TSV file"));
        if (json) printJson({{"exported", n}});
        else std::cout << n << " captions exported\n";
    }
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) +
                           " [--json] list [PHOTO] | add PHOTO TEXT... [--source S] | delete ID | "
                           "import FILE.tsv | export FILE.tsv";

lowclip::cli::Command reg{"caption", "List, add, delete, import or export the captions of library photos",
                          gUsage.c_str(), runCaption, {"json"}};

}  // namespace
