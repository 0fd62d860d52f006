#pragma once
// The catalog (catalog.sqlite): roots, photos and their metadata, captions, feedback, thumbnails,
// models and which photo each model embedded; who may use it when; and the row mappers and
// queries that more than one part of core/library needs. Internal to core/library.
//
// Locking. A read-write library has two connections to the one WAL database:
//   - the writer, behind its own mutex: every change goes through write(), one short
//     BEGIN IMMEDIATE ... COMMIT transaction; reads that decide a change are made inside it, on
//     the writer, so they see the transaction's own rows;
//   - the reader, behind another mutex: every plain query goes through read(). Under WAL a read
//     sees the last committed state and never waits for the writer's transaction, so searches
//     and listings go on while scan() or index() commit their batches.
// A read-only library has only the reader (opened SQLITE_OPEN_READONLY); write() refuses.
// Each mutex guards one connection only; neither is recursive, neither is ever held while the
// other is taken, and neither is held while files are read, images decoded or a model runs (jobs
// gather their work outside and commit it in batches). The callbacks given to read() and write()
// must not call back into the Catalog.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/library/library.h"
#include "core/library/sqlite_db.h"

namespace lowclip::library {

// A model's catalog row: `id` names its index files, `dim` its vectors.
struct ModelRow {
    std::int64_t id = 0;
    int dim = 0;
};

class Catalog {
public:
    // Opens `path`. Read-write: creates the file if needed and brings its schema up to date.
    // Read-only: checks that the schema is one this program reads and changes nothing.
    Catalog(const std::string& path, bool readOnly);
    ~Catalog();
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    bool readOnly() const { return !writer_; }
    const std::string& path() const { return path_; }

    // f(Db&) on the reader connection; returns what f returns.
    template <class F>
    auto read(F&& f) const -> decltype(f(std::declval<Db&>())) {
        std::lock_guard<std::mutex> g(readMu_);
        return f(*reader_);
    }

    // f(Db&) inside one transaction on the writer connection, committed when f returns and rolled
    // back when it throws; returns what f returns.
    template <class F>
    auto write(F&& f) -> decltype(f(std::declval<Db&>())) {
        using R = decltype(f(std::declval<Db&>()));
        std::lock_guard<std::mutex> g(writeMu_);
        requireWriter();
        Transaction tx(*writer_);
        if constexpr (std::is_void_v<R>) {
            f(*writer_);
            tx.commit();
        } else {
            R r = f(*writer_);
            tx.commit();
            return r;
        }
    }

    // Single reads, each through read().
    std::string setting(const std::string& key) const;
    std::optional<ModelRow> model(const std::string& modelId) const;
    std::optional<PhotoInfo> photo(PhotoId id) const;
    std::optional<PhotoInfo> photoByPath(const std::string& path) const;

private:
    void requireWriter() const;
    std::string path_;
    std::unique_ptr<Db> writer_;  // null when read-only
    std::unique_ptr<Db> reader_;
    mutable std::mutex writeMu_;
    mutable std::mutex readMu_;
};

// --- rows and queries shared by several parts (pass the Db that read() or write() hands out) ---

// Every column of a photo, from `photos` aliased `p`.
const RowMapper<PhotoInfo>& photoRow();
const RowMapper<Root>& rootRow();            // `online` is left false: the caller looks at the disk
const RowMapper<ModelInfo>& modelInfoRow();  // from `models` aliased `m`, with the counts
const RowMapper<Caption>& captionRow();
const RowMapper<TrainingPair>& trainingPairRow();  // captions c JOIN photos p
const RowMapper<Feedback>& feedbackRow();
const RowMapper<ErrorRecord>& errorRow();

std::string settingIn(Db& db, const std::string& key);  // "" when unset
void setSettingIn(Db& db, const std::string& key, const std::string& value);
std::optional<ModelRow> modelIn(Db& db, const std::string& modelId);
std::optional<PhotoInfo> photoIn(Db& db, PhotoId id);
std::optional<PhotoInfo> photoByPathIn(Db& db, const std::string& path);

// The catalog's timestamps (added, updated, created, embedded): unix seconds.
std::int64_t nowSeconds();

constexpr const char* kActiveModelKey = "active_model";  // settings: the model searches use by default

}  // namespace lowclip::library
