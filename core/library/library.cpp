#include "core/library/library.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "core/error.h"
#include "core/library/catalog_schema.h"
#include "core/library/fs_util.h"
#include "core/library/lock_file.h"
#include "core/library/photo_io.h"
#include "core/library/scanner.h"
#include "core/library/sqlite_db.h"
#include "core/library/vector_index.h"
#include "core/train/embedder.h"

namespace lowclip::library {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nowSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const char* kPhotoColumns =
    "p.id, p.root, p.path, p.size, p.mtime_ns, p.format, p.width, p.height, p.date_taken, p.camera_make, "
    "p.camera_model, p.latitude, p.longitude, p.status, p.error_stage, p.error";

PhotoInfo readPhoto(const Stmt& s, int c = 0) {
    PhotoInfo p;
    p.id = s.i64(c + 0);
    p.rootId = s.i64(c + 1);
    p.path = s.text(c + 2);
    p.displayPath = displayPath(p.path);
    p.size = s.i64(c + 3);
    p.mtimeNs = s.i64(c + 4);
    p.format = s.text(c + 5);
    p.width = static_cast<int>(s.i64(c + 6));
    p.height = static_cast<int>(s.i64(c + 7));
    p.dateTaken = s.text(c + 8);
    p.cameraMake = s.text(c + 9);
    p.cameraModel = s.text(c + 10);
    if (!s.isNull(c + 11)) p.latitude = s.f64(c + 11);
    if (!s.isNull(c + 12)) p.longitude = s.f64(c + 12);
    p.ok = s.text(c + 13) == "ok";
    p.errorStage = s.text(c + 14);
    p.error = s.text(c + 15);
    return p;
}

// Escapes for one TSV field: backslash, tab, newline, carriage return.
std::string tsvEscape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    return out;
}

std::string tsvUnescape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char n = s[++i];
        out += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    }
    return out;
}

std::string trimCaption(const std::string& text) {
    std::size_t b = text.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    std::size_t e = text.find_last_not_of(" \t\r\n");
    return text.substr(b, e - b + 1);
}

struct Existing {
    PhotoId id;
    std::int64_t root;
    std::int64_t size;
    std::int64_t mtimeNs;
    std::optional<std::int64_t> hash;
    bool readError;
    bool seen = false;
};

// SQL fragment + binder for a search filter (photos aliased p).
struct FilterSql {
    std::string where;  // " AND ..." clauses
    std::vector<std::function<void(Stmt&, int&)>> binds;

    explicit FilterSql(const SearchFilter& f) {
        if (f.rootId) {
            where += " AND p.root = ?";
            std::int64_t r = *f.rootId;
            binds.push_back([r](Stmt& s, int& i) { s.bind(i++, r); });
        }
        if (!f.pathPrefix.empty()) {
            where += " AND substr(p.path, 1, ?) = ?";
            std::string pre = f.pathPrefix;
            binds.push_back([pre](Stmt& s, int& i) {
                s.bind(i++, static_cast<std::int64_t>(pre.size()));
                s.bindBlob(i++, pre);
            });
        }
        if (!f.dateFrom.empty()) {
            where += " AND p.date_taken >= ?";
            std::string v = f.dateFrom;
            binds.push_back([v](Stmt& s, int& i) { s.bindText(i++, v); });
        }
        if (!f.dateTo.empty()) {
            // Inclusive prefix bound: "2023" admits every 2023 timestamp ('~' sorts after digits and separators).
            where += " AND p.date_taken < ?";
            std::string v = f.dateTo + "~";
            binds.push_back([v](Stmt& s, int& i) { s.bindText(i++, v); });
        }
        if (!f.camera.empty()) {
            where += " AND instr(lower(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')), lower(?)) > 0";
            std::string v = f.camera;
            binds.push_back([v](Stmt& s, int& i) { s.bindText(i++, v); });
        }
    }
    void bind(Stmt& s, int& i) const {
        for (const auto& b : binds) b(s, i);
    }
};

}  // namespace

std::string displayPath(const std::string& bytes) {
    std::string out;
    out.reserve(bytes.size());
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t n = bytes.size(), i = 0;
    while (i < n) {
        unsigned char c = s[i];
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        if (ok && len > 1) {
            std::uint32_t cp = c & (0x7F >> len);
            for (std::size_t k = 1; k < len; ++k) {
                if ((s[i + k] & 0xC0) != 0x80) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            // Reject overlong forms, surrogates and values beyond U+10FFFF.
            if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                       (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
                ok = false;
        }
        if (ok) {
            out.append(bytes, i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

struct Library::Impl {
    std::string folder;
    bool readOnly = false;
    std::unique_ptr<LockFile> lock;
    std::unique_ptr<Db> db;
    mutable std::recursive_mutex dbMu;         // every use of `db`
    std::mutex jobMu;                          // scan() and index() run one at a time
    std::mutex indexMu;                        // `indexes` and `checks`
    std::map<std::string, std::shared_ptr<VectorIndex>> indexes;  // by model id
    std::vector<IndexCheck> checks;

    void requireWritable(const char* what) const {
        if (readOnly) throw Error(std::string("cannot ") + what + ": library " + folder + " is open read-only");
    }

    std::string catalogPath() const { return joinPath(folder, "catalog.sqlite"); }
    std::string indexBase(std::int64_t modelRow) const {
        return joinPath(joinPath(folder, "index"), "model-" + std::to_string(modelRow));
    }

    std::string setting(const std::string& key) {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare("SELECT value FROM settings WHERE key = ?");
        s.bindText(1, key);
        std::string v = s.step() ? s.text(0) : "";
        s.reset();
        return v;
    }
    void setSetting(const std::string& key, const std::string& value) {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        db->prepare("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bindText(1, key)
            .bindText(2, value)
            .exec();
    }

    struct ModelRow {
        std::int64_t id = 0;
        int dim = 0;
    };
    std::optional<ModelRow> modelRow(const std::string& modelId) {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare("SELECT id, dim FROM models WHERE model_id = ?");
        s.bindText(1, modelId);
        std::optional<ModelRow> r;
        if (s.step()) r = ModelRow{s.i64(0), static_cast<int>(s.i64(1))};
        s.reset();
        return r;
    }

    std::vector<ModelInfo> listModels() {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        std::string active = setting("active_model");
        std::int64_t readable = db->scalar("SELECT count(*) FROM photos WHERE status = 'ok'");
        std::vector<ModelInfo> out;
        Stmt& s = db->prepare(
            "SELECT m.id, m.model_id, m.name, m.bundle_path, m.dim, "
            "(SELECT count(*) FROM embeddings e WHERE e.model = m.id), "
            "(SELECT count(*) FROM embeddings e JOIN photos p ON p.id = e.photo WHERE e.model = m.id AND p.status = 'ok') "
            "FROM models m ORDER BY m.id");
        while (s.step()) {
            ModelInfo m;
            m.id = s.i64(0);
            m.modelId = s.text(1);
            m.name = s.text(2);
            m.bundlePath = s.text(3);
            m.dim = static_cast<int>(s.i64(4));
            m.embedded = static_cast<std::size_t>(s.i64(5));
            m.pending = static_cast<std::size_t>(std::max<std::int64_t>(0, readable - s.i64(6)));
            m.active = m.modelId == active;
            out.push_back(std::move(m));
        }
        s.reset();
        return out;
    }

    // Opens (once) the model's index and checks it against the catalog.
    std::shared_ptr<VectorIndex> indexFor(const std::string& modelId) {
        auto row = modelRow(modelId);
        if (!row)
            throw Error("library " + folder + " has no vectors from model '" + modelId +
                        "'; index the library with this model first (lowclip-cli index)");
        std::lock_guard<std::mutex> g(indexMu);
        auto it = indexes.find(modelId);
        if (it != indexes.end()) return it->second;

        IndexCheck check;
        check.modelId = modelId;
        std::string base = indexBase(row->id);
        std::shared_ptr<VectorIndex> idx;
        try {
            idx = VectorIndex::open(base, row->dim, !readOnly);
        } catch (const Error&) {
            if (readOnly) throw;
            // Unreadable snapshot or journal: keep it aside for inspection and start afresh; the
            // check below sends every photo of this model back to be embedded.
            for (const char* ext : {".hnsw", ".journal"}) {
                std::string p = base + ext;
                if (pathExists(p)) ::rename(p.c_str(), (p + ".corrupt").c_str());
            }
            idx = VectorIndex::open(base, row->dim, true);
            check.rebuiltFromScratch = true;
        }

        // Catalog <-> index agreement.
        std::vector<std::int64_t> live = idx->labels();  // sorted
        std::vector<std::pair<PhotoId, std::int64_t>> rows;
        {
            std::lock_guard<std::recursive_mutex> dg(dbMu);
            Stmt& s = db->prepare("SELECT photo, label FROM embeddings WHERE model = ? ORDER BY label");
            s.bind(1, row->id);
            while (s.step()) rows.emplace_back(s.i64(0), s.i64(1));
            s.reset();
        }
        std::vector<PhotoId> reembed;
        std::vector<std::int64_t> orphans;
        {
            std::size_t i = 0, j = 0;
            while (i < rows.size() || j < live.size()) {
                if (j == live.size() || (i < rows.size() && rows[i].second < live[j])) {
                    reembed.push_back(rows[i++].first);
                } else if (i == rows.size() || live[j] < rows[i].second) {
                    orphans.push_back(live[j++]);
                } else {
                    ++i;
                    ++j;
                }
            }
        }
        check.reembed = reembed.size();
        check.orphansDeleted = orphans.size();
        if (!orphans.empty()) idx->remove(orphans);  // read-only: in memory only
        if (!reembed.empty() && !readOnly) {
            std::lock_guard<std::recursive_mutex> dg(dbMu);
            Transaction tx(*db);
            for (PhotoId p : reembed) db->prepare("DELETE FROM embeddings WHERE photo = ? AND model = ?").bind(1, p).bind(2, row->id).exec();
            tx.commit();
        }
        check.vectors = idx->size();
        checks.push_back(check);
        indexes[modelId] = idx;
        return idx;
    }

    std::optional<PhotoInfo> photoWhere(const std::string& where, const std::function<void(Stmt&)>& bind) {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare(std::string("SELECT ") + kPhotoColumns + " FROM photos p WHERE " + where);
        bind(s);
        std::optional<PhotoInfo> r;
        if (s.step()) r = readPhoto(s);
        s.reset();
        return r;
    }

    // Resolves search hits (label = photo id) against the catalog and the filter.
    std::vector<SearchResult> runSearch(const std::string& modelId, const float* query, const SearchOptions& opt,
                                        PhotoId exclude) {
        if (opt.k <= 0) return {};
        if (opt.offset < 0) throw Error("search: offset must not be negative");
        auto row = modelRow(modelId);
        auto idx = indexFor(modelId);
        const std::size_t need = static_cast<std::size_t>(opt.offset) + static_cast<std::size_t>(opt.k) + (exclude ? 1 : 0);
        FilterSql filter(opt.filter);
        std::vector<SearchResult> out;

        auto accept = [&](const std::vector<std::pair<std::int64_t, float>>& hits, std::size_t from) {
            std::lock_guard<std::recursive_mutex> g(dbMu);
            Stmt& s = db->prepare(std::string("SELECT ") + kPhotoColumns +
                                  " FROM photos p JOIN embeddings e ON e.photo = p.id AND e.model = ? "
                                  "WHERE p.id = ? AND e.label = ? AND p.status = 'ok'" +
                                  filter.where);
            for (std::size_t h = from; h < hits.size(); ++h) {
                const auto& [label, score] = hits[h];
                if (opt.filter.minScore && score < *opt.filter.minScore) return false;  // hits are best first
                if (label == exclude) continue;
                s.reset();
                s.bind(1, row->id);
                s.bind(2, label);
                s.bind(3, label);
                int i = 4;
                filter.bind(s, i);
                if (s.step()) out.push_back({readPhoto(s), score});
                if (out.size() >= need) break;
            }
            s.reset();
            return true;
        };

        bool exact = false;
        if (opt.filter.any()) {
            // Selective filters: score every matching photo exactly (cheap and complete).
            std::lock_guard<std::recursive_mutex> g(dbMu);
            std::string sql = "SELECT e.label FROM photos p JOIN embeddings e ON e.photo = p.id AND e.model = ? "
                              "WHERE p.status = 'ok'" + filter.where + " LIMIT ?";
            Stmt& s = db->prepare(sql);
            int i = 1;
            s.bind(i++, row->id);
            filter.bind(s, i);
            const std::size_t cap = std::max<std::size_t>(20000, 16 * need);
            s.bind(i++, static_cast<std::int64_t>(cap + 1));
            std::vector<std::int64_t> labels;
            while (s.step()) labels.push_back(s.i64(0));
            s.reset();
            if (labels.size() <= cap) {
                exact = true;
                auto hits = idx->scoreLabels(query, labels, need + 1);
                accept(hits, 0);
            }
        }
        if (!exact) {
            // Over-fetch from HNSW until enough hits pass the catalog and the filter.
            std::size_t fetch = opt.filter.any() ? need * 4 + 32 : need + 8;
            std::size_t ef = opt.ef > 0 ? static_cast<std::size_t>(opt.ef) : 0;
            std::size_t done = 0;
            for (;;) {
                auto hits = idx->search(query, fetch, ef);  // breadth: max(fetch, ef or the index default)
                bool go = accept(hits, done);
                done = hits.size();
                if (!go || out.size() >= need || hits.size() < fetch || fetch >= idx->size()) break;
                fetch *= 4;
            }
        }
        std::stable_sort(out.begin(), out.end(), [](const SearchResult& a, const SearchResult& b) { return a.score > b.score; });
        std::vector<SearchResult> page;
        for (std::size_t i = static_cast<std::size_t>(opt.offset); i < out.size() && page.size() < static_cast<std::size_t>(opt.k); ++i)
            page.push_back(std::move(out[i]));
        return page;
    }

    ScanReport doScan(const ScanOptions& options, const ProgressFn& progress, const CancelFlag* cancel);
    IndexReport doIndex(train::Embedder& embedder, const IndexOptions& options, const ProgressFn& progress,
                        const CancelFlag* cancel);
};

Library::Library(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Library::~Library() = default;

std::unique_ptr<Library> Library::open(const std::string& folderIn, OpenMode mode) {
    if (folderIn.empty()) throw Error("library folder: empty path");
    auto impl = std::make_unique<Impl>();
    impl->folder = absolutePath(folderIn);
    impl->readOnly = mode == OpenMode::ReadOnly;
    if (impl->readOnly) {
        if (!pathExists(impl->catalogPath()))
            throw Error(ErrorCode::NoLibrary, "no library at " + impl->folder + " (catalog.sqlite is missing)",
                        {{"folder", impl->folder}});
        impl->db = std::make_unique<Db>(impl->catalogPath(), true);
        impl->db->exec("PRAGMA foreign_keys = ON");
        checkCatalogReadable(*impl->db);
    } else {
        makeDirs(impl->folder);
        makeDirs(joinPath(impl->folder, "index"));
        impl->lock = std::make_unique<LockFile>(joinPath(impl->folder, "lock"), "library " + impl->folder);
        impl->db = std::make_unique<Db>(impl->catalogPath(), false);
        prepareCatalog(*impl->db);
    }
    return std::unique_ptr<Library>(new Library(std::move(impl)));
}

const std::string& Library::folder() const { return d->folder; }
bool Library::readOnly() const { return d->readOnly; }

std::vector<std::string> Library::defaultExtensions() {
    return {"jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff", "bmp", "dib", "heic", "heif", "hif", "avif"};
}

// --- roots --------------------------------------------------------------------------------

std::int64_t Library::addRoot(const std::string& pathIn) {
    d->requireWritable("add a root folder");
    std::string path = absolutePath(pathIn);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error("cannot add " + path + ": not a folder");
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare("SELECT id FROM roots WHERE path = ?");
    s.bindBlob(1, path);
    if (s.step()) {
        std::int64_t id = s.i64(0);
        s.reset();
        return id;
    }
    s.reset();
    d->db->prepare("INSERT INTO roots(path, added) VALUES(?, ?)").bindBlob(1, path).bind(2, nowSeconds()).exec();
    return d->db->lastInsertId();
}

void Library::removeRoot(std::int64_t rootId) {
    d->requireWritable("remove a root folder");
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    d->db->prepare("DELETE FROM roots WHERE id = ?").bind(1, rootId).exec();
    if (d->db->changes() == 0) throw Error("no root folder with id " + std::to_string(rootId));
}

std::vector<Root> Library::roots() const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    std::vector<Root> out;
    Stmt& s = d->db->prepare("SELECT r.id, r.path, (SELECT count(*) FROM photos p WHERE p.root = r.id) FROM roots r ORDER BY r.id");
    while (s.step()) {
        Root r;
        r.id = s.i64(0);
        r.path = s.text(1);
        r.displayPath = displayPath(r.path);
        r.photoCount = s.i64(2);
        struct stat st;
        r.online = ::stat(r.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        out.push_back(std::move(r));
    }
    s.reset();
    return out;
}

// --- scan ---------------------------------------------------------------------------------

ScanReport Library::scan(const ScanOptions& options, const ProgressFn& progress, const CancelFlag* cancel) {
    d->requireWritable("scan");
    std::lock_guard<std::mutex> job(d->jobMu);
    return d->doScan(options, progress, cancel);
}

ScanReport Library::Impl::doScan(const ScanOptions& options, const ProgressFn& progress, const CancelFlag* cancel) {
    const auto start = Clock::now();
    ScanReport report;
    std::vector<std::string> exts = options.extensions.empty() ? Library::defaultExtensions() : options.extensions;
    for (auto& e : exts) {
        while (!e.empty() && e[0] == '.') e.erase(0, 1);
        for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }

    // What the catalog knows.
    std::unordered_map<std::string, Existing> known;
    std::vector<Root> rootList;
    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare("SELECT id, root, path, size, mtime_ns, hash, status, error_stage FROM photos");
        while (s.step()) {
            Existing e{s.i64(0), s.i64(1), s.i64(3), s.i64(4), std::nullopt,
                       s.text(6) == "error" && s.text(7) == "read"};
            if (!s.isNull(5)) e.hash = s.i64(5);
            known.emplace(s.text(2), e);
        }
        s.reset();
    }
    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare("SELECT id, path FROM roots ORDER BY id");
        while (s.step()) {
            Root r;
            r.id = s.i64(0);
            r.path = s.text(1);
            rootList.push_back(r);
        }
        s.reset();
    }

    // Walk every root (stat calls only).
    std::vector<std::pair<std::int64_t, FoundFile>> found;
    std::vector<std::int64_t> onlineRoots;
    WalkState walk;
    for (const auto& r : rootList) {
        bool ok = walkRoot(r.path, options, exts, walk, [&](FoundFile&& f) { found.emplace_back(r.id, std::move(f)); }, cancel);
        if (ok)
            onlineRoots.push_back(r.id);
        else
            report.offlineRoots.push_back(displayPath(r.path));
    }
    report.filesSeen = found.size();

    // Examine candidates; commit in batches.
    std::vector<PhotoId> addedThisScan;
    std::vector<PhotoId> staleLabels;  // photos whose vectors no longer apply (label = photo id)
    std::unique_lock<std::recursive_mutex> dbLock(dbMu, std::defer_lock);  // outlives `tx`: rollback runs locked
    std::unique_ptr<Transaction> tx;
    std::size_t inTx = 0;
    auto commitBatch = [&]() {
        if (tx) tx->commit();
        tx.reset();
        inTx = 0;
    };
    auto report_progress = [&](std::size_t done) {
        if (!progress) return;
        Progress p;
        p.stage = "scan";
        p.done = done;
        p.total = found.size();
        double el = secondsSince(start);
        p.itemsPerSecond = el > 0 ? static_cast<double>(done) / el : 0.0;
        p.etaSeconds = p.itemsPerSecond > 0 ? static_cast<double>(found.size() - done) / p.itemsPerSecond : -1.0;
        progress(p);
    };

    auto writeContent = [&](PhotoId id, std::int64_t root, const std::string& path, const FileContent& c, bool insert) {
        std::string status = "ok", stage, error;
        if (c.result == FileContent::Result::Unreadable) {
            status = "error";
            stage = "read";
            error = c.error;
        } else if (!c.formatError.empty()) {
            status = "error";
            stage = "format";
            error = c.formatError;
        }
        bool hashed = c.result == FileContent::Result::Ok;
        Stmt& s = insert ? db->prepare(
                               "INSERT INTO photos(root, path, size, mtime_ns, hash, format, width, height, date_taken, "
                               "camera_make, camera_model, latitude, longitude, status, error_stage, error, added, updated, id) "
                               "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                         : db->prepare(
                               "UPDATE photos SET root=?, path=?, size=?, mtime_ns=?, hash=?, format=?, width=?, height=?, "
                               "date_taken=?, camera_make=?, camera_model=?, latitude=?, longitude=?, status=?, error_stage=?, "
                               "error=?, added=?, updated=? WHERE id=?");
        int i = 1;
        s.bind(i++, root);
        s.bindBlob(i++, path);
        s.bind(i++, c.size);
        s.bind(i++, c.mtimeNs);
        if (hashed) s.bind(i++, static_cast<std::int64_t>(c.hash)); else s.bindNull(i++);
        s.bindText(i++, c.format);
        s.bind(i++, c.width);
        s.bind(i++, c.height);
        if (c.dateTaken.empty()) s.bindNull(i++); else s.bindText(i++, c.dateTaken);
        s.bindText(i++, c.cameraMake);
        s.bindText(i++, c.cameraModel);
        s.bindOpt(i++, c.latitude);
        s.bindOpt(i++, c.longitude);
        s.bindText(i++, status);
        if (stage.empty()) s.bindNull(i++); else s.bindText(i++, stage);
        if (error.empty()) s.bindNull(i++); else s.bindText(i++, error);
        s.bind(i++, nowSeconds());
        s.bind(i++, nowSeconds());
        if (insert) s.bindNull(i++); else s.bind(i++, id);
        s.exec();
        if (status == "error") ++report.errors;
    };

    std::size_t examined = 0;
    for (auto& [rootId, f] : found) {
        if (cancel && cancel->load()) {
            commitBatch();
            throw Cancelled();
        }
        if (options.beforeFile) options.beforeFile(f.path);
        ++examined;
        auto it = known.find(f.path);
        if (it != known.end()) {
            Existing& e = it->second;
            e.seen = true;
            if (e.size == f.size && e.mtimeNs == f.mtimeNs && !e.readError) {
                ++report.unchanged;
                continue;
            }
        }
        FileContent c = readFileContent(f.path);
        if (c.result == FileContent::Result::Vanished) {
            ++report.vanished;
            if (it != known.end()) it->second.seen = false;  // gone now: handled with the deletions
            continue;
        }
        if (c.result == FileContent::Result::Ok) ++report.filesRead;
        if (c.result != FileContent::Result::Ok) {
            c.size = f.size;
            c.mtimeNs = f.mtimeNs;
        }
        if (!tx) {
            dbLock.lock();
            tx = std::make_unique<Transaction>(*db);
        }
        if (it == known.end()) {
            writeContent(0, rootId, f.path, c, true);
            PhotoId id = db->lastInsertId();
            if (c.result == FileContent::Result::Ok) addedThisScan.push_back(id);
            ++report.added;
        } else {
            Existing& e = it->second;
            bool sameContent = c.result == FileContent::Result::Ok && e.hash && *e.hash == static_cast<std::int64_t>(c.hash);
            if (sameContent && !e.readError) {
                // Touched but identical: refresh size/mtime only.
                db->prepare("UPDATE photos SET size = ?, mtime_ns = ?, updated = ? WHERE id = ?")
                    .bind(1, c.size).bind(2, c.mtimeNs).bind(3, nowSeconds()).bind(4, e.id).exec();
                ++report.unchanged;
            } else {
                writeContent(e.id, e.root, f.path, c, false);
                if (!sameContent) {
                    staleLabels.push_back(e.id);
                    // New content: old vectors and thumbnails no longer describe it.
                    db->prepare("DELETE FROM embeddings WHERE photo = ?").bind(1, e.id).exec();
                    db->prepare("DELETE FROM thumbnails WHERE photo = ?").bind(1, e.id).exec();
                }
                ++report.changed;
            }
        }
        if (++inTx >= std::max<std::size_t>(1, options.batchSize)) {
            commitBatch();
            dbLock.unlock();
        }
        if (examined % 256 == 0) report_progress(examined);
    }
    commitBatch();
    if (dbLock.owns_lock()) dbLock.unlock();

    // Deletions and moves (only for roots that were online: an unplugged drive keeps its photos).
    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Transaction t(*db);
        std::map<std::pair<std::int64_t, std::int64_t>, std::vector<PhotoId>> freshByContent;  // (hash, size) -> new ids
        for (PhotoId id : addedThisScan) {
            Stmt& s = db->prepare("SELECT hash, size FROM photos WHERE id = ? AND hash IS NOT NULL");
            s.bind(1, id);
            if (s.step()) freshByContent[{s.i64(0), s.i64(1)}].push_back(id);
            s.reset();
        }
        for (auto& [path, e] : known) {
            if (e.seen) continue;
            if (std::find(onlineRoots.begin(), onlineRoots.end(), e.root) == onlineRoots.end()) continue;
            bool moved = false;
            if (e.hash) {
                auto fit = freshByContent.find({*e.hash, e.size});
                if (fit != freshByContent.end() && !fit->second.empty()) {
                    PhotoId fresh = fit->second.back();
                    fit->second.pop_back();
                    // The old row (with its captions and vectors) takes over the new path.
                    Stmt& s = db->prepare("SELECT root, path, mtime_ns FROM photos WHERE id = ?");
                    s.bind(1, fresh);
                    if (s.step()) {
                        std::int64_t root = s.i64(0), mtime = s.i64(2);
                        std::string newPath = s.text(1);
                        s.reset();
                        db->prepare("DELETE FROM photos WHERE id = ?").bind(1, fresh).exec();
                        db->prepare("UPDATE photos SET root = ?, path = ?, mtime_ns = ?, updated = ? WHERE id = ?")
                            .bind(1, root).bindBlob(2, newPath).bind(3, mtime).bind(4, nowSeconds()).bind(5, e.id).exec();
                        moved = true;
                        ++report.moved;
                        --report.added;
                    } else {
                        s.reset();
                    }
                }
            }
            if (!moved) {
                db->prepare("DELETE FROM photos WHERE id = ?").bind(1, e.id).exec();
                staleLabels.push_back(e.id);
                ++report.removed;
            }
        }
        t.commit();
    }
    // Indexes already open drop those vectors now (the others on their next open, by the check).
    if (!staleLabels.empty()) {
        std::lock_guard<std::mutex> g(indexMu);
        for (auto& [id, idx] : indexes) idx->remove(staleLabels);
    }
    report_progress(examined);
    report.seconds = secondsSince(start);
    return report;
}

// --- index --------------------------------------------------------------------------------

IndexReport Library::index(train::Embedder& embedder, const IndexOptions& options, const ProgressFn& progress,
                           const CancelFlag* cancel) {
    d->requireWritable("index");
    std::lock_guard<std::mutex> job(d->jobMu);
    return d->doIndex(embedder, options, progress, cancel);
}

IndexReport Library::Impl::doIndex(train::Embedder& embedder, const IndexOptions& options, const ProgressFn& progress,
                                   const CancelFlag* cancel) {
    const auto start = Clock::now();
    IndexReport report;
    const std::string modelId = embedder.modelId();
    const int dim = embedder.dim();
    if (modelId.empty()) throw Error("index: the model has an empty model id");
    if (dim <= 0) throw Error("index: the model reports dimension " + std::to_string(dim));
    const int batchSize = std::max(1, options.batchSize);

    // Register the model.
    std::int64_t modelRowId;
    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        auto row = modelRow(modelId);
        if (row && row->dim != dim)
            throw Error("model '" + modelId + "' was indexed with dimension " + std::to_string(row->dim) +
                        " but now reports " + std::to_string(dim) + "; remove the model from the library first");
        if (!row) {
            db->prepare("INSERT INTO models(model_id, name, bundle_path, dim, created) VALUES(?, ?, ?, ?, ?)")
                .bindText(1, modelId).bindText(2, options.modelName).bindText(3, options.bundlePath).bind(4, dim)
                .bind(5, nowSeconds()).exec();
            modelRowId = db->lastInsertId();
        } else {
            modelRowId = row->id;
            if (!options.bundlePath.empty())
                db->prepare("UPDATE models SET bundle_path = ? WHERE id = ?").bindText(1, options.bundlePath).bind(2, modelRowId).exec();
            if (!options.modelName.empty())
                db->prepare("UPDATE models SET name = ? WHERE id = ?").bindText(1, options.modelName).bind(2, modelRowId).exec();
        }
        if (setting("active_model").empty()) {
            setSetting("active_model", modelId);
            report.activated = true;
        }
    }
    auto idx = indexFor(modelId);  // runs the consistency check before the work list is made

    // Work list.
    struct Todo {
        PhotoId id;
        std::string path;
    };
    std::vector<Todo> todo;
    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare(
            "SELECT p.id, p.path FROM photos p WHERE (p.status = 'ok' OR (? AND p.status = 'error' AND "
            "p.error_stage IN ('decode', 'embed'))) AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.photo = p.id AND e.model = ?) ORDER BY p.id");
        s.bind(1, options.retryErrors ? 1 : 0).bind(2, modelRowId);
        while (s.step()) todo.push_back({s.i64(0), s.text(1)});
        s.reset();
    }
    const std::size_t total = todo.size();

    // Decoders -> bounded queue -> batches.
    struct Item {
        PhotoId id;
        vision::Image image;
        std::string error;  // non-empty: decoding failed
    };
    std::mutex qMu;
    std::condition_variable notEmpty, notFull;
    std::deque<Item> queue;
    const std::size_t queueCap = options.queueSize > 0 ? static_cast<std::size_t>(options.queueSize) : 2 * batchSize;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::size_t producersLeft = 0;
    int threads = options.decodeThreads > 0 ? options.decodeThreads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), std::max<std::size_t>(1, total)));
    DecodeSettings decodeSettings{embedder.imageSize(), static_cast<std::int64_t>(options.maxPixels)};

    std::vector<std::thread> pool;
    auto stopAll = [&]() {
        stop = true;
        notFull.notify_all();
        notEmpty.notify_all();
        for (auto& t : pool)
            if (t.joinable()) t.join();
        pool.clear();
    };
    struct Joiner {
        std::function<void()> f;
        ~Joiner() { f(); }
    } joiner{stopAll};

    if (total > 0) {
        producersLeft = static_cast<std::size_t>(threads);
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                for (std::size_t i = next++; i < total && !stop; i = next++) {
                    Item item{todo[i].id, {}, {}};
                    try {
                        item.image = decodeForEmbedding(todo[i].path, decodeSettings);
                    } catch (const std::exception& e) {
                        item.error = e.what();
                        if (item.error.empty()) item.error = "decoding failed";
                    }
                    std::unique_lock<std::mutex> l(qMu);
                    notFull.wait(l, [&] { return queue.size() < queueCap || stop; });
                    if (stop) break;
                    queue.push_back(std::move(item));
                    notEmpty.notify_one();
                }
                std::lock_guard<std::mutex> l(qMu);
                --producersLeft;
                notEmpty.notify_all();
            });
        }
    }

    std::vector<PhotoId> batchIds;
    std::vector<vision::Image> batchImages;
    std::vector<std::pair<PhotoId, std::pair<std::string, std::string>>> failures;  // id -> (stage, message)
    std::size_t done = 0;
    auto lastSnapshot = Clock::now();

    auto flush = [&]() {
        std::vector<float> vecs;
        std::vector<bool> rowOk;
        if (!batchImages.empty()) {
            vecs = embedder.encodeImages(batchImages);
            if (vecs.size() != batchImages.size() * static_cast<std::size_t>(dim))
                throw Error("index: the model returned " + std::to_string(vecs.size()) + " numbers for " +
                            std::to_string(batchImages.size()) + " images of dimension " + std::to_string(dim));
            normaliseRows(vecs.data(), batchIds.size(), dim, &rowOk);
        }
        std::vector<std::int64_t> labels;
        std::vector<float> good;
        for (std::size_t i = 0; i < batchIds.size(); ++i) {
            if (!rowOk[i]) {
                failures.push_back({batchIds[i], {"embed", "the model gave a zero or non-finite vector"}});
                continue;
            }
            labels.push_back(batchIds[i]);
            good.insert(good.end(), vecs.begin() + static_cast<std::ptrdiff_t>(i * dim),
                        vecs.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
        }
        // 1. vectors reach the disk (journal, fsync'ed); 2. the catalog says so, in one transaction.
        if (!labels.empty()) idx->add(labels, good.data());
        {
            std::lock_guard<std::recursive_mutex> g(dbMu);
            Transaction tx(*db);
            for (auto label : labels)
                db->prepare("INSERT OR REPLACE INTO embeddings(photo, model, label, hash, embedded) "
                            "VALUES(?, ?, ?, (SELECT hash FROM photos WHERE id = ?), ?)")
                    .bind(1, label).bind(2, modelRowId).bind(3, label).bind(4, label).bind(5, nowSeconds()).exec();
            for (const auto& [id, why] : failures)
                db->prepare("UPDATE photos SET status = 'error', error_stage = ?, error = ?, updated = ? WHERE id = ?")
                    .bindText(1, why.first).bindText(2, why.second).bind(3, nowSeconds()).bind(4, id).exec();
            tx.commit();
        }
        report.embedded += labels.size();
        report.failed += failures.size();
        done += labels.size() + failures.size();
        batchIds.clear();
        batchImages.clear();
        failures.clear();
        if (secondsSince(lastSnapshot) >= options.snapshotSeconds) {
            idx->snapshot();
            lastSnapshot = Clock::now();
        }
        if (progress) {
            Progress p;
            p.stage = "index";
            p.done = done;
            p.total = total;
            double el = secondsSince(start);
            p.itemsPerSecond = el > 0 ? static_cast<double>(done) / el : 0.0;
            p.etaSeconds = p.itemsPerSecond > 0 ? static_cast<double>(total - done) / p.itemsPerSecond : -1.0;
            p.message = std::to_string(report.embedded) + " embedded, " + std::to_string(report.failed) + " failed";
            progress(p);
        }
    };

    bool cancelled = false;
    while (total > 0) {
        if (cancel && cancel->load()) {
            cancelled = true;
            break;
        }
        Item item;
        bool have = false, finished = false;
        {
            std::unique_lock<std::mutex> l(qMu);
            notEmpty.wait_for(l, std::chrono::milliseconds(100), [&] { return !queue.empty() || producersLeft == 0; });
            if (!queue.empty()) {
                item = std::move(queue.front());
                queue.pop_front();
                have = true;
                notFull.notify_one();
            } else if (producersLeft == 0) {
                finished = true;
            }
        }
        if (have) {
            if (!item.error.empty()) {
                failures.push_back({item.id, {"decode", item.error}});
            } else {
                batchIds.push_back(item.id);
                batchImages.push_back(std::move(item.image));
            }
            if (static_cast<int>(batchIds.size()) >= batchSize || failures.size() >= static_cast<std::size_t>(batchSize)) flush();
        }
        if (finished) break;
    }
    stopAll();
    if (!batchIds.empty() || !failures.empty()) flush();
    if (idx->journalBytes() > 12) idx->snapshot();

    {
        std::lock_guard<std::recursive_mutex> g(dbMu);
        Stmt& s = db->prepare(
            "SELECT count(*) FROM photos p WHERE p.status = 'ok' AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.photo = p.id AND e.model = ?)");
        s.bind(1, modelRowId);
        report.remaining = s.step() ? static_cast<std::size_t>(s.i64(0)) : 0;
        s.reset();
        report.complete = report.remaining == 0;
        if (report.complete && options.makeActive && setting("active_model") != modelId) {
            setSetting("active_model", modelId);
            report.activated = true;
        }
    }
    report.seconds = secondsSince(start);
    report.photosPerSecond = report.seconds > 0 ? static_cast<double>(report.embedded) / report.seconds : 0.0;
    if (cancelled) throw Cancelled();
    return report;
}

// --- search -------------------------------------------------------------------------------

std::vector<SearchResult> Library::search(train::Embedder& embedder, const std::string& query,
                                          const SearchOptions& options) {
    if (trimCaption(query).empty()) throw Error("search: the query is empty");
    std::vector<float> v = embedder.encodeTexts({query});
    if (v.size() != static_cast<std::size_t>(embedder.dim()))
        throw Error("search: the model returned " + std::to_string(v.size()) + " numbers for one text of dimension " +
                    std::to_string(embedder.dim()));
    return searchVector(embedder.modelId(), v, options);
}

std::vector<SearchResult> Library::searchVector(const std::string& modelId, const std::vector<float>& query,
                                                const SearchOptions& options) {
    auto row = d->modelRow(modelId);
    if (!row)
        throw Error("library " + d->folder + " has no vectors from model '" + modelId +
                    "'; index the library with this model first (lowclip-cli index)");
    if (static_cast<int>(query.size()) != row->dim)
        throw Error("search: query has " + std::to_string(query.size()) + " numbers, model '" + modelId + "' has dimension " +
                    std::to_string(row->dim));
    return d->runSearch(modelId, query.data(), options, 0);
}

std::vector<SearchResult> Library::similar(PhotoId photoId, const SearchOptions& options, const std::string& modelIdIn) {
    std::string modelId = modelIdIn.empty() ? d->setting("active_model") : modelIdIn;
    if (modelId.empty()) throw Error("similar: the library has no active model yet; index it first");
    auto row = d->modelRow(modelId);
    if (!row) throw Error("similar: the library has no vectors from model '" + modelId + "'");
    auto idx = d->indexFor(modelId);
    std::int64_t label = -1;
    {
        std::lock_guard<std::recursive_mutex> g(d->dbMu);
        Stmt& s = d->db->prepare("SELECT label FROM embeddings WHERE photo = ? AND model = ?");
        s.bind(1, photoId).bind(2, row->id);
        if (s.step()) label = s.i64(0);
        s.reset();
    }
    if (label < 0) {
        if (!photo(photoId)) throw Error("similar: no photo with id " + std::to_string(photoId));
        throw Error("similar: photo " + std::to_string(photoId) + " has no vector from model '" + modelId +
                    "' yet; index the library first");
    }
    std::vector<float> v = idx->vector(label);
    if (v.empty()) throw Error("similar: the vector of photo " + std::to_string(photoId) + " is missing from the index; index the library again");
    return d->runSearch(modelId, v.data(), options, photoId);
}

// --- photos, status, errors ---------------------------------------------------------------

std::optional<PhotoInfo> Library::photo(PhotoId id) const {
    return d->photoWhere("p.id = ?", [&](Stmt& s) { s.bind(1, id); });
}

std::optional<PhotoInfo> Library::photoByPath(const std::string& path) const {
    return d->photoWhere("p.path = ?", [&](Stmt& s) { s.bindBlob(1, path); });
}

std::vector<PhotoInfo> Library::photos(std::size_t offset, std::size_t limit) const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare(std::string("SELECT ") + kPhotoColumns + " FROM photos p ORDER BY p.id LIMIT ? OFFSET ?");
    s.bind(1, limit > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(limit));
    s.bind(2, static_cast<std::int64_t>(offset));
    std::vector<PhotoInfo> out;
    while (s.step()) out.push_back(readPhoto(s));
    s.reset();
    return out;
}

std::size_t Library::photoCount() const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    return static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM photos"));
}

Status Library::status() const {
    Status st;
    st.folder = d->folder;
    st.readOnly = d->readOnly;
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    st.schemaVersion = static_cast<int>(d->db->scalar("PRAGMA user_version"));
    st.roots = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM roots"));
    st.photos = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM photos"));
    st.photosWithErrors = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM photos WHERE status = 'error'"));
    st.captions = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM captions"));
    st.feedback = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM feedback"));
    st.thumbnails = static_cast<std::size_t>(d->db->scalar("SELECT count(*) FROM thumbnails"));
    st.models = d->listModels();
    for (const auto& m : st.models)
        if (m.active) st.activeModel = m;
    for (const char* f : {"catalog.sqlite", "catalog.sqlite-wal"}) st.catalogBytes += std::max<std::int64_t>(0, fileSize(joinPath(d->folder, f)));
    for (const auto& m : st.models)
        for (const char* ext : {".hnsw", ".journal"})
            st.indexBytes += std::max<std::int64_t>(0, fileSize(d->indexBase(m.id) + ext));
    return st;
}

std::vector<ErrorRecord> Library::errors() const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare("SELECT id, path, error_stage, error FROM photos WHERE status = 'error' ORDER BY id");
    std::vector<ErrorRecord> out;
    while (s.step()) {
        ErrorRecord e;
        e.photo = s.i64(0);
        e.path = s.text(1);
        e.displayPath = displayPath(e.path);
        e.stage = s.text(2);
        e.message = s.text(3);
        out.push_back(std::move(e));
    }
    s.reset();
    return out;
}

// --- models -------------------------------------------------------------------------------

std::vector<ModelInfo> Library::models() const { return d->listModels(); }

std::optional<ModelInfo> Library::activeModel() const {
    for (auto& m : d->listModels())
        if (m.active) return m;
    return std::nullopt;
}

void Library::setActiveModel(const std::string& modelId) {
    d->requireWritable("change the active model");
    if (!d->modelRow(modelId)) throw Error("library has no model '" + modelId + "'");
    d->setSetting("active_model", modelId);
}

IndexCheck Library::rebuildIndex(const std::string& modelId) {
    d->requireWritable("rebuild an index");
    std::lock_guard<std::mutex> job(d->jobMu);
    auto idx = d->indexFor(modelId);  // consistency check first
    idx->compact();
    IndexCheck c;
    {
        std::lock_guard<std::mutex> g(d->indexMu);
        for (const auto& ch : d->checks)
            if (ch.modelId == modelId) c = ch;
    }
    c.vectors = idx->size();
    return c;
}

std::vector<IndexCheck> Library::indexChecks() const {
    std::lock_guard<std::mutex> g(d->indexMu);
    return d->checks;
}

void Library::removeModel(const std::string& modelId) {
    d->requireWritable("remove a model");
    std::lock_guard<std::mutex> job(d->jobMu);
    auto row = d->modelRow(modelId);
    if (!row) throw Error("library has no model '" + modelId + "'");
    {
        std::lock_guard<std::mutex> g(d->indexMu);
        d->indexes.erase(modelId);
    }
    {
        std::lock_guard<std::recursive_mutex> g(d->dbMu);
        Transaction tx(*d->db);
        d->db->prepare("DELETE FROM models WHERE id = ?").bind(1, row->id).exec();
        if (d->setting("active_model") == modelId) d->db->prepare("DELETE FROM settings WHERE key = 'active_model'").exec();
        tx.commit();
    }
    for (const char* ext : {".hnsw", ".journal"}) ::unlink((d->indexBase(row->id) + ext).c_str());
}

// --- captions -----------------------------------------------------------------------------

std::int64_t Library::addCaption(PhotoId photoId, const std::string& textIn, const std::string& source) {
    d->requireWritable("add a caption");
    std::string text = trimCaption(textIn);
    if (text.empty()) throw Error("caption is empty");
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    if (!photo(photoId)) throw Error("no photo with id " + std::to_string(photoId));
    d->db->prepare("INSERT INTO captions(photo, text, source, created, updated) VALUES(?, ?, ?, ?, ?)")
        .bind(1, photoId).bindText(2, text).bindText(3, source).bind(4, nowSeconds()).bind(5, nowSeconds()).exec();
    return d->db->lastInsertId();
}

void Library::editCaption(std::int64_t captionId, const std::string& textIn) {
    d->requireWritable("edit a caption");
    std::string text = trimCaption(textIn);
    if (text.empty()) throw Error("caption is empty; delete it instead");
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    d->db->prepare("UPDATE captions SET text = ?, updated = ? WHERE id = ?").bindText(1, text).bind(2, nowSeconds()).bind(3, captionId).exec();
    if (d->db->changes() == 0) throw Error("no caption with id " + std::to_string(captionId));
}

void Library::deleteCaption(std::int64_t captionId) {
    d->requireWritable("delete a caption");
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    d->db->prepare("DELETE FROM captions WHERE id = ?").bind(1, captionId).exec();
    if (d->db->changes() == 0) throw Error("no caption with id " + std::to_string(captionId));
}

std::vector<Caption> Library::captions(PhotoId photoId) const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare("SELECT id, photo, text, source, created, updated FROM captions WHERE photo = ? ORDER BY id");
    s.bind(1, photoId);
    std::vector<Caption> out;
    while (s.step()) out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3), s.i64(4), s.i64(5)});
    s.reset();
    return out;
}

std::vector<TrainingPair> Library::allCaptions() const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare(
        "SELECT c.photo, p.path, c.text FROM captions c JOIN photos p ON p.id = c.photo WHERE p.status = 'ok' ORDER BY c.id");
    std::vector<TrainingPair> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2)});
    s.reset();
    return out;
}

TsvImportReport Library::importCaptionsTsv(const std::string& tsvPath, const std::string& source) {
    d->requireWritable("import captions");
    std::ifstream in(tsvPath, std::ios::binary);
    if (!in) throw Error("cannot open caption file " + tsvPath);
    TsvImportReport rep;
    auto rootList = roots();
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Transaction tx(*d->db);
    std::string line;
    std::size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (lineNo == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
        if (trimCaption(line).empty() || line[0] == '#') continue;
        auto tab = line.find('\t');
        if (tab == std::string::npos) {
            rep.unmatched.push_back("line " + std::to_string(lineNo) + ": no TAB between path and caption");
            continue;
        }
        std::string path = tsvUnescape(line.substr(0, tab));
        std::string text = trimCaption(tsvUnescape(line.substr(tab + 1)));
        if (text.empty()) {
            rep.unmatched.push_back("line " + std::to_string(lineNo) + ": empty caption");
            continue;
        }
        std::optional<PhotoInfo> p;
        if (!path.empty() && path[0] == '/') {
            p = photoByPath(path);
        } else {
            for (const auto& r : rootList)
                if ((p = photoByPath(absolutePath(joinPath(r.path, path))))) break;
        }
        if (!p) {
            rep.unmatched.push_back("line " + std::to_string(lineNo) + ": " + displayPath(path));
            continue;
        }
        Stmt& s = d->db->prepare("SELECT 1 FROM captions WHERE photo = ? AND text = ?");
        s.bind(1, p->id).bindText(2, text);
        bool dup = s.step();
        s.reset();
        if (dup) {
            ++rep.duplicates;
            continue;
        }
        d->db->prepare("INSERT INTO captions(photo, text, source, created, updated) VALUES(?, ?, ?, ?, ?)")
            .bind(1, p->id).bindText(2, text).bindText(3, source).bind(4, nowSeconds()).bind(5, nowSeconds()).exec();
        ++rep.imported;
    }
    tx.commit();
    return rep;
}

std::size_t Library::exportCaptionsTsv(const std::string& tsvPath) const {
    std::string out;
    std::size_t n = 0;
    {
        std::lock_guard<std::recursive_mutex> g(d->dbMu);
        Stmt& s = d->db->prepare("SELECT p.path, c.text FROM captions c JOIN photos p ON p.id = c.photo ORDER BY c.id");
        while (s.step()) {
            out += tsvEscape(s.text(0)) + "\t" + tsvEscape(s.text(1)) + "\n";
            ++n;
        }
        s.reset();
    }
    writeFileAtomically(tsvPath, out);
    return n;
}

// --- feedback -----------------------------------------------------------------------------

std::int64_t Library::addFeedback(const std::string& query, PhotoId photoId, bool relevant, const std::string& modelIdIn) {
    d->requireWritable("record feedback");
    if (trimCaption(query).empty()) throw Error("feedback: the query is empty");
    std::string modelId = modelIdIn.empty() ? d->setting("active_model") : modelIdIn;
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    if (!photo(photoId)) throw Error("no photo with id " + std::to_string(photoId));
    d->db->prepare("INSERT INTO feedback(query, photo, relevant, model, created) VALUES(?, ?, ?, ?, ?)")
        .bindText(1, query).bind(2, photoId).bind(3, relevant ? 1 : 0).bindText(4, modelId).bind(5, nowSeconds()).exec();
    return d->db->lastInsertId();
}

std::vector<Feedback> Library::feedback() const {
    std::lock_guard<std::recursive_mutex> g(d->dbMu);
    Stmt& s = d->db->prepare("SELECT id, query, photo, relevant, model, created FROM feedback ORDER BY id");
    std::vector<Feedback> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.i64(2), s.i64(3) != 0, s.text(4), s.i64(5)});
    s.reset();
    return out;
}

// --- thumbnails ---------------------------------------------------------------------------

std::vector<std::uint8_t> Library::thumbnail(PhotoId photoId, int size) {
    if (size < 16 || size > 4096) throw Error("thumbnail: size must be 16..4096, got " + std::to_string(size));
    auto p = photo(photoId);
    if (!p) throw Error("no photo with id " + std::to_string(photoId));
    {
        std::lock_guard<std::recursive_mutex> g(d->dbMu);
        Stmt& s = d->db->prepare("SELECT jpeg FROM thumbnails WHERE photo = ? AND size = ?");
        s.bind(1, photoId).bind(2, size);
        if (s.step()) {
            auto bytes = s.bytes(0);
            s.reset();
            return bytes;
        }
        s.reset();
    }
    std::vector<std::uint8_t> jpeg = makeThumbnailJpeg(p->path, size);
    if (!d->readOnly) {
        std::lock_guard<std::recursive_mutex> g(d->dbMu);
        d->db->prepare("INSERT OR REPLACE INTO thumbnails(photo, size, jpeg, created) VALUES(?, ?, ?, ?)")
            .bind(1, photoId).bind(2, size).bindBlob(3, jpeg.data(), jpeg.size()).bind(4, nowSeconds()).exec();
    }
    return jpeg;
}

}  // namespace lowclip::library
