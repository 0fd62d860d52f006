#pragma once
// What the workspace subcommands share: the data folder options, search filters, JSON of photos,
// progress lines. Header-only; the policy itself is core/app/workspace.h.
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "app/cli/command.h"
#include "core/app/workspace.h"
#include "core/library/result_shaping.h"

namespace lowclip::cli::ws {

// --data DIR (models/ and library/), --library DIR (the library alone), --device, --threads,
// --text-precision. Read before Args::finish(); open with app::Workspace::open afterwards.
inline app::WorkspaceOptions workspaceOptions(Args& args, library::OpenMode mode) {
    app::WorkspaceOptions o;
    o.dataDir = args.option("data", app::defaultDataDir());
    o.libraryDir = args.option("library", "");
    o.mode = mode;
    o.runtime.device = args.option("device", "auto");
    o.runtime.threads = args.intOption("threads", 0);
    if (o.runtime.threads < 0) throw UsageError("--threads must not be negative");
    o.runtime.textPrecision = train::parseTextPrecision(args.option("text-precision", "auto"));
    return o;
}
constexpr const char* kWorkspaceUsage = "[--data DIR] [--library DIR]";

// Search options as typed; the --root folder is looked up once the workspace is open.
struct SearchArgs {
    library::SearchOptions options;
    std::optional<std::string> root;
};

inline SearchArgs searchArgs(Args& args) {
    SearchArgs s;
    auto& o = s.options;
    o.k = args.intOption("k", 20);
    o.offset = args.intOption("offset", 0);
    o.ef = args.intOption("ef", 0);
    if (o.k <= 0 || o.k > 10000) throw UsageError("--k must be between 1 and 10000");
    if (o.offset < 0 || o.offset > 1000000) throw UsageError("--offset must be between 0 and 1000000");
    if (o.ef < 0 || o.ef > 100000) throw UsageError("--ef must be between 0 and 100000");
    s.root = args.option("root");
    o.filter.pathPrefix = args.option("prefix", "");
    o.filter.dateFrom = args.option("from", "");
    o.filter.dateTo = args.option("to", "");
    o.filter.camera = args.option("camera", "");
    if (args.option("min-score")) o.filter.minScore = static_cast<float>(args.doubleOption("min-score", 0.0));
    return s;
}

inline library::SearchOptions resolveSearch(app::Workspace& w, const SearchArgs& s) {
    library::SearchOptions o = s.options;
    if (s.root) o.filter.rootId = w.findRoot(*s.root).id;
    return o;
}

constexpr const char* kFilterUsage =
    "[--k N] [--offset N] [--root ID|DIR] [--prefix PATH] [--from DATE] [--to DATE] [--camera TEXT] "
    "[--min-score S] [--ef N]";

// Integers typed as arguments (ids): UsageError naming `what` for anything else.
inline std::int64_t parseId(const std::string& text, const std::string& what) {
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(what + " must be a number, got '" + text + "'");
    return std::stoll(text);
}

// JSON output: invalid UTF-8 (file names, EXIF fields) becomes U+FFFD instead of failing.
inline void printJson(const nlohmann::json& j, int indent = 2) {
    std::cout << j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

inline nlohmann::json photoJson(const library::PhotoInfo& p) {
    nlohmann::json j{{"id", p.id},          {"path", p.displayPath}, {"root", p.rootId},   {"size", p.size},
                     {"format", p.format},  {"width", p.width},      {"height", p.height}, {"date_taken", p.dateTaken},
                     {"camera_make", p.cameraMake}, {"camera_model", p.cameraModel}};
    j["latitude"] = p.latitude ? nlohmann::json(*p.latitude) : nlohmann::json(nullptr);
    j["longitude"] = p.longitude ? nlohmann::json(*p.longitude) : nlohmann::json(nullptr);
    if (!p.ok) j["error"] = p.errorStage + ": " + p.error;
    return j;
}

inline nlohmann::json modelJson(const app::ModelRef& m) {
    return {{"name", m.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.name)}, {"bundle", m.dir}};
}

// `offset` > 0: a later page, which the relevance cut-off does not apply to.
inline void printResults(const std::vector<library::SearchResult>& results, bool json, const nlohmann::json& head,
                         int offset = 0) {
    std::vector<float> scores;
    for (const auto& r : results) scores.push_back(r.score);
    const std::size_t relevant = offset > 0 ? results.size() : library::relevantCount(scores);
    if (json) {
        nlohmann::json out = head;
        out["relevant"] = relevant;  // results before a clear drop in the scores (all when none)
        out["results"] = nlohmann::json::array();
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            nlohmann::json j = photoJson(r.photo);
            j["score"] = r.score;
            j["less_relevant"] = i >= relevant;
            out["results"].push_back(j);
        }
        printJson(out);
        return;
    }
    if (results.empty()) std::cout << "no results\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        if (i == relevant) std::cout << "     less relevant (after a clear drop in the scores):\n";
        std::cout << std::setw(3) << (i + 1) << "  " << std::fixed << std::setprecision(4) << r.score << "  #" << r.photo.id
                  << "  " << r.photo.displayPath;
        if (!r.photo.dateTaken.empty()) std::cout << "  " << r.photo.dateTaken;
        std::cout << "\n";
    }
}

// One status line on stderr, rewritten in place.
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

}  // namespace lowclip::cli::ws
