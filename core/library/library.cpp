// The Library facade: opens the folder and wires its parts together.
//
//   catalog.{h,cpp}         the SQLite catalog, its two connections and locks, shared row mappers
//   sqlite_db.{h,cpp}       statements that reset themselves, transactions, RowMapper
//   catalog_schema.{h,cpp}  the schema and its migrations
//   index_registry.{h,cpp}  one vector index per model, opened once and checked against the catalog
//   scanner.{h,cpp}         walking roots and reading files; scan_job.{h,cpp} the catalog side of a scan
//   index_pipeline.{h,cpp}  decode threads -> batches -> embedder -> index + catalog commit
//   search_planner.{h,cpp}  HNSW top-k, filters, over-fetching, exact scoring (SearchTuning)
//   caption_tsv.{h,cpp}     the caption file format;  thumbnails.{h,cpp}  the thumbnail cache
//
// Locking, outermost first (a thread only ever takes them in this order, none recursively):
//   1. jobMu: scan(), index(), rebuildIndex() and removeModel() run one at a time; held for the
//      whole job. Nothing else takes it: searches, listings and edits never wait for a job.
//   2. IndexRegistry's mutex: the table of open indexes, held while one is opened and checked.
//   3. Catalog's writer mutex or its reader mutex (never both): one short transaction or query
//      each. Reads see the last commit and never wait for a write (WAL, separate connections).
//   VectorIndex's own shared mutex is taken inside any of these for the time of one operation;
//   searches share it, additions and deletions take it alone.
#include "core/library/library.h"

#include <cctype>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "core/error.h"
#include "core/library/caption_tsv.h"
#include "core/library/catalog.h"
#include "core/library/fs_util.h"
#include "core/library/index_pipeline.h"
#include "core/library/index_registry.h"
#include "core/library/lock_file.h"
#include "core/library/result_shaping.h"
#include "core/library/scan_job.h"
#include "core/library/search_planner.h"
#include "core/library/thumbnails.h"
#include "core/library/vector_index.h"
#include "core/train/embedder.h"
#include "core/util/atomic_file.h"
#include "core/util/utf8.h"

namespace lowclip::library {

namespace {

bool isFolder(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Error photoNotFound(PhotoId id) {
    return Error(ErrorCode::PhotoNotFound, "no photo with id " + std::to_string(id), {{"id", std::to_string(id)}});
}

std::int64_t insertCaption(Db& db, PhotoId photo, const std::string& text, const std::string& source) {
    const std::int64_t now = nowSeconds();
    db.prepare("INSERT INTO captions(photo, text, source, created, updated) VALUES(?, ?, ?, ?, ?)")
        .bind(1, photo).bindText(2, text).bindText(3, source).bind(4, now).bind(5, now).exec();
    return db.lastInsertId();
}

Error modelNotFound(const std::string& modelId, const std::string& message) {
    return Error(ErrorCode::ModelNotFound, message, {{"name", modelId}});
}

}  // namespace

std::string displayPath(const std::string& bytes) { return util::makeValidUtf8(bytes, util::Utf8Replacement::EachByte); }

struct Library::Impl {
    std::string folder;
    bool readOnly = false;
    std::unique_ptr<LockFile> lock;
    std::unique_ptr<Catalog> catalog;
    std::unique_ptr<IndexRegistry> indexes;
    std::mutex jobMu;  // scan(), index(), rebuildIndex(), removeModel(): one at a time

    void requireWritable(const char* what) const {
        if (readOnly)
            throw Error(ErrorCode::LibraryReadOnly, std::string("cannot ") + what + ": library " + folder + " is open read-only",
                        {{"folder", folder}});
    }

    std::vector<SearchResult> search(const std::string& modelId, const float* query, const SearchOptions& options,
                                     PhotoId exclude) {
        std::shared_ptr<VectorIndex> index = indexes->open(modelId);
        std::optional<ModelRow> row = catalog->model(modelId);
        if (!row) throw modelNotFound(modelId, "library " + folder + " has no model '" + modelId + "'");
        CatalogSearch view(*catalog, row->id);
        return SearchPlanner(*index, view).run(query, options, exclude);
    }
};

Library::Library(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Library::~Library() = default;

std::unique_ptr<Library> Library::open(const std::string& folderIn, OpenMode mode) {
    if (folderIn.empty()) throw Error(ErrorCode::InvalidArgument, "library folder: empty path", {{"what", "library folder"}});
    auto impl = std::make_unique<Impl>();
    impl->folder = absolutePath(folderIn);
    impl->readOnly = mode == OpenMode::ReadOnly;
    const std::string catalogPath = joinPath(impl->folder, "catalog.sqlite");
    if (impl->readOnly) {
        if (!pathExists(catalogPath))
            throw Error(ErrorCode::NoLibrary, "no library at " + impl->folder + " (catalog.sqlite is missing)",
                        {{"folder", impl->folder}});
    } else {
        makeDirs(impl->folder);
        makeDirs(joinPath(impl->folder, "index"));
        impl->lock = std::make_unique<LockFile>(joinPath(impl->folder, "lock"), "library " + impl->folder);
    }
    impl->catalog = std::make_unique<Catalog>(catalogPath, impl->readOnly);
    impl->indexes = std::make_unique<IndexRegistry>(*impl->catalog, impl->folder);
    return std::unique_ptr<Library>(new Library(std::move(impl)));
}

const std::string& Library::folder() const { return d->folder; }
bool Library::readOnly() const { return d->readOnly; }

std::vector<std::string> Library::defaultExtensions() {
    return {"jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff", "bmp", "dib", "heic", "heif", "hif", "avif"};
}

// --- roots --------------------------------------------------------------------------------

namespace {

// The folder with every symlink resolved, or "" when it cannot be resolved (missing, unreadable).
std::string canonicalFolder(const std::string& path) {
    char* c = ::realpath(path.c_str(), nullptr);
    if (!c) return {};
    std::string out(c);
    std::free(c);
    return out;
}

// True when `inner` is a folder below `outer` (both canonical).
bool isBelow(const std::string& inner, const std::string& outer) {
    if (outer == "/") return inner.size() > 1 && inner[0] == '/';
    return inner.size() > outer.size() + 1 && inner.compare(0, outer.size(), outer) == 0 && inner[outer.size()] == '/';
}

// True when a scan of `outer` reaches `inner` (below it): no hidden folder on the way, since hidden
// folders are not scanned by default.
bool scanReaches(const std::string& outer, const std::string& inner) {
    const std::string rest = inner.substr(outer == "/" ? 1 : outer.size() + 1);
    std::size_t start = 0;
    while (start < rest.size()) {
        std::size_t end = rest.find('/', start);
        if (end == std::string::npos) end = rest.size();
        if (end > start && rest[start] == '.') return false;
        start = end + 1;
    }
    return true;
}

bool sameFile(const std::string& a, const struct stat& b) {
    struct stat st;
    return ::stat(a.c_str(), &st) == 0 && st.st_dev == b.st_dev && st.st_ino == b.st_ino;
}

}  // namespace

std::int64_t Library::addRoot(const std::string& pathIn) {
    d->requireWritable("add a root folder");
    const std::string given = absolutePath(pathIn);
    if (!isFolder(given))
        throw Error(ErrorCode::NotAFolder, "cannot add " + displayPath(given) + ": not a folder", {{"path", displayPath(given)}});
    // Stored resolved, so one folder reached through symlinks or "..", or named twice, is one root.
    const std::string path = canonicalFolder(given);
    struct stat self;
    if (path.empty() || ::stat(path.c_str(), &self) != 0)
        throw Error(ErrorCode::NotAFolder, "cannot add " + displayPath(given) + ": the folder cannot be opened",
                    {{"path", displayPath(given)}});
    return d->catalog->write([&](Db& db) {
        struct RootRow {
            std::int64_t id = 0;
            std::string path;
        };
        static const RowMapper<RootRow> rows{{"id", &RootRow::id}, {"path", &RootRow::path}};
        // Roots inside the new one, which a scan of it reaches: they become part of it.
        std::vector<std::int64_t> inside;
        for (const RootRow& r : selectAll(db, rows, "FROM roots ORDER BY id", [](Statement&) {})) {
            std::string other = canonicalFolder(r.path);  // roots of older catalogs may be stored unresolved
            if (other.empty()) other = absolutePath(r.path);
            if (other == path || sameFile(r.path, self)) return r.id;  // the same folder
            if (isBelow(path, other) && scanReaches(other, path))
                throw Error(ErrorCode::RootOverlap,
                            "cannot add " + displayPath(path) + ": it is already in the library as part of " +
                                displayPath(r.path),
                            {{"path", displayPath(path)}, {"other", displayPath(r.path)}});
            if (isBelow(other, path) && scanReaches(path, other)) inside.push_back(r.id);
        }
        db.prepare("INSERT INTO roots(path, added) VALUES(?, ?)").bindBlob(1, path).bind(2, nowSeconds()).exec();
        const std::int64_t id = db.lastInsertId();
        // Their photos (with captions, vectors, feedback) move to the new root, then the old rows go.
        for (std::int64_t old : inside) {
            db.prepare("UPDATE photos SET root = ? WHERE root = ?").bind(1, id).bind(2, old).exec();
            db.prepare("DELETE FROM roots WHERE id = ?").bind(1, old).exec();
        }
        return id;
    });
}

void Library::removeRoot(std::int64_t rootId) {
    d->requireWritable("remove a root folder");
    d->catalog->write([&](Db& db) {
        db.prepare("DELETE FROM roots WHERE id = ?").bind(1, rootId).exec();
        if (db.changes() == 0)
            throw Error(ErrorCode::RootNotFound, "no root folder with id " + std::to_string(rootId),
                        {{"root", std::to_string(rootId)}});
    });
}

std::size_t Library::removePhotos(const std::vector<PhotoId>& photos) {
    d->requireWritable("remove photos");
    std::lock_guard<std::mutex> job(d->jobMu);  // not while a scan would add them back
    std::vector<std::int64_t> labels;
    d->catalog->write([&](Db& db) {
        for (PhotoId id : photos) {
            Statement s = db.prepare("SELECT path, root FROM photos WHERE id = ?");
            s.bind(1, id);
            if (!s.step()) continue;
            const std::string path = s.text(0);
            const std::int64_t root = s.i64(1);
            db.prepare("INSERT OR REPLACE INTO excluded(path, root, added) VALUES (?, ?, ?)")
                .bindBlob(1, path)
                .bind(2, root)
                .bind(3, nowSeconds())
                .exec();
            db.prepare("DELETE FROM photos WHERE id = ?").bind(1, id).exec();
            labels.push_back(id);
        }
    });
    d->indexes->removeEverywhere(labels);  // vector labels are photo ids
    return labels.size();
}

std::size_t Library::restoreRemoved() {
    d->requireWritable("restore removed photos");
    std::lock_guard<std::mutex> job(d->jobMu);
    std::size_t n = 0;
    d->catalog->write([&](Db& db) {
        db.exec("DELETE FROM excluded");
        n = static_cast<std::size_t>(db.changes());
    });
    return n;
}

std::size_t Library::removedCount() const {
    return d->catalog->read([](Db& db) { return static_cast<std::size_t>(db.scalar("SELECT COUNT(*) FROM excluded")); });
}

std::vector<Root> Library::roots() const {
    std::vector<Root> out = d->catalog->read(
        [](Db& db) { return selectAll(db, rootRow(), "FROM roots r ORDER BY r.id", [](Statement&) {}); });
    for (Root& r : out) r.online = isFolder(r.path);
    return out;
}

// --- scan and index -----------------------------------------------------------------------

ScanReport Library::scan(const ScanOptions& options, const ProgressFn& progress, const CancelFlag* cancel) {
    d->requireWritable("scan");
    std::lock_guard<std::mutex> job(d->jobMu);
    return runScan(*d->catalog, *d->indexes, options, progress, cancel);
}

IndexReport Library::index(train::Embedder& embedder, const IndexOptions& options, const ProgressFn& progress,
                           const CancelFlag* cancel) {
    d->requireWritable("index");
    std::lock_guard<std::mutex> job(d->jobMu);
    return runIndexing(*d->catalog, *d->indexes, embedder, options, progress, cancel);
}

// --- search -------------------------------------------------------------------------------

std::vector<SearchResult> Library::search(train::Embedder& embedder, const std::string& query,
                                          const SearchOptions& options) {
    if (trimCaption(query).empty()) throw Error(ErrorCode::InvalidArgument, "search: the query is empty", {{"what", "query"}});
    std::vector<float> v = embedder.encodeTexts({query});
    if (v.size() != static_cast<std::size_t>(embedder.dim()))
        throw Error("search: the model returned " + std::to_string(v.size()) + " numbers for one text of dimension " +
                    std::to_string(embedder.dim()));
    return searchVector(embedder.modelId(), v, options);
}

std::vector<SearchResult> Library::searchVector(const std::string& modelId, const std::vector<float>& query,
                                                const SearchOptions& options) {
    std::optional<ModelRow> row = d->catalog->model(modelId);
    if (!row)
        throw modelNotFound(modelId, "library " + d->folder + " has no vectors from model '" + modelId +
                                         "'; index the library with this model first");
    if (static_cast<int>(query.size()) != row->dim)
        throw Error(ErrorCode::InvalidArgument,
                    "search: query has " + std::to_string(query.size()) + " numbers, model '" + modelId +
                        "' has dimension " + std::to_string(row->dim),
                    {{"what", "query vector"}, {"value", std::to_string(query.size())}});
    return d->search(modelId, query.data(), options, 0);
}

std::vector<SearchResult> Library::similar(PhotoId photoId, const SearchOptions& options, const std::string& modelIdIn) {
    std::string modelId = modelIdIn.empty() ? d->catalog->setting(kActiveModelKey) : modelIdIn;
    if (modelId.empty()) throw Error(ErrorCode::NoModel, "similar: the library has no active model yet; index it first");
    std::optional<ModelRow> row = d->catalog->model(modelId);
    if (!row) throw modelNotFound(modelId, "similar: the library has no vectors from model '" + modelId + "'");
    std::shared_ptr<VectorIndex> index = d->indexes->open(modelId);
    std::optional<std::int64_t> label = d->catalog->read([&](Db& db) -> std::optional<std::int64_t> {
        Statement s = db.prepare("SELECT label FROM embeddings WHERE photo = ? AND model = ?");
        s.bind(1, photoId).bind(2, row->id);
        if (!s.step()) return std::nullopt;
        return s.i64(0);
    });
    if (!label) {
        if (!photo(photoId)) throw Error(ErrorCode::PhotoNotFound, "similar: no photo with id " + std::to_string(photoId),
                                         {{"id", std::to_string(photoId)}});
        throw Error(ErrorCode::NotIndexed,
                    "similar: photo " + std::to_string(photoId) + " has no vector from model '" + modelId +
                        "' yet; index the library first",
                    {{"id", std::to_string(photoId)}, {"model", modelId}});
    }
    std::vector<float> v = index->vector(*label);
    if (v.empty())
        throw Error(ErrorCode::NotIndexed,
                    "similar: the vector of photo " + std::to_string(photoId) + " is missing from the index; index the library again",
                    {{"id", std::to_string(photoId)}, {"model", modelId}});
    return d->search(modelId, v.data(), options, photoId);
}

// --- stored vectors and near-identical photos -----------------------------------------------

std::vector<std::vector<float>> Library::vectorsOf(const std::vector<PhotoId>& photos, const std::string& modelIdIn) {
    std::string modelId = modelIdIn.empty() ? d->catalog->setting(kActiveModelKey) : modelIdIn;
    if (modelId.empty()) throw Error(ErrorCode::NoModel, "the library has no active model yet; index it first");
    std::optional<ModelRow> row = d->catalog->model(modelId);
    if (!row) throw modelNotFound(modelId, "the library has no vectors from model '" + modelId + "'");
    std::shared_ptr<VectorIndex> index = d->indexes->open(modelId);
    const std::vector<std::optional<std::int64_t>> labels =
        d->catalog->read([&](Db& db) {
            std::vector<std::optional<std::int64_t>> out;
            out.reserve(photos.size());
            Statement s = db.prepare("SELECT label FROM embeddings WHERE photo = ? AND model = ?");
            for (PhotoId p : photos) {
                s.reset();
                s.bind(1, p).bind(2, row->id);
                out.push_back(s.step() ? std::optional<std::int64_t>(s.i64(0)) : std::nullopt);
            }
            return out;
        });
    std::vector<std::vector<float>> out(photos.size());
    for (std::size_t i = 0; i < photos.size(); ++i)
        if (labels[i]) out[i] = index->vector(*labels[i]);
    return out;
}

DuplicateReport Library::nearDuplicates(const std::string& modelIdIn, const DuplicateOptions& options,
                                        const ProgressFn& progress, const CancelFlag* cancel) {
    if (!(options.similarity > 0.0 && options.similarity <= 1.0))
        throw Error(ErrorCode::InvalidArgument, "near-identical photos: the similarity must be above 0 and at most 1",
                    {{"what", "similarity"}, {"value", std::to_string(options.similarity)}});
    if (options.neighbours < 1 || options.neighbours > 256)
        throw Error(ErrorCode::InvalidArgument, "near-identical photos: neighbours must be between 1 and 256",
                    {{"what", "neighbours"}, {"value", std::to_string(options.neighbours)}});
    std::string modelId = modelIdIn.empty() ? d->catalog->setting(kActiveModelKey) : modelIdIn;
    if (modelId.empty()) throw Error(ErrorCode::NoModel, "the library has no active model yet; index it first");
    std::optional<ModelRow> row = d->catalog->model(modelId);
    if (!row) throw modelNotFound(modelId, "the library has no vectors from model '" + modelId + "'");
    std::shared_ptr<VectorIndex> index = d->indexes->open(modelId);

    // The photos to look at: readable, embedded by this model (catalog and index agree on labels).
    std::vector<std::int64_t> labels = index->labels();
    std::sort(labels.begin(), labels.end());
    DuplicateReport report;
    report.photosChecked = labels.size();
    auto position = [&](std::int64_t label) -> std::optional<std::size_t> {
        auto it = std::lower_bound(labels.begin(), labels.end(), label);
        if (it == labels.end() || *it != label) return std::nullopt;
        return std::size_t(it - labels.begin());
    };
    // Each photo's near-identical neighbours (cosine >= similarity), best first.
    const std::size_t k = options.neighbours + 1;  // the photo itself comes back too
    std::vector<std::vector<std::size_t>> near(labels.size());
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if ((i & 63) == 0) {
            throwIfCancelled(cancel);
            if (progress) {
                Progress p;
                p.stage = "duplicates";
                p.done = i;
                p.total = labels.size();
                const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                if (s > 0 && i > 0) {
                    p.itemsPerSecond = double(i) / s;
                    p.etaSeconds = double(labels.size() - i) / p.itemsPerSecond;
                }
                progress(p);
            }
        }
        const std::vector<float> v = index->vector(labels[i]);
        if (v.empty()) continue;
        for (const auto& [other, score] : index->search(v.data(), k, std::max<std::size_t>(k, 64))) {
            if (other == labels[i] || double(score) < options.similarity) continue;
            if (auto j = position(other)) near[i].push_back(*j);
        }
    }
    throwIfCancelled(cancel);

    // Star groups, densest first: a photo not yet grouped takes its near-identical neighbours not
    // yet grouped. Every member is near-identical to the photo its group formed around, so chains
    // of small steps (a to b to c ... to z) never join photos that do not look alike.
    std::vector<std::size_t> order(labels.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return near[a].size() > near[b].size(); });
    std::vector<char> taken(labels.size(), 0);
    std::vector<std::vector<std::size_t>> groups;
    for (std::size_t c : order) {
        if (taken[c] || near[c].empty()) continue;
        std::vector<std::size_t> g{c};
        for (std::size_t j : near[c])
            if (!taken[j] && j != c) g.push_back(j);
        if (g.size() < 2) continue;
        for (std::size_t j : g) taken[j] = 1;
        groups.push_back(std::move(g));
    }
    // Resolved to readable photos.
    for (const auto& g : groups) report.photosInGroups += g.size();
    report.groupsFound = groups.size();
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& g : groups) {
        if (report.groups.size() >= options.maxGroups) break;
        throwIfCancelled(cancel);
        std::vector<DuplicateMember> members;
        std::vector<std::vector<float>> vectors;
        for (std::size_t i : g) {
            std::optional<PhotoInfo> p = d->catalog->photo(labels[i]);
            if (!p || !p->ok) continue;
            std::vector<float> v = index->vector(labels[i]);
            if (v.empty()) continue;
            members.push_back(DuplicateMember{std::move(*p), 1.0f});
            vectors.push_back(std::move(v));
        }
        if (members.size() < 2) continue;
        std::size_t keep = 0;
        auto better = [](const PhotoInfo& a, const PhotoInfo& b) {
            const std::int64_t pa = std::int64_t(a.width) * a.height, pb = std::int64_t(b.width) * b.height;
            if (pa != pb) return pa > pb;
            if (a.size != b.size) return a.size > b.size;
            return a.id < b.id;
        };
        for (std::size_t m = 1; m < members.size(); ++m)
            if (better(members[m].photo, members[keep].photo)) keep = m;
        for (std::size_t m = 0; m < members.size(); ++m)
            members[m].similarity = m == keep ? 1.0f : float(cosine(vectors[keep], vectors[m]));
        std::swap(members[0], members[keep]);
        std::stable_sort(members.begin() + 1, members.end(),
                         [](const DuplicateMember& a, const DuplicateMember& b) { return a.similarity > b.similarity; });
        report.groups.push_back(DuplicateGroup{std::move(members)});
    }
    std::stable_sort(report.groups.begin(), report.groups.end(),
                     [](const DuplicateGroup& a, const DuplicateGroup& b) { return a.members.size() > b.members.size(); });
    if (progress) {
        Progress p;
        p.stage = "duplicates";
        p.done = p.total = labels.size();
        progress(p);
    }
    return report;
}

// --- photos, status, errors ---------------------------------------------------------------

std::optional<PhotoInfo> Library::photo(PhotoId id) const { return d->catalog->photo(id); }

std::optional<PhotoInfo> Library::photoByPath(const std::string& path) const { return d->catalog->photoByPath(path); }

std::vector<PhotoInfo> Library::photos(std::size_t offset, std::size_t limit) const {
    return d->catalog->read([&](Db& db) {
        return selectAll(db, photoRow(), "FROM photos p ORDER BY p.id LIMIT ? OFFSET ?", [&](Statement& s) {
            s.bind(1, limit > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(limit));
            s.bind(2, offset > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(offset));
        });
    });
}

std::size_t Library::photoCount() const {
    return d->catalog->read([](Db& db) { return static_cast<std::size_t>(db.scalar("SELECT count(*) FROM photos")); });
}

Status Library::status() const {
    Status st;
    st.folder = d->folder;
    st.readOnly = d->readOnly;
    d->catalog->read([&](Db& db) {
        auto count = [&](const char* sql) { return static_cast<std::size_t>(db.scalar(sql)); };
        st.schemaVersion = static_cast<int>(db.scalar("PRAGMA user_version"));
        st.roots = count("SELECT count(*) FROM roots");
        st.photos = count("SELECT count(*) FROM photos");
        st.photosWithErrors = count("SELECT count(*) FROM photos WHERE status = 'error'");
        st.captions = count("SELECT count(*) FROM captions");
        st.feedback = count("SELECT count(*) FROM feedback");
        st.thumbnails = count("SELECT count(*) FROM thumbnails");
        st.models = selectAll(db, modelInfoRow(), "FROM models m ORDER BY m.id", [](Statement&) {});
    });
    for (const auto& m : st.models)
        if (m.active) st.activeModel = m;
    for (const char* f : {"catalog.sqlite", "catalog.sqlite-wal"})
        st.catalogBytes += std::max<std::int64_t>(0, fileSize(joinPath(d->folder, f)));
    for (const auto& m : st.models)
        for (const char* ext : {".hnsw", ".journal"})
            st.indexBytes += std::max<std::int64_t>(0, fileSize(d->indexes->basePath(m.id) + ext));
    return st;
}

FailureKind failureKind(const std::string& stage, const std::string& message) {
    std::string m = message;
    for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto has = [&m](const char* words) { return m.find(words) != std::string::npos; };
    // Most specific first: the wording comes from core/library/scanner.cpp, core/vision/decode.cpp
    // and core/library/index_pipeline.cpp (tests/library pins each kind on real files).
    if (has("not enough memory")) return FailureKind::OutOfMemory;
    if (has("the file is empty")) return FailureKind::Empty;
    if (has("a folder") || has("named pipe") || has("a character device") || has("a block device") || has("a socket") ||
        has("not a regular file"))
        return FailureKind::NotAFile;
    if (has("are not read as photos") || has("above the limit") || has("larger than the image decoder accepts") ||
        has("larger than 2 gib"))
        return FailureKind::TooLarge;
    if (has("truncated") || has("ends before") || has("ends inside")) return FailureKind::Truncated;
    if (has("not a supported image")) return FailureKind::NotAnImage;
    if (has("unsupported")) return FailureKind::Unsupported;
    if (has("corrupt") || has("invalid image size") || has("bad ")) return FailureKind::Damaged;
    if (stage == "read" || has("cannot open") || has("cannot read") || has("permission") || has("no such file") ||
        has("vanished"))
        return FailureKind::Unreadable;
    return FailureKind::Other;
}

const char* failureKindName(FailureKind kind) {
    switch (kind) {
    case FailureKind::Empty: return "empty";
    case FailureKind::NotAFile: return "not-a-file";
    case FailureKind::TooLarge: return "too-large";
    case FailureKind::Unreadable: return "unreadable";
    case FailureKind::Truncated: return "truncated";
    case FailureKind::NotAnImage: return "not-an-image";
    case FailureKind::Unsupported: return "unsupported";
    case FailureKind::Damaged: return "damaged";
    case FailureKind::OutOfMemory: return "out-of-memory";
    case FailureKind::Other: break;
    }
    return "other";
}

std::vector<ErrorRecord> Library::errors() const {
    auto out = d->catalog->read([](Db& db) {
        return selectAll(db, errorRow(), "FROM photos WHERE status = 'error' ORDER BY id", [](Statement&) {});
    });
    for (auto& e : out) e.kind = failureKind(e.stage, e.message);
    return out;
}

// --- models -------------------------------------------------------------------------------

std::vector<ModelInfo> Library::models() const {
    return d->catalog->read([](Db& db) { return selectAll(db, modelInfoRow(), "FROM models m ORDER BY m.id", [](Statement&) {}); });
}

std::optional<ModelInfo> Library::activeModel() const {
    for (auto& m : models())
        if (m.active) return m;
    return std::nullopt;
}

void Library::setActiveModel(const std::string& modelId) {
    d->requireWritable("change the active model");
    d->catalog->write([&](Db& db) {
        if (!modelIn(db, modelId)) throw modelNotFound(modelId, "library has no model '" + modelId + "'");
        setSettingIn(db, kActiveModelKey, modelId);
    });
}

IndexCheck Library::rebuildIndex(const std::string& modelId) {
    d->requireWritable("rebuild an index");
    std::lock_guard<std::mutex> job(d->jobMu);
    std::shared_ptr<VectorIndex> index = d->indexes->open(modelId);  // consistency check first
    index->compact();
    IndexCheck c = d->indexes->lastCheck(modelId);
    c.vectors = index->size();
    return c;
}

std::vector<IndexCheck> Library::indexChecks() const { return d->indexes->checks(); }

void Library::removeModel(const std::string& modelId) {
    d->requireWritable("remove a model");
    std::lock_guard<std::mutex> job(d->jobMu);
    std::optional<ModelRow> row = d->catalog->model(modelId);
    if (!row) throw modelNotFound(modelId, "library has no model '" + modelId + "'");
    d->indexes->forget(modelId);
    d->catalog->write([&](Db& db) {
        db.prepare("DELETE FROM models WHERE id = ?").bind(1, row->id).exec();
        if (settingIn(db, kActiveModelKey) == modelId)
            db.prepare("DELETE FROM settings WHERE key = ?").bindText(1, kActiveModelKey).exec();
    });
    for (const char* ext : {".hnsw", ".journal"}) ::unlink((d->indexes->basePath(row->id) + ext).c_str());
}

// --- captions -----------------------------------------------------------------------------

std::int64_t Library::addCaption(PhotoId photoId, const std::string& textIn, const std::string& source) {
    d->requireWritable("add a caption");
    std::string text = trimCaption(textIn);
    if (text.empty()) throw Error(ErrorCode::EmptyCaption, "caption is empty");
    return d->catalog->write([&](Db& db) {
        if (!photoIn(db, photoId)) throw photoNotFound(photoId);
        return insertCaption(db, photoId, text, source);
    });
}

void Library::editCaption(std::int64_t captionId, const std::string& textIn) {
    d->requireWritable("edit a caption");
    std::string text = trimCaption(textIn);
    if (text.empty()) throw Error(ErrorCode::EmptyCaption, "caption is empty; delete it instead");
    d->catalog->write([&](Db& db) {
        db.prepare("UPDATE captions SET text = ?, updated = ? WHERE id = ?").bindText(1, text).bind(2, nowSeconds()).bind(3, captionId).exec();
        if (db.changes() == 0)
            throw Error(ErrorCode::CaptionNotFound, "no caption with id " + std::to_string(captionId), {{"id", std::to_string(captionId)}});
    });
}

void Library::deleteCaption(std::int64_t captionId) {
    d->requireWritable("delete a caption");
    d->catalog->write([&](Db& db) {
        db.prepare("DELETE FROM captions WHERE id = ?").bind(1, captionId).exec();
        if (db.changes() == 0)
            throw Error(ErrorCode::CaptionNotFound, "no caption with id " + std::to_string(captionId), {{"id", std::to_string(captionId)}});
    });
}

std::vector<Caption> Library::captions(PhotoId photoId) const {
    return d->catalog->read([&](Db& db) {
        return selectAll(db, captionRow(), "FROM captions WHERE photo = ? ORDER BY id", [&](Statement& s) { s.bind(1, photoId); });
    });
}

std::vector<TrainingPair> Library::allCaptions() const {
    return d->catalog->read([](Db& db) {
        return selectAll(db, trainingPairRow(), "FROM captions c JOIN photos p ON p.id = c.photo WHERE p.status = 'ok' ORDER BY c.id",
                         [](Statement&) {});
    });
}

TsvImportReport Library::importCaptionsTsv(const std::string& tsvPath, const std::string& source) {
    d->requireWritable("import captions");
    std::ifstream in(tsvPath, std::ios::binary);
    if (!in) throw Error(ErrorCode::NotFound, "cannot open caption file " + tsvPath, {{"path", tsvPath}});
    const std::vector<TsvLine> lines = parseCaptionTsv(in);
    if (in.bad()) throw Error(ErrorCode::Io, "cannot read caption file " + tsvPath, {{"path", tsvPath}, {"reason", "read error"}});
    TsvImportReport rep;
    d->catalog->write([&](Db& db) {  // one transaction: the whole file or nothing
        const std::vector<Root> rootList = selectAll(db, rootRow(), "FROM roots r ORDER BY r.id", [](Statement&) {});
        for (const TsvLine& t : lines) {
            const std::string where = "line " + std::to_string(t.line) + ": ";
            if (!t.problem.empty()) {
                rep.unmatched.push_back(where + t.problem);
                continue;
            }
            std::optional<PhotoInfo> p;
            if (!t.path.empty() && t.path[0] == '/') {
                p = photoByPathIn(db, t.path);
            } else {
                for (const auto& r : rootList)
                    if ((p = photoByPathIn(db, absolutePath(joinPath(r.path, t.path))))) break;
            }
            if (!p) {
                rep.unmatched.push_back(where + displayPath(t.path));
                continue;
            }
            Statement dup = db.prepare("SELECT 1 FROM captions WHERE photo = ? AND text = ?");
            dup.bind(1, p->id).bindText(2, t.text);
            if (dup.step()) {
                ++rep.duplicates;
                continue;
            }
            insertCaption(db, p->id, t.text, source);
            ++rep.imported;
        }
    });
    return rep;
}

std::size_t Library::exportCaptionsTsv(const std::string& tsvPath) const {
    struct Row {
        std::string path, text;
    };
    static const RowMapper<Row> rows{{"p.path", &Row::path}, {"c.text", &Row::text}};
    std::vector<Row> all = d->catalog->read([](Db& db) {
        return selectAll(db, rows, "FROM captions c JOIN photos p ON p.id = c.photo ORDER BY c.id", [](Statement&) {});
    });
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(all.size());
    for (auto& r : all) pairs.emplace_back(std::move(r.path), std::move(r.text));
    util::writeFileAtomically(tsvPath, formatCaptionTsv(pairs));
    return pairs.size();
}

// --- feedback -----------------------------------------------------------------------------

std::int64_t Library::addFeedback(const std::string& query, PhotoId photoId, bool relevant, const std::string& modelIdIn) {
    d->requireWritable("record feedback");
    if (trimCaption(query).empty()) throw Error(ErrorCode::InvalidArgument, "feedback: the query is empty", {{"what", "query"}});
    return d->catalog->write([&](Db& db) {
        std::string modelId = modelIdIn.empty() ? settingIn(db, kActiveModelKey) : modelIdIn;
        if (!photoIn(db, photoId)) throw photoNotFound(photoId);
        db.prepare("INSERT INTO feedback(query, photo, relevant, model, created) VALUES(?, ?, ?, ?, ?)")
            .bindText(1, query).bind(2, photoId).bind(3, relevant ? 1 : 0).bindText(4, modelId).bind(5, nowSeconds()).exec();
        return db.lastInsertId();
    });
}

std::vector<Feedback> Library::feedback() const {
    return d->catalog->read(
        [](Db& db) { return selectAll(db, feedbackRow(), "FROM feedback ORDER BY id", [](Statement&) {}); });
}

bool Library::deleteFeedback(std::int64_t feedbackId) {
    d->requireWritable("remove feedback");
    return d->catalog->write([&](Db& db) {
        db.prepare("DELETE FROM feedback WHERE id = ?").bind(1, feedbackId).exec();
        return db.changes() > 0;
    });
}

// --- thumbnails ---------------------------------------------------------------------------

std::vector<std::uint8_t> Library::thumbnail(PhotoId photoId, int size) { return library::thumbnail(*d->catalog, photoId, size); }

}  // namespace lowclip::library
