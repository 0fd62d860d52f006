// lowclip-cli duplicates: groups of near-identical photos from the stored vectors (reads only).
#include <iomanip>
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

int runDuplicates(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const bool quiet = args.flag("quiet");
    const std::string model = args.option("model", "");
    library::DuplicateOptions o;
    o.similarity = args.doubleOption("similarity", o.similarity);
    const int neighbours = args.intOption("neighbours", int(o.neighbours));
    const int limit = args.intOption("limit", int(o.maxGroups));
    if (!(o.similarity > 0.0 && o.similarity <= 1.0)) throw cli::UsageError("--similarity must be above 0 and at most 1");
    if (neighbours < 1 || neighbours > 256) throw cli::UsageError("--neighbours must be between 1 and 256");
    if (limit < 1 || limit > 1000000) throw cli::UsageError("--limit must be between 1 and 1000000");
    o.neighbours = std::size_t(neighbours);
    o.maxGroups = std::size_t(limit);
    auto options = workspaceOptions(args, library::OpenMode::ReadOnly);
    args.finish();
    auto w = app::Workspace::open(options);
    const library::DuplicateReport r = w->nearDuplicates(o, progressPrinter(json || quiet), nullptr, model);
    if (!json && !quiet) std::cerr << "\n";
    if (json) {
        nlohmann::json out{{"similarity", o.similarity},
                           {"photos_checked", r.photosChecked},
                           {"photos_in_groups", r.photosInGroups},
                           {"groups_found", r.groupsFound},
                           {"groups", nlohmann::json::array()}};
        for (const auto& g : r.groups) {
            nlohmann::json members = nlohmann::json::array();
            for (const auto& m : g.members) {
                nlohmann::json j = photoJson(m.photo);
                j["similarity"] = m.similarity;
                members.push_back(j);
            }
            out["groups"].push_back(members);
        }
        printJson(out);
        return 0;
    }
    std::cout << r.groupsFound << " group(s) of near-identical photos (similarity >= " << o.similarity << "), "
              << r.photosInGroups << " photo(s) in them, " << r.photosChecked << " compared\n";
    for (std::size_t i = 0; i < r.groups.size(); ++i) {
        std::cout << "group " << (i + 1) << ":\n";
        for (std::size_t k = 0; k < r.groups[i].members.size(); ++k) {
            const auto& m = r.groups[i].members[k];
            std::cout << "  " << (k == 0 ? " keep " : std::string()) ;
            if (k > 0) std::cout << std::fixed << std::setprecision(4) << m.similarity << std::defaultfloat;
            std::cout << "  #" << m.photo.id << "  " << m.photo.width << "x" << m.photo.height << "  " << m.photo.displayPath << "\n";
        }
    }
    if (r.groupsFound > r.groups.size())
        std::cout << "(the largest " << r.groups.size() << " of " << r.groupsFound << " groups shown; see --limit)\n";
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) +
                           " [--model NAME|BUNDLE] [--similarity X] [--neighbours N] [--limit N] [--json] [--quiet]";

lowclip::cli::Command reg{"duplicates",
                          "List groups of near-identical photos (bursts, copies) from the stored vectors; changes nothing",
                          gUsage.c_str(), runDuplicates, {"json", "quiet"}};

}  // namespace
