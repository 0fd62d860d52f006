#pragma once
// The search planner: a query vector and SearchOptions -> one page of photos, best first.
//
//   - no filter: the HNSW top-k, over-fetched a little (a hit whose photo has gone, or failed
//     since, is dropped when the catalog resolves it), more when too few survive;
//   - a filter: when few enough photos match it, every one of them is scored exactly (complete,
//     and cheap at that size); otherwise the HNSW search is over-fetched and filtered, growing
//     until enough hits pass or the index is exhausted;
//   - then sorted by score and cut to [offset, offset + k).
// Each photo appears at most once. Internal to core/library; the catalog side is an interface so
// the planner can be tested on its own.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/library/catalog.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"

namespace lowclip::library {

// Every number the planner uses. `need` below is offset + k (+ 1 when a photo is excluded).
struct SearchTuning {
    // A filtered search scores the matching photos exactly when there are at most
    // max(exactScanMin, exactScanPerResult * need) of them (each costs one dot product and one
    // label read from the catalog).
    std::size_t exactScanMin = 20000;
    std::size_t exactScanPerResult = 16;
    // Extra hits scored exactly beyond `need`, against a photo vanishing between the two catalog reads.
    std::size_t exactSlack = 1;
    // First HNSW request without a filter: need + unfilteredSlack (hits whose photo is gone or failed).
    std::size_t unfilteredSlack = 8;
    // First HNSW request with a filter too broad for the exact scan: need * filteredFactor +
    // filteredSlack, since only a fraction of the hits pass.
    std::size_t filteredFactor = 4;
    std::size_t filteredSlack = 32;
    // When too few hits pass, the next request asks for this many times more.
    std::size_t growthFactor = 4;
};

using Hit = std::pair<std::int64_t, float>;  // (label = photo id, score)

// What the planner asks of the catalog.
class SearchCatalog {
public:
    virtual ~SearchCatalog() = default;
    // Labels of the photos that are readable, have a vector from the model and pass `filter`; at
    // most `limit` of them (the planner asks for one more than it would scan).
    virtual std::vector<std::int64_t> matchingLabels(const SearchFilter& filter, std::size_t limit) = 0;
    // Of `labels` (in order), the photos that are readable, embedded by the model under that label
    // and pass `filter`, as (position in labels, photo); stops once `enough` are found.
    virtual std::vector<std::pair<std::size_t, PhotoInfo>> resolve(const std::vector<std::int64_t>& labels,
                                                                   const SearchFilter& filter, std::size_t enough) = 0;
};

class SearchPlanner {
public:
    SearchPlanner(const VectorIndex& index, SearchCatalog& catalog, SearchTuning tuning = {});
    // `query` has index.dim() numbers (normalised by the index). `exclude` (0: none) never appears
    // in the results (similar(): the photo itself). Throws ErrorCode::InvalidArgument for a negative offset.
    std::vector<SearchResult> run(const float* query, const SearchOptions& options, PhotoId exclude = 0);

private:
    const VectorIndex& index_;
    SearchCatalog& catalog_;
    SearchTuning tuning_;
};

// The SearchCatalog of a library: the reader connection, photos embedded by model row `modelRow`.
class CatalogSearch : public SearchCatalog {
public:
    CatalogSearch(Catalog& catalog, std::int64_t modelRow) : catalog_(catalog), modelRow_(modelRow) {}
    std::vector<std::int64_t> matchingLabels(const SearchFilter& filter, std::size_t limit) override;
    std::vector<std::pair<std::size_t, PhotoInfo>> resolve(const std::vector<std::int64_t>& labels,
                                                           const SearchFilter& filter, std::size_t enough) override;

private:
    Catalog& catalog_;
    std::int64_t modelRow_;
};

}  // namespace lowclip::library
