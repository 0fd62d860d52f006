#include "core/library/sqlite_db.h"

#include <sqlite3.h>

#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"
#include "core/util/fault_injection.h"

namespace lowclip::library {

namespace {

// --- the fault-injecting VFS (tests only: see core/util/fault_injection.h) ------------------
// A shim over the default VFS whose files pass xWrite, xTruncate and xSync, and whose xDelete,
// through util::faultPoint(). Every other method goes straight to the default VFS.

struct FaultFile {
    sqlite3_file base;   // methods: kFaultIo
    sqlite3_file* real;  // the default VFS's file, allocated right after this struct
};

sqlite3_vfs* defaultVfs() { return static_cast<sqlite3_vfs*>(sqlite3_vfs_find(nullptr)); }
sqlite3_file* realOf(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

int ffClose(sqlite3_file* f) { return realOf(f)->pMethods->xClose(realOf(f)); }
int ffRead(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return realOf(f)->pMethods->xRead(realOf(f), b, n, o); }
int ffWrite(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    if (util::faultPoint(util::FaultKind::Write)) return SQLITE_IOERR_WRITE;
    return realOf(f)->pMethods->xWrite(realOf(f), b, n, o);
}
int ffTruncate(sqlite3_file* f, sqlite3_int64 size) {
    if (util::faultPoint(util::FaultKind::Write)) return SQLITE_IOERR_TRUNCATE;
    return realOf(f)->pMethods->xTruncate(realOf(f), size);
}
int ffSync(sqlite3_file* f, int flags) {
    if (util::faultPoint(util::FaultKind::Sync)) return SQLITE_IOERR_FSYNC;
    return realOf(f)->pMethods->xSync(realOf(f), flags);
}
int ffFileSize(sqlite3_file* f, sqlite3_int64* size) { return realOf(f)->pMethods->xFileSize(realOf(f), size); }
int ffLock(sqlite3_file* f, int l) { return realOf(f)->pMethods->xLock(realOf(f), l); }
int ffUnlock(sqlite3_file* f, int l) { return realOf(f)->pMethods->xUnlock(realOf(f), l); }
int ffCheckReserved(sqlite3_file* f, int* out) { return realOf(f)->pMethods->xCheckReservedLock(realOf(f), out); }
int ffFileControl(sqlite3_file* f, int op, void* arg) { return realOf(f)->pMethods->xFileControl(realOf(f), op, arg); }
int ffSectorSize(sqlite3_file* f) { return realOf(f)->pMethods->xSectorSize(realOf(f)); }
int ffDeviceCharacteristics(sqlite3_file* f) { return realOf(f)->pMethods->xDeviceCharacteristics(realOf(f)); }
int ffShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return realOf(f)->pMethods->xShmMap(realOf(f), region, size, extend, out);
}
int ffShmLock(sqlite3_file* f, int offset, int n, int flags) { return realOf(f)->pMethods->xShmLock(realOf(f), offset, n, flags); }
void ffShmBarrier(sqlite3_file* f) { realOf(f)->pMethods->xShmBarrier(realOf(f)); }
int ffShmUnmap(sqlite3_file* f, int deleteFlag) { return realOf(f)->pMethods->xShmUnmap(realOf(f), deleteFlag); }
int ffFetch(sqlite3_file* f, sqlite3_int64 o, int n, void** out) { return realOf(f)->pMethods->xFetch(realOf(f), o, n, out); }
int ffUnfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return realOf(f)->pMethods->xUnfetch(realOf(f), o, p); }

const sqlite3_io_methods kFaultIo = {3,           ffClose,     ffRead,      ffWrite,    ffTruncate,   ffSync,
                                     ffFileSize,  ffLock,      ffUnlock,    ffCheckReserved, ffFileControl, ffSectorSize,
                                     ffDeviceCharacteristics, ffShmMap, ffShmLock, ffShmBarrier, ffShmUnmap, ffFetch,
                                     ffUnfetch};

int fvOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* outFlags) {
    auto* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
    auto* ff = reinterpret_cast<FaultFile*>(file);
    ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
    ff->base.pMethods = nullptr;
    int rc = real->xOpen(real, name, ff->real, flags, outFlags);
    // The default VFS's files have at most version 3 of the methods; ours forward the same set.
    if (ff->real->pMethods) ff->base.pMethods = &kFaultIo;
    return rc;
}

int fvDelete(sqlite3_vfs* vfs, const char* name, int syncDir) {
    if (util::faultPoint(util::FaultKind::Rename)) return SQLITE_IOERR_DELETE;
    auto* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
    return real->xDelete(real, name, syncDir);
}

// Registered once, never the default; its name is what Db passes to sqlite3_open_v2 while armed.
const char* faultVfsName() {
    static sqlite3_vfs vfs;
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] {
        sqlite3_vfs* real = defaultVfs();
        if (!real) return;
        vfs = *real;
        vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + real->szOsFile;
        vfs.pNext = nullptr;
        vfs.zName = "lowclip-fault";
        vfs.pAppData = real;
        vfs.xOpen = fvOpen;
        vfs.xDelete = fvDelete;
        ok = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
    });
    return ok ? vfs.zName : nullptr;
}
// What a failed SQLite call means to the user. A full or failing disk, a read-only file and a
// damaged catalog are said in plain words with the catalog's path (the SQL stays in the details);
// anything else is a defect and keeps SQLite's own text.
Error catalogError(const std::string& path, int rc, const std::string& sqliteText, const std::string& sql) {
    const int base = rc & 0xFF;
    std::map<std::string, std::string> details{{"path", path}, {"reason", sqliteText}, {"sqlite_code", std::to_string(rc)}};
    if (!sql.empty()) details["sql"] = sql.substr(0, 200);
    switch (base) {
        case SQLITE_FULL:
            return Error(ErrorCode::Io, "cannot write the library catalog " + path + ": the disk is full", details);
        case SQLITE_IOERR:
            return Error(ErrorCode::Io,
                         "cannot read or write the library catalog " + path +
                             ": the disk reported an input/output error (is it full, removed or failing?)",
                         details);
        case SQLITE_READONLY:
            return Error(ErrorCode::Io, "cannot write the library catalog " + path + ": the file or its folder is read-only",
                         details);
        case SQLITE_CANTOPEN:
            return Error(ErrorCode::Io, "cannot open the library catalog " + path, details);
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Error(ErrorCode::InvalidFile, "the library catalog " + path + " is damaged (" + sqliteText + ")", details);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Error(ErrorCode::Io, "the library catalog " + path + " is busy: another program keeps it locked", details);
        default:
            return Error(ErrorCode::Internal,
                         "library catalog " + path + ": " + sqliteText + " (SQLite code " + std::to_string(rc) + ")" +
                             (sql.empty() ? "" : " in \"" + sql.substr(0, 200) + "\""),
                         details);
    }
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, const std::string& sql) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw catalogError(path, rc, msg, sql);
}
}  // namespace

// --- Statement ----------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept : db_(other.db_), sql_(std::move(other.sql_)), s_(other.s_) {
    other.s_ = nullptr;
}

Statement::~Statement() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    db_->giveBack(sql_, s_);
}

void Statement::check(int rc, const char* what) const {
    if (rc != SQLITE_OK) fail(db_->handle(), rc, db_->path(), std::string(what) + ": " + sql_);
}

Statement& Statement::bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(s_, i, v), "bind");
    return *this;
}
Statement& Statement::bind(int i, double v) {
    check(sqlite3_bind_double(s_, i, v), "bind");
    return *this;
}
Statement& Statement::bindText(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
    return *this;
}
Statement& Statement::bindBlob(int i, const std::string& v) { return bindBlob(i, v.data(), v.size()); }
Statement& Statement::bindBlob(int i, const void* data, std::size_t size) {
    // A zero-length blob must still be a blob, not NULL.
    static const char empty = 0;
    check(sqlite3_bind_blob64(s_, i, size ? data : &empty, size, SQLITE_TRANSIENT), "bind");
    return *this;
}
Statement& Statement::bindNull(int i) {
    check(sqlite3_bind_null(s_, i), "bind");
    return *this;
}

int Statement::param(const char* name) const {
    int i = sqlite3_bind_parameter_index(s_, name);
    if (i == 0) throw Error(ErrorCode::Internal, std::string("library catalog: no parameter ") + name + " in \"" + sql_ + "\"");
    return i;
}

bool Statement::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = sqlite3_errmsg(db_->handle());
    sqlite3_reset(s_);
    throw catalogError(db_->path(), rc, msg, sql_);
}

void Statement::exec() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

bool Statement::isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
std::int64_t Statement::i64(int col) const { return sqlite3_column_int64(s_, col); }
double Statement::f64(int col) const { return sqlite3_column_double(s_, col); }
std::string Statement::text(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::vector<std::uint8_t> Statement::bytes(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

// --- Db -----------------------------------------------------------------------------------

Db::Db(const std::string& path, bool readOnly) : readOnly_(readOnly), path_(path) {
    int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // the owner serialises access itself
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, util::faultArmed() ? faultVfsName() : nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(ErrorCode::Io, "cannot open the library catalog " + path + ": " + msg,
                    {{"path", path}, {"reason", msg}, {"sqlite_code", std::to_string(rc)}});
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
}

Db::~Db() {
    for (auto& [sql, s] : idle_) sqlite3_finalize(s);
    sqlite3_close(db_);
}

void Db::exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw catalogError(path_, rc, msg, sql);
    }
}

Statement Db::prepare(const std::string& sql) {
    auto it = idle_.find(sql);
    if (it != idle_.end()) {
        sqlite3_stmt* s = it->second;
        idle_.erase(it);
        return Statement(this, sql, s);
    }
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, path_, sql);
    return Statement(this, sql, s);
}

void Db::giveBack(const std::string& sql, sqlite3_stmt* s) noexcept {
    try {
        if (idle_.emplace(sql, s).second) return;
    } catch (...) {
    }
    sqlite3_finalize(s);  // a second copy of a statement already cached, or no memory to cache it
}

std::int64_t Db::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

std::int64_t Db::scalar(const std::string& sql) {
    Statement s = prepare(sql);
    return s.step() ? s.i64(0) : 0;
}

// --- Transaction --------------------------------------------------------------------------

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}
void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace lowclip::library
