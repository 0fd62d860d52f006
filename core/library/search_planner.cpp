#include "core/library/search_planner.h"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "core/error.h"

namespace lowclip::library {

// --- the planner --------------------------------------------------------------------------

SearchPlanner::SearchPlanner(const VectorIndex& index, SearchCatalog& catalog, SearchTuning tuning)
    : index_(index), catalog_(catalog), tuning_(tuning) {}

std::vector<SearchResult> SearchPlanner::run(const float* query, const SearchOptions& opt, PhotoId exclude) {
    if (opt.k <= 0) return {};
    if (opt.offset < 0)
        throw Error(ErrorCode::InvalidArgument, "search: offset must not be negative",
                    {{"what", "offset"}, {"value", std::to_string(opt.offset)}});
    const SearchFilter& filter = opt.filter;
    const std::size_t need = static_cast<std::size_t>(opt.offset) + static_cast<std::size_t>(opt.k) + (exclude ? 1 : 0);
    std::vector<SearchResult> out;
    std::unordered_set<std::int64_t> examined;  // labels already given to the catalog (or excluded)
    if (exclude) examined.insert(exclude);

    // Resolves the hits not seen before; returns false once a hit falls below minScore (hits are best first).
    auto accept = [&](const std::vector<Hit>& hits) {
        std::vector<std::int64_t> labels;
        std::vector<float> scores;
        bool aboveMin = true;
        for (const auto& [label, score] : hits) {
            if (filter.minScore && score < *filter.minScore) {
                aboveMin = false;
                break;
            }
            if (!examined.insert(label).second) continue;
            labels.push_back(label);
            scores.push_back(score);
        }
        if (!labels.empty() && out.size() < need)
            for (auto& [pos, photo] : catalog_.resolve(labels, filter, need - out.size()))
                out.push_back({std::move(photo), scores[pos]});
        return aboveMin;
    };

    bool exact = false;
    if (filter.any()) {
        // Few matching photos: score every one exactly (complete, and cheap at that size).
        const std::size_t cap = std::max(tuning_.exactScanMin, tuning_.exactScanPerResult * need);
        std::vector<std::int64_t> labels = catalog_.matchingLabels(filter, cap + 1);
        if (labels.size() <= cap) {
            exact = true;
            accept(index_.scoreLabels(query, labels, need + tuning_.exactSlack));
        }
    }
    if (!exact) {
        // Over-fetch from HNSW until enough hits pass the catalog and the filter. A larger request
        // searches more broadly, so its ranking need not extend the previous one: every round
        // looks at all its hits and skips the labels already examined.
        std::size_t fetch = filter.any() ? need * tuning_.filteredFactor + tuning_.filteredSlack : need + tuning_.unfilteredSlack;
        const std::size_t ef = opt.ef > 0 ? static_cast<std::size_t>(opt.ef) : 0;
        for (;;) {
            // Breadth max(fetch, ef or the index default). The request is not cut to the index's
            // size: vectors added meanwhile (by an index() run) must not push committed ones out.
            std::vector<Hit> hits = index_.search(query, fetch, ef);
            const bool aboveMin = accept(hits);
            if (!aboveMin || out.size() >= need || hits.size() < fetch || fetch >= index_.size()) break;
            fetch *= tuning_.growthFactor;
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const SearchResult& a, const SearchResult& b) { return a.score > b.score; });
    std::vector<SearchResult> page;
    for (std::size_t i = static_cast<std::size_t>(opt.offset); i < out.size() && page.size() < static_cast<std::size_t>(opt.k); ++i)
        page.push_back(std::move(out[i]));
    return page;
}

// --- the catalog side ---------------------------------------------------------------------

namespace {

// SQL clauses and their bindings for a filter over photos aliased p.
struct FilterSql {
    std::string where;  // " AND ..." clauses
    std::vector<std::function<void(Statement&, int&)>> binds;

    explicit FilterSql(const SearchFilter& f) {
        if (f.rootId) {
            where += " AND p.root = ?";
            std::int64_t r = *f.rootId;
            binds.push_back([r](Statement& s, int& i) { s.bind(i++, r); });
        }
        if (!f.pathPrefix.empty()) {
            where += " AND substr(p.path, 1, ?) = ?";
            std::string pre = f.pathPrefix;
            binds.push_back([pre](Statement& s, int& i) {
                s.bind(i++, static_cast<std::int64_t>(pre.size()));
                s.bindBlob(i++, pre);
            });
        }
        if (!f.dateFrom.empty()) {
            where += f.keepUndated ? " AND (coalesce(p.date_taken, '') = '' OR p.date_taken >= ?)" : " AND p.date_taken >= ?";
            std::string v = f.dateFrom;
            binds.push_back([v](Statement& s, int& i) { s.bindText(i++, v); });
        }
        if (!f.dateTo.empty()) {
            // Inclusive prefix bound: "2023" admits every 2023 timestamp ('~' sorts after digits and separators).
            where += f.keepUndated ? " AND (coalesce(p.date_taken, '') = '' OR p.date_taken < ?)" : " AND p.date_taken < ?";
            std::string v = f.dateTo + "~";
            binds.push_back([v](Statement& s, int& i) { s.bindText(i++, v); });
        }
        if (!f.camera.empty()) {
            where += " AND instr(lower(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')), lower(?)) > 0";
            std::string v = f.camera;
            binds.push_back([v](Statement& s, int& i) { s.bindText(i++, v); });
        }
    }
    void bind(Statement& s, int& i) const {
        for (const auto& b : binds) b(s, i);
    }
};

}  // namespace

std::vector<std::int64_t> CatalogSearch::matchingLabels(const SearchFilter& f, std::size_t limit) {
    FilterSql filter(f);
    return catalog_.read([&](Db& db) {
        Statement s = db.prepare("SELECT e.label FROM photos p JOIN embeddings e ON e.photo = p.id AND e.model = ? "
                                 "WHERE p.status = 'ok'" + filter.where + " LIMIT ?");
        int i = 1;
        s.bind(i++, modelRow_);
        filter.bind(s, i);
        s.bind(i++, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
        std::vector<std::int64_t> labels;
        while (s.step()) labels.push_back(s.i64(0));
        return labels;
    });
}

std::vector<std::pair<std::size_t, PhotoInfo>> CatalogSearch::resolve(const std::vector<std::int64_t>& labels,
                                                                      const SearchFilter& f, std::size_t enough) {
    FilterSql filter(f);
    const std::string sql = "SELECT " + photoRow().columns() +
                            " FROM photos p JOIN embeddings e ON e.photo = p.id AND e.model = ? "
                            "WHERE p.id = ? AND e.label = ? AND p.status = 'ok'" + filter.where;
    return catalog_.read([&](Db& db) {
        std::vector<std::pair<std::size_t, PhotoInfo>> found;
        Statement s = db.prepare(sql);
        for (std::size_t pos = 0; pos < labels.size() && found.size() < enough; ++pos) {
            s.reset();
            int i = 1;
            s.bind(i++, modelRow_);
            s.bind(i++, labels[pos]);
            s.bind(i++, labels[pos]);
            filter.bind(s, i);
            if (s.step()) found.emplace_back(pos, photoRow().read(s));
        }
        return found;
    });
}

}  // namespace lowclip::library
