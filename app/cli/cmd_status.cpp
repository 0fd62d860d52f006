// lowclip-cli status: what a library holds, and which model is active.
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

nlohmann::json libraryModelJson(const lowclip::library::ModelInfo& m) {
    return {{"model_id", m.modelId}, {"name", m.name},         {"bundle", m.bundlePath}, {"dim", m.dim},
            {"complete", m.active},  {"embedded", m.embedded}, {"pending", m.pending}};
}

int runStatus(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    auto options = workspaceOptions(args, library::OpenMode::ReadOnly);
    args.finish();
    auto w = app::Workspace::open(options);
    const auto st = w->library().status();
    const auto roots = w->roots();
    const app::ModelRef active = w->activeModel();
    const app::ModelRef searching = w->searchModel();
    if (json) {
        nlohmann::json out{{"library", st.folder},
                           {"schema_version", st.schemaVersion},
                           {"photos", st.photos},
                           {"photos_with_errors", st.photosWithErrors},
                           {"captions", st.captions},
                           {"feedback", st.feedback},
                           {"thumbnails", st.thumbnails},
                           {"catalog_bytes", st.catalogBytes},
                           {"index_bytes", st.indexBytes}};
        out["roots"] = nlohmann::json::array();
        for (const auto& r : roots)
            out["roots"].push_back({{"id", r.id}, {"path", r.displayPath}, {"online", r.online}, {"photos", r.photoCount}});
        out["models"] = nlohmann::json::array();
        for (const auto& m : st.models) out["models"].push_back(libraryModelJson(m));
        out["active_model"] = active.empty() ? nlohmann::json(nullptr) : modelJson(active);
        out["search_model"] = searching.empty() ? nlohmann::json(nullptr) : modelJson(searching);
        printJson(out);
        return 0;
    }
    std::cout << "library   " << st.folder << " (schema " << st.schemaVersion << ")\n"
              << "photos    " << st.photos << " (" << st.photosWithErrors << " with errors)\n"
              << "captions  " << st.captions << ", feedback " << st.feedback << ", thumbnails " << st.thumbnails << "\n"
              << "disk      catalog " << st.catalogBytes / 1024 << " KiB, indexes " << st.indexBytes / 1024 << " KiB\n";
    for (const auto& r : roots)
        std::cout << "folder #" << r.id << " " << r.displayPath << "  " << r.photoCount << " photos"
                  << (r.online ? "" : "  (missing)") << "\n";
    if (active.empty()) {
        std::cout << "model     none yet: run lowclip-cli demo, or lowclip-cli import\n";
    } else {
        std::cout << "model     " << (active.name.empty() ? active.dir : active.name) << " (active)";
        if (searching.dir != active.dir)
            std::cout << "; searches use " << (searching.name.empty() ? searching.dir : searching.name)
                      << " until every photo is embedded";
        std::cout << "\n";
    }
    for (const auto& m : st.models)
        std::cout << "vectors   " << m.modelId << "  dim " << m.dim << "  " << m.embedded << " embedded, " << m.pending
                  << " pending" << (m.bundlePath.empty() ? "" : "  " + m.bundlePath) << "\n";
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) + " [--json]";

lowclip::cli::Command reg{"status", "Show what a photo library holds", gUsage.c_str(), runStatus, {"json"}};

}  // namespace
