#include "core/library/scan_job.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/library/job_progress.h"
#include "core/library/scanner.h"

namespace lowclip::library {

namespace {

using Clock = std::chrono::steady_clock;

// A photo the catalog knew before this scan.
struct KnownFile {
    PhotoId id = 0;
    std::int64_t root = 0;
    std::string path;
    std::int64_t size = 0;
    std::int64_t mtimeNs = 0;
    std::optional<std::int64_t> hash;  // NULL when the file could not be read
    bool readError = false;            // the last scan could not read it: read it again
    bool seen = false;                 // found by this scan's walk
};

const RowMapper<KnownFile>& knownFileRow() {
    static const RowMapper<KnownFile> rows{
        {"id", &KnownFile::id},
        {"root", &KnownFile::root},
        {"path", &KnownFile::path},
        {"size", &KnownFile::size},
        {"mtime_ns", &KnownFile::mtimeNs},
        {"hash", &KnownFile::hash},
        {"status = 'error' AND error_stage = 'read'", &KnownFile::readError},
    };
    return rows;
}

struct RootPath {
    std::int64_t id = 0;
    std::string path;
};

// A file read by this scan that needs a catalog write.
struct Examined {
    std::int64_t root = 0;
    std::string path;
    FileContent content;
    KnownFile* known = nullptr;  // null: a new file
};

// The catalog's columns of a photo's content, bound by name.
constexpr const char* kInsertPhoto =
    "INSERT INTO photos(root, path, size, mtime_ns, hash, format, width, height, date_taken, camera_make, "
    "camera_model, latitude, longitude, status, error_stage, error, added, updated) "
    "VALUES(:root, :path, :size, :mtime_ns, :hash, :format, :width, :height, :date_taken, :camera_make, "
    ":camera_model, :latitude, :longitude, :status, :error_stage, :error, :now, :now)";
constexpr const char* kUpdatePhoto =
    "UPDATE photos SET root = :root, path = :path, size = :size, mtime_ns = :mtime_ns, hash = :hash, "
    "format = :format, width = :width, height = :height, date_taken = :date_taken, camera_make = :camera_make, "
    "camera_model = :camera_model, latitude = :latitude, longitude = :longitude, status = :status, "
    "error_stage = :error_stage, error = :error, added = :now, updated = :now WHERE id = :id";

// Binds what was read from a file; returns whether the photo is recorded as an error.
bool bindContent(Statement& s, std::int64_t root, const std::string& path, const FileContent& c) {
    std::string stage, error;
    if (c.result == FileContent::Result::Unreadable) {
        stage = "read";
        error = c.error;
    } else if (!c.formatError.empty()) {
        stage = "format";
        error = c.formatError;
    }
    const bool isError = !stage.empty();
    auto text = [&](const char* name, const std::string& v) {
        if (v.empty()) s.bindNull(s.param(name)); else s.bindText(s.param(name), v);
    };
    s.bind(s.param(":root"), root);
    s.bindBlob(s.param(":path"), path);
    s.bind(s.param(":size"), c.size);
    s.bind(s.param(":mtime_ns"), c.mtimeNs);
    if (c.result == FileContent::Result::Ok) s.bind(s.param(":hash"), static_cast<std::int64_t>(c.hash));
    else s.bindNull(s.param(":hash"));
    s.bindText(s.param(":format"), c.format);
    s.bind(s.param(":width"), c.width);
    s.bind(s.param(":height"), c.height);
    text(":date_taken", c.dateTaken);
    s.bindText(s.param(":camera_make"), c.cameraMake);
    s.bindText(s.param(":camera_model"), c.cameraModel);
    s.bindOpt(s.param(":latitude"), c.latitude);
    s.bindOpt(s.param(":longitude"), c.longitude);
    s.bindText(s.param(":status"), isError ? "error" : "ok");
    text(":error_stage", stage);
    text(":error", error);
    s.bind(s.param(":now"), nowSeconds());
    return isError;
}

class ScanJob {
public:
    ScanJob(Catalog& catalog, IndexRegistry& indexes, const ScanOptions& options, const ProgressFn& progress,
            const CancelFlag* cancel)
        : catalog_(catalog), indexes_(indexes), options_(options), progress_(progress), cancel_(cancel) {}

    ScanReport run() {
        loadCatalog();
        walk();
        examineAll();
        removeAndMatchMoves();
        indexes_.removeEverywhere(staleLabels_);  // open indexes drop them now, the others at their next open
        reportProgress();
        report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
        return report_;
    }

private:
    void loadCatalog() {
        catalog_.read([&](Db& db) {
            for (KnownFile& f : selectAll(db, knownFileRow(), "FROM photos", [](Statement&) {})) {
                std::string path = f.path;
                known_.emplace(std::move(path), std::move(f));
            }
            static const RowMapper<RootPath> rootRows{{"id", &RootPath::id}, {"path", &RootPath::path}};
            roots_ = selectAll(db, rootRows, "FROM roots ORDER BY id", [](Statement&) {});
            Statement ex = db.prepare("SELECT path FROM excluded");
            while (ex.step()) excluded_.insert(ex.text(0));
        });
    }

    // Every root's candidate files (stat calls only).
    void walk() {
        std::vector<std::string> exts = options_.extensions.empty() ? Library::defaultExtensions() : options_.extensions;
        for (auto& e : exts) {
            while (!e.empty() && e[0] == '.') e.erase(0, 1);
            for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        WalkState state;
        std::set<std::string> paths;  // one row per path, whatever the roots
        for (const auto& r : roots_) {
            bool online = walkRoot(r.path, options_, exts, state,
                                   [&](FoundFile&& f) {
                                       if (excluded_.count(f.path)) {
                                           ++report_.excluded;
                                           return;
                                       }
                                       if (paths.insert(f.path).second) found_.emplace_back(r.id, std::move(f));
                                   },
                                   cancel_);
            if (online)
                onlineRoots_.insert(r.id);
            else
                report_.offlineRoots.push_back(displayPath(r.path));
        }
        report_.filesSeen = found_.size();
    }

    // Reads new and changed files outside any lock; writes them in batches.
    void examineAll() {
        const std::size_t batchSize = std::max<std::size_t>(1, options_.batchSize);
        std::vector<Examined> batch;
        for (auto& [rootId, f] : found_) {
            if (cancel_ && cancel_->load()) {
                commit(batch);
                throw Cancelled();
            }
            if (options_.beforeFile) options_.beforeFile(f.path);
            ++examined_;
            auto it = known_.find(f.path);
            KnownFile* known = it == known_.end() ? nullptr : &it->second;
            if (known) known->seen = true;
            if (known && known->size == f.size && known->mtimeNs == f.mtimeNs && !known->readError) {
                ++report_.unchanged;
            } else {
                FileContent c = examine(f.path);
                if (c.result == FileContent::Result::Vanished) {
                    ++report_.vanished;
                    if (known) known->seen = false;  // gone now: handled with the deletions
                } else {
                    if (c.result == FileContent::Result::Ok) {
                        ++report_.filesRead;
                    } else {
                        c.size = f.size;
                        c.mtimeNs = f.mtimeNs;
                    }
                    batch.push_back({rootId, f.path, std::move(c), known});
                    if (batch.size() >= batchSize) commit(batch);
                }
            }
            if (examined_ % kScanProgressEvery == 0) reportProgress();
        }
        commit(batch);
    }

    // One file's content; whatever goes wrong is that file's error, never the scan's.
    FileContent examine(const std::string& path) const {
        try {
            return readFileContent(path, std::max<std::int64_t>(options_.maxFileBytes, 0));
        } catch (const std::bad_alloc&) {
            FileContent c;
            c.result = FileContent::Result::Unreadable;
            c.error = "not enough memory to read this file";
            return c;
        } catch (const std::exception& e) {
            FileContent c;
            c.result = FileContent::Result::Unreadable;
            c.error = std::string("cannot read the file: ") + e.what();
            return c;
        }
    }

    void commit(std::vector<Examined>& batch) {
        if (batch.empty()) return;
        catalog_.write([&](Db& db) {
            for (Examined& e : batch) write(db, e);
        });
        batch.clear();
    }

    void write(Db& db, Examined& e) {
        const FileContent& c = e.content;
        if (!e.known) {
            Statement s = db.prepare(kInsertPhoto);
            if (bindContent(s, e.root, e.path, c)) ++report_.errors;
            s.exec();
            if (c.result == FileContent::Result::Ok) addedThisScan_.push_back(db.lastInsertId());
            ++report_.added;
            return;
        }
        const KnownFile& k = *e.known;
        const bool sameContent = c.result == FileContent::Result::Ok && k.hash && *k.hash == static_cast<std::int64_t>(c.hash);
        if (sameContent && !k.readError) {
            // Touched but identical: refresh size and mtime only.
            db.prepare("UPDATE photos SET size = ?, mtime_ns = ?, updated = ? WHERE id = ?")
                .bind(1, c.size).bind(2, c.mtimeNs).bind(3, nowSeconds()).bind(4, k.id).exec();
            ++report_.unchanged;
            return;
        }
        Statement s = db.prepare(kUpdatePhoto);
        if (bindContent(s, k.root, e.path, c)) ++report_.errors;
        s.bind(s.param(":id"), k.id);
        s.exec();
        if (!sameContent) {
            // New content: the old vectors and thumbnails no longer describe it.
            staleLabels_.push_back(k.id);
            db.prepare("DELETE FROM embeddings WHERE photo = ?").bind(1, k.id).exec();
            db.prepare("DELETE FROM thumbnails WHERE photo = ?").bind(1, k.id).exec();
        }
        ++report_.changed;
    }

    // Photos not seen in an online root: moved (same content at a path added by this scan) or gone.
    // An unplugged drive's root is offline and keeps its photos.
    void removeAndMatchMoves() {
        catalog_.write([&](Db& db) {
            std::map<std::pair<std::int64_t, std::int64_t>, std::vector<PhotoId>> freshByContent;  // (hash, size) -> new ids
            for (PhotoId id : addedThisScan_) {
                Statement s = db.prepare("SELECT hash, size FROM photos WHERE id = ? AND hash IS NOT NULL");
                s.bind(1, id);
                if (s.step()) freshByContent[{s.i64(0), s.i64(1)}].push_back(id);
            }
            for (auto& [path, k] : known_) {
                if (k.seen || !onlineRoots_.count(k.root)) continue;
                if (k.hash) {
                    auto fit = freshByContent.find({*k.hash, k.size});
                    if (fit != freshByContent.end() && !fit->second.empty()) {
                        PhotoId fresh = fit->second.back();
                        fit->second.pop_back();
                        if (takeOverPath(db, k.id, fresh)) {
                            ++report_.moved;
                            --report_.added;
                            continue;
                        }
                    }
                }
                db.prepare("DELETE FROM photos WHERE id = ?").bind(1, k.id).exec();
                staleLabels_.push_back(k.id);
                ++report_.removed;
            }
        });
    }

    // The old row (with its captions and vectors) takes over the path of the row added for it.
    static bool takeOverPath(Db& db, PhotoId old, PhotoId fresh) {
        struct Place {
            std::int64_t root = 0;
            std::string path;
            std::int64_t mtimeNs = 0;
        };
        static const RowMapper<Place> rows{{"root", &Place::root}, {"path", &Place::path}, {"mtime_ns", &Place::mtimeNs}};
        std::optional<Place> p = selectOne(db, rows, "FROM photos WHERE id = ?", [&](Statement& s) { s.bind(1, fresh); });
        if (!p) return false;
        db.prepare("DELETE FROM photos WHERE id = ?").bind(1, fresh).exec();
        db.prepare("UPDATE photos SET root = ?, path = ?, mtime_ns = ?, updated = ? WHERE id = ?")
            .bind(1, p->root).bindBlob(2, p->path).bind(3, p->mtimeNs).bind(4, nowSeconds()).bind(5, old).exec();
        return true;
    }

    void reportProgress() {
        if (!progress_) return;
        progress_(jobProgress("scan", examined_, found_.size(), start_));
    }

    Catalog& catalog_;
    IndexRegistry& indexes_;
    const ScanOptions& options_;
    const ProgressFn& progress_;
    const CancelFlag* cancel_;
    const Clock::time_point start_ = Clock::now();

    ScanReport report_;
    std::unordered_map<std::string, KnownFile> known_;  // by path
    std::vector<RootPath> roots_;
    std::vector<std::pair<std::int64_t, FoundFile>> found_;  // (root id, file)
    std::set<std::int64_t> onlineRoots_;
    std::unordered_set<std::string> excluded_;  // paths removed from the library by the person
    std::size_t examined_ = 0;
    std::vector<PhotoId> addedThisScan_;
    std::vector<PhotoId> staleLabels_;  // photos whose vectors no longer apply (label = photo id)
};

}  // namespace

ScanReport runScan(Catalog& catalog, IndexRegistry& indexes, const ScanOptions& options, const ProgressFn& progress,
                   const CancelFlag* cancel) {
    return ScanJob(catalog, indexes, options, progress, cancel).run();
}

}  // namespace lowclip::library
