// lowclip-cli caption: captions of library photos (list, add, delete, import/export TSV).
#include <cstdlib>
#include <iostream>

#include "app/cli/library_cli.h"

namespace {

lowclip::library::PhotoInfo findPhoto(lowclip::library::Library& lib, const std::string& which) {
    std::optional<lowclip::library::PhotoInfo> p;
    if (!which.empty() && which.find_first_not_of("0123456789") == std::string::npos) p = lib.photo(std::stoll(which));
    if (!p) p = lib.photoByPath(which);
    if (!p) {
        if (char* abs = ::realpath(which.c_str(), nullptr)) {
            p = lib.photoByPath(abs);
            std::free(abs);
        }
    }
    if (!p) throw lowclip::Error("no photo '" + which + "' in the library " + lib.folder());
    return *p;
}

int runCaption(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::librarycli;
    bool json = args.flag("json");
    std::string source = args.option("source", "user");
    args.finish();
    std::string action = args.positional(0, "the action (list, add, delete, import, export)");
    const auto& pos = args.positionals();
    bool writes = action == "add" || action == "delete" || action == "import";
    auto lib = openLibrary(args, writes ? library::OpenMode::ReadWrite : library::OpenMode::ReadOnly);
    if (action == "list") {
        std::vector<library::TrainingPair> pairs;
        if (pos.size() > 1) {
            auto p = findPhoto(*lib, pos[1]);
            for (const auto& c : lib->captions(p.id)) pairs.push_back({p.id, p.path, c.text});
        } else {
            pairs = lib->allCaptions();
        }
        if (json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& tp : pairs) out.push_back({{"photo", tp.photo}, {"path", library::displayPath(tp.path)}, {"text", tp.text}});
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& tp : pairs) std::cout << "#" << tp.photo << "  " << library::displayPath(tp.path) << "\n    " << tp.text << "\n";
        }
    } else if (action == "add") {
        auto p = findPhoto(*lib, args.positional(1, "the photo"));
        std::string text;
        for (std::size_t i = 2; i < pos.size(); ++i) text += (text.empty() ? "" : " ") + pos[i];
        auto id = lib->addCaption(p.id, text, source);
        std::cout << (json ? "{\"caption\": " + std::to_string(id) + "}" : "caption #" + std::to_string(id) + " added") << "\n";
    } else if (action == "delete") {
        lib->deleteCaption(std::stoll(args.positional(1, "the caption id")));
    } else if (action == "import") {
        auto r = lib->importCaptionsTsv(args.positional(1, "the TSV file"), source == "user" ? "import" : source);
        if (json) {
            std::cout << nlohmann::json{{"imported", r.imported}, {"duplicates", r.duplicates}, {"unmatched", r.unmatched}}.dump(2) << "\n";
        } else {
            std::cout << r.imported << " captions imported, " << r.duplicates << " already present, " << r.unmatched.size()
                      << " lines not matched\n";
            for (const auto& u : r.unmatched) std::cout << "  " << u << "\n";
        }
    } else if (action == "export") {
        auto n = lib->exportCaptionsTsv(args.positional(1, "the TSV file"));
        std::cout << (json ? "{\"exported\": " + std::to_string(n) + "}" : std::to_string(n) + " captions exported") << "\n";
    } else {
        throw cli::UsageError("unknown action '" + action + "'");
    }
    return 0;
}

lowclip::cli::Command reg{"caption", "List, add, delete, import or export the captions of library photos",
                          "[--library DIR] [--json] list [PHOTO] | add PHOTO TEXT... [--source S] | delete ID | "
                          "import FILE.tsv | export FILE.tsv",
                          runCaption, {"json"}};

}  // namespace
