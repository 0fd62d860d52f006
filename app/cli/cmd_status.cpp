// lowclip-cli status: what a library holds.
#include <iostream>

#include "app/cli/library_cli.h"

namespace {

nlohmann::json modelJson(const lowclip::library::ModelInfo& m) {
    return {{"model_id", m.modelId}, {"name", m.name},         {"bundle", m.bundlePath}, {"dim", m.dim},
            {"active", m.active},    {"embedded", m.embedded}, {"pending", m.pending}};
}

int runStatus(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    args.finish();
    auto lib = openLibrary(args, library::OpenMode::ReadOnly);
    auto st = lib->status();
    auto roots = lib->roots();
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
        for (const auto& m : st.models) out["models"].push_back(modelJson(m));
        out["active_model"] = st.activeModel ? nlohmann::json(st.activeModel->modelId) : nlohmann::json(nullptr);
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << "library   " << st.folder << " (schema " << st.schemaVersion << ")\n"
              << "photos    " << st.photos << " (" << st.photosWithErrors << " with errors)\n"
              << "captions  " << st.captions << ", feedback " << st.feedback << ", thumbnails " << st.thumbnails << "\n"
              << "disk      catalog " << st.catalogBytes / 1024 << " KiB, indexes " << st.indexBytes / 1024 << " KiB\n";
    for (const auto& r : roots)
        std::cout << "root #" << r.id << "   " << r.displayPath << "  " << r.photoCount << " photos"
                  << (r.online ? "" : "  (missing)") << "\n";
    for (const auto& m : st.models)
        std::cout << (m.active ? "model *  " : "model    ") << m.modelId << "  dim " << m.dim << "  " << m.embedded
                  << " embedded, " << m.pending << " pending" << (m.bundlePath.empty() ? "" : "  " + m.bundlePath) << "\n";
    if (st.models.empty()) std::cout << "no model yet: run lowclip-cli index --model BUNDLE\n";
    return 0;
}

lowclip::cli::Command reg{"status", "Show what a photo library holds", "[--library DIR] [--json]", runStatus, {"json"}};

}  // namespace
