#include "core/library/sqlite_db.h"

#include <sqlite3.h>

#include "core/error.h"

namespace lowclip::library {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw Error("library catalog: " + what + ": " + msg + " (SQLite code " + std::to_string(rc) + ")");
}
}  // namespace

Stmt::~Stmt() { sqlite3_finalize(s_); }

void Stmt::check(int rc, const char* what) const {
    if (rc != SQLITE_OK) fail(db_, rc, std::string(what) + " in \"" + sqlite3_sql(s_) + "\"");
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(s_, i, v), "bind");
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    check(sqlite3_bind_double(s_, i, v), "bind");
    return *this;
}
Stmt& Stmt::bindText(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
    return *this;
}
Stmt& Stmt::bindBlob(int i, const std::string& v) { return bindBlob(i, v.data(), v.size()); }
Stmt& Stmt::bindBlob(int i, const void* data, std::size_t size) {
    // A zero-length blob must still be a blob, not NULL.
    static const char empty = 0;
    check(sqlite3_bind_blob64(s_, i, size ? data : &empty, size, SQLITE_TRANSIENT), "bind");
    return *this;
}
Stmt& Stmt::bindNull(int i) {
    check(sqlite3_bind_null(s_, i), "bind");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(s_);
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(s_);
    throw Error("library catalog: " + msg + " (SQLite code " + std::to_string(rc) + ") in \"" + sql + "\"");
}

void Stmt::exec() {
    while (step()) {
    }
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

bool Stmt::isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::f64(int col) const { return sqlite3_column_double(s_, col); }
std::string Stmt::text(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::vector<std::uint8_t> Stmt::bytes(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

Db::Db(const std::string& path, bool readOnly) : readOnly_(readOnly), path_(path) {
    int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // the Library serialises access itself
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error("cannot open library catalog " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
}

Db::~Db() {
    cache_.clear();
    sqlite3_close(db_);
}

void Db::exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw Error("library catalog: " + msg + " (SQLite code " + std::to_string(rc) + ") in \"" + sql.substr(0, 200) +
                    "\"");
    }
}

Stmt& Db::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
        it->second->reset();
        return *it->second;
    }
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "preparing \"" + sql + "\"");
    auto stmt = std::make_unique<Stmt>(db_, s);
    Stmt& ref = *stmt;
    cache_.emplace(sql, std::move(stmt));
    return ref;
}

std::int64_t Db::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

std::int64_t Db::scalar(const std::string& sql) {
    Stmt& s = prepare(sql);
    std::int64_t v = s.step() ? s.i64(0) : 0;
    s.reset();
    return v;
}

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
