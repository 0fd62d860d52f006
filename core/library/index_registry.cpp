#include "core/library/index_registry.h"

#include <cstdio>
#include <utility>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/util/fault_injection.h"

namespace lowclip::library {

IndexRegistry::IndexRegistry(Catalog& catalog, const std::string& libraryFolder)
    : catalog_(catalog), library_(libraryFolder), folder_(joinPath(libraryFolder, "index")) {}

std::string IndexRegistry::basePath(std::int64_t modelRow) const {
    return joinPath(folder_, "model-" + std::to_string(modelRow));
}

std::shared_ptr<VectorIndex> IndexRegistry::open(const std::string& modelId) {
    std::optional<ModelRow> row = catalog_.model(modelId);
    if (!row)
        throw Error(ErrorCode::ModelNotFound,
                    "library " + library_ + " has no vectors from model '" + modelId + "'; index the library with this model first",
                    {{"name", modelId}});
    std::lock_guard<std::mutex> g(mu_);
    auto it = open_.find(modelId);
    if (it != open_.end()) return it->second;

    const std::string base = basePath(row->id);
    const bool writable = !catalog_.readOnly();
    std::shared_ptr<VectorIndex> index;
    bool rebuilt = false;
    try {
        index = VectorIndex::open(base, row->dim, writable);
    } catch (const Error&) {
        if (!writable) throw;
        // Unreadable snapshot or journal: keep it aside for inspection and start afresh; the
        // check below sends every photo of this model back to be embedded.
        for (const char* ext : {".hnsw", ".journal"}) {
            std::string p = base + ext;
            if (pathExists(p)) util::faultableRename(p.c_str(), (p + ".corrupt").c_str());
        }
        index = VectorIndex::open(base, row->dim, true);
        rebuilt = true;
    }
    IndexCheck check = reconcile(*index, *row);
    check.modelId = modelId;
    check.rebuiltFromScratch = rebuilt;
    check.journalDropped = index->journalDropped();
    checks_.push_back(check);
    open_[modelId] = index;
    return index;
}

IndexCheck IndexRegistry::reconcile(VectorIndex& index, const ModelRow& row) {
    struct Embedded {
        PhotoId photo = 0;
        std::int64_t label = 0;
    };
    static const RowMapper<Embedded> rows{{"photo", &Embedded::photo}, {"label", &Embedded::label}};
    const std::vector<Embedded> catalogRows = catalog_.read([&](Db& db) {
        return selectAll(db, rows, "FROM embeddings WHERE model = ? ORDER BY label", [&](Statement& s) { s.bind(1, row.id); });
    });
    const std::vector<std::int64_t> live = index.labels();  // sorted

    // Merge the two sorted lists.
    std::vector<PhotoId> reembed;
    std::vector<std::int64_t> orphans;
    std::size_t i = 0, j = 0;
    while (i < catalogRows.size() || j < live.size()) {
        if (j == live.size() || (i < catalogRows.size() && catalogRows[i].label < live[j])) {
            reembed.push_back(catalogRows[i++].photo);
        } else if (i == catalogRows.size() || live[j] < catalogRows[i].label) {
            orphans.push_back(live[j++]);
        } else {
            ++i;
            ++j;
        }
    }
    IndexCheck check;
    check.reembed = reembed.size();
    check.orphansDeleted = orphans.size();
    if (!orphans.empty()) index.remove(orphans);  // read-only: in memory only
    if (!reembed.empty() && !catalog_.readOnly()) {
        catalog_.write([&](Db& db) {
            for (PhotoId p : reembed)
                db.prepare("DELETE FROM embeddings WHERE photo = ? AND model = ?").bind(1, p).bind(2, row.id).exec();
        });
    }
    check.vectors = index.size();
    return check;
}

void IndexRegistry::removeEverywhere(const std::vector<std::int64_t>& labels) {
    if (labels.empty()) return;
    std::lock_guard<std::mutex> g(mu_);
    for (auto& [id, index] : open_) index->remove(labels);
}

void IndexRegistry::forget(const std::string& modelId) {
    std::lock_guard<std::mutex> g(mu_);
    open_.erase(modelId);
}

std::vector<IndexCheck> IndexRegistry::checks() const {
    std::lock_guard<std::mutex> g(mu_);
    return checks_;
}

IndexCheck IndexRegistry::lastCheck(const std::string& modelId) const {
    std::lock_guard<std::mutex> g(mu_);
    for (auto it = checks_.rbegin(); it != checks_.rend(); ++it)
        if (it->modelId == modelId) return *it;
    return {};
}

}  // namespace lowclip::library
