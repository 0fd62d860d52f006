#pragma once
// Shared pieces of the library subcommands (index, search, similar, status, errors, caption):
// where the library and the model are, filters, JSON for photos. Header-only: included by
// app/cli/cmd_{index,search,similar,status,errors,caption}.cpp.
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "app/cli/command.h"
#include "core/library/library.h"
#include "core/train/embedder.h"

namespace lowclip::cli::librarycli {

inline std::string libraryDir(Args& args) { return args.option("library", defaultDataDir() + "/library"); }

inline std::unique_ptr<library::Library> openLibrary(Args& args, library::OpenMode mode) {
    std::string dir = libraryDir(args);
    try {
        return library::Library::open(dir, mode);
    } catch (const Error& e) {
        std::string m = e.what();
        if (m.find("no library at") != std::string::npos)
            throw Error(m + "; create it with: lowclip-cli index --library " + dir + " --add-root PHOTO_FOLDER");
        throw;
    }
}

// --model BUNDLE, else the library's active model, else <data>/models/demo.
inline std::string modelBundle(Args& args, const library::Library* lib) {
    if (auto m = args.option("model")) return *m;
    if (lib)
        if (auto active = lib->activeModel(); active && !active->bundlePath.empty()) return active->bundlePath;
    return defaultDataDir() + "/models/demo";
}

inline library::SearchOptions searchOptions(Args& args, library::Library& lib) {
    library::SearchOptions o;
    o.k = args.intOption("k", 20);
    o.offset = args.intOption("offset", 0);
    o.ef = args.intOption("ef", 0);
    if (o.k <= 0) throw UsageError("--k must be positive");
    if (o.offset < 0) throw UsageError("--offset must not be negative");
    if (auto r = args.option("root")) {
        bool numeric = !r->empty() && r->find_first_not_of("0123456789") == std::string::npos;
        for (const auto& root : lib.roots())
            if ((numeric && std::to_string(root.id) == *r) || root.path == *r || root.displayPath == *r) o.filter.rootId = root.id;
        if (!o.filter.rootId) throw Error("no root folder '" + *r + "' in the library (see lowclip-cli status)");
    }
    o.filter.pathPrefix = args.option("prefix", "");
    o.filter.dateFrom = args.option("from", "");
    o.filter.dateTo = args.option("to", "");
    o.filter.camera = args.option("camera", "");
    if (auto s = args.option("min-score")) {
        try {
            o.filter.minScore = std::stof(*s);
        } catch (const std::exception&) {
            throw UsageError("--min-score needs a number, got '" + *s + "'");
        }
    }
    return o;
}

constexpr const char* kFilterUsage =
    "[--k N] [--offset N] [--root ID|DIR] [--prefix PATH] [--from DATE] [--to DATE] [--camera TEXT] "
    "[--min-score S] [--ef N]";

inline nlohmann::json photoJson(const library::PhotoInfo& p) {
    nlohmann::json j{{"id", p.id},          {"path", p.displayPath}, {"root", p.rootId},   {"size", p.size},
                     {"format", p.format},  {"width", p.width},      {"height", p.height}, {"date_taken", p.dateTaken},
                     {"camera_make", p.cameraMake}, {"camera_model", p.cameraModel}};
    j["latitude"] = p.latitude ? nlohmann::json(*p.latitude) : nlohmann::json(nullptr);
    j["longitude"] = p.longitude ? nlohmann::json(*p.longitude) : nlohmann::json(nullptr);
    if (!p.ok) j["error"] = p.errorStage + ": " + p.error;
    return j;
}

inline void printResults(const std::vector<library::SearchResult>& results, bool json, const nlohmann::json& head) {
    if (json) {
        nlohmann::json out = head;
        out["results"] = nlohmann::json::array();
        for (const auto& r : results) {
            nlohmann::json j = photoJson(r.photo);
            j["score"] = r.score;
            out["results"].push_back(j);
        }
        std::cout << out.dump(2) << "\n";
        return;
    }
    if (results.empty()) std::cout << "no results\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        std::cout << std::setw(3) << (i + 1) << "  " << std::fixed << std::setprecision(4) << r.score << "  #" << r.photo.id
                  << "  " << r.photo.displayPath;
        if (!r.photo.dateTaken.empty()) std::cout << "  " << r.photo.dateTaken;
        std::cout << "\n";
    }
}

// One status line on stderr, rewritten in place on a terminal.
inline ProgressFn progressPrinter(bool quiet) {
    if (quiet) return {};
    return [](const Progress& p) {
        std::ostringstream s;
        s << p.stage << ": " << p.done;
        if (p.total) s << "/" << p.total;
        if (p.itemsPerSecond > 0) s << "  " << std::fixed << std::setprecision(1) << p.itemsPerSecond << "/s";
        if (p.etaSeconds >= 0) s << "  ETA " << static_cast<long>(p.etaSeconds) << " s";
        if (!p.message.empty()) s << "  (" << p.message << ")";
        std::cerr << "\r" << s.str() << "   " << std::flush;
    };
}

}  // namespace lowclip::cli::librarycli
