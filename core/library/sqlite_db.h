#pragma once
// A thin RAII layer over the SQLite3 C API for the catalog: a connection, cached prepared
// statements, transactions. Internal to core/library.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace lowclip::library {

class Stmt {
public:
    Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    // Binds are 1-based like SQLite's. Returns *this for chaining.
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, std::size_t v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, double v);
    Stmt& bindText(int i, const std::string& v);
    Stmt& bindBlob(int i, const std::string& v);
    Stmt& bindBlob(int i, const void* data, std::size_t size);
    Stmt& bindNull(int i);
    template <class T>
    Stmt& bindOpt(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bindNull(i); }

    bool step();     // true while a row is available
    void exec();     // steps to completion
    void reset();    // reset + clear bindings (done automatically by Db::prepare)

    bool isNull(int col) const;
    std::int64_t i64(int col) const;
    double f64(int col) const;
    std::string text(int col) const;  // also for BLOB columns
    std::vector<std::uint8_t> bytes(int col) const;

private:
    void check(int rc, const char* what) const;
    sqlite3* db_;
    sqlite3_stmt* s_;
};

class Db {
public:
    // Opens (readOnly: SQLITE_OPEN_READONLY; else read-write, creating the file).
    Db(const std::string& path, bool readOnly);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const std::string& sql);
    // A cached prepared statement, reset and ready for binding. Not reentrant for the same SQL.
    Stmt& prepare(const std::string& sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    std::int64_t scalar(const std::string& sql);  // first column of first row, 0 when none

    bool readOnly() const { return readOnly_; }
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    bool readOnly_;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed without commit().
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

}  // namespace lowclip::library
