#pragma once
// The library's vector indexes, one per model (<library>/index/model-<row id>.hnsw + .journal):
// each opened once, on first use, and checked against the catalog then (vectors without a catalog
// row are marked deleted; catalog rows whose vector is missing are sent back to be embedded).
// Internal to core/library.
//
// Thread safety: every method may be called from any thread. One mutex guards the table of open
// indexes and the check results; it is held while an index is opened and checked, and taken before
// (never after) the catalog's own locks. The indexes handed out are shared: VectorIndex lets
// searches run concurrently with additions.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/library/catalog.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"

namespace lowclip::library {

class IndexRegistry {
public:
    IndexRegistry(Catalog& catalog, const std::string& libraryFolder);

    // `<library>/index/model-<modelRow>`; the index files add ".hnsw" and ".journal".
    std::string basePath(std::int64_t modelRow) const;

    // The model's index, opened and checked on first use. Throws ErrorCode::ModelNotFound when the
    // catalog has no such model. A read-write library that finds the index files unreadable sets
    // them aside (".corrupt") and starts an empty index (the check then re-embeds every photo).
    std::shared_ptr<VectorIndex> open(const std::string& modelId);

    // Marks `labels` deleted in every open index; the others drop them at their next open's check.
    void removeEverywhere(const std::vector<std::int64_t>& labels);
    // Closes the model's index (its files stay; the caller removes them).
    void forget(const std::string& modelId);

    // The checks made so far, oldest first; and the last one for one model (empty model id if none).
    std::vector<IndexCheck> checks() const;
    IndexCheck lastCheck(const std::string& modelId) const;

private:
    IndexCheck reconcile(VectorIndex& index, const ModelRow& row);
    Catalog& catalog_;
    std::string library_;
    std::string folder_;  // <library>/index
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<VectorIndex>> open_;  // by model id
    std::vector<IndexCheck> checks_;
};

}  // namespace lowclip::library
