#pragma once
// A thin RAII layer over the SQLite3 C API for the catalog: a connection, prepared statements that
// reset themselves, transactions, and row mappers that keep a SELECT's column list and the code
// that reads it in one place. Internal to core/library.
//
//   Statement s = db.prepare("SELECT " + photoRow().columns() + " FROM photos p WHERE p.id = ?");
//   s.bind(1, id);
//   if (s.step()) photo = photoRow().read(s);
//   // s resets and clears its bindings when it goes out of scope, however the scope is left
//
// A connection is not thread-safe (it is opened with SQLITE_OPEN_NOMUTEX): whoever owns it
// serialises its use (see Catalog).
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace lowclip::library {

class Db;

// A prepared statement borrowed from its connection's cache. Move-only; on destruction it is reset
// (ending any read it had open), its bindings are cleared and it goes back to the cache. It must
// not outlive its Db.
class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Positional binds are 1-based like SQLite's; named ones take ":name". Return *this for chaining.
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Statement& bind(int i, std::size_t v) { return bind(i, static_cast<std::int64_t>(v)); }
    Statement& bind(int i, double v);
    Statement& bindText(int i, const std::string& v);
    Statement& bindBlob(int i, const std::string& v);
    Statement& bindBlob(int i, const void* data, std::size_t size);
    Statement& bindNull(int i);
    template <class T>
    Statement& bindOpt(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bindNull(i); }
    // The index of a named parameter; throws when the SQL has no such parameter.
    int param(const char* name) const;

    bool step();  // true while a row is available
    void exec();  // steps to completion
    void reset();  // reset + clear bindings (done on destruction)

    bool isNull(int col) const;
    std::int64_t i64(int col) const;
    double f64(int col) const;
    std::string text(int col) const;  // also for BLOB columns
    std::vector<std::uint8_t> bytes(int col) const;

private:
    friend class Db;
    Statement(Db* db, std::string sql, sqlite3_stmt* s) : db_(db), sql_(std::move(sql)), s_(s) {}
    void check(int rc, const char* what) const;
    Db* db_;
    std::string sql_;
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
    // A prepared statement for `sql`, compiled once and then taken from the cache. Preparing the
    // same SQL again while the first is still alive gives a second, independent statement.
    Statement prepare(const std::string& sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    std::int64_t scalar(const std::string& sql);  // first column of first row, 0 when none

    bool readOnly() const { return readOnly_; }
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    friend class Statement;
    void giveBack(const std::string& sql, sqlite3_stmt* s) noexcept;
    sqlite3* db_ = nullptr;
    bool readOnly_;
    std::string path_;
    std::unordered_map<std::string, sqlite3_stmt*> idle_;  // cached statements not in use
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed without commit().
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

// How the columns of one SELECT land in a row type T: each column is the SQL expression selected
// and the code that stores it, declared together, so the SELECT list and the reader cannot drift
// apart and nothing is decoded by a bare position.
//
//   const RowMapper<Caption> rows{
//       {"id", &Caption::id}, {"photo", &Caption::photo}, {"text", &Caption::text}, ...};
//   db.prepare("SELECT " + rows.columns() + " FROM captions WHERE photo = ?")
template <class T>
class RowMapper {
public:
    using Reader = std::function<void(const Statement&, int col, T&)>;
    struct Column {
        std::string sql;
        Reader read;
        Column(std::string expr, Reader r) : sql(std::move(expr)), read(std::move(r)) {}
        // A member filled from the column as its type says (integers, floating point, text or
        // blob as std::string, optional<double> and optional<int64_t> for NULL-able ones, bool for 0/non-0).
        template <class F>
        Column(std::string expr, F T::*member) : sql(std::move(expr)), read([member](const Statement& s, int c, T& row) {
              readValue(s, c, row.*member);
          }) {}
    };

    RowMapper(std::initializer_list<Column> columns) : columns_(columns) {
        for (const auto& c : columns_) list_ += (list_.empty() ? "" : ", ") + c.sql;
    }
    // The comma-separated select list.
    const std::string& columns() const { return list_; }
    int width() const { return static_cast<int>(columns_.size()); }
    // The row at the statement's current step; its columns start at `first`.
    T read(const Statement& s, int first = 0) const {
        T row{};
        for (int i = 0; i < width(); ++i) columns_[static_cast<std::size_t>(i)].read(s, first + i, row);
        return row;
    }

    static void readValue(const Statement& s, int c, std::string& v) { v = s.text(c); }
    static void readValue(const Statement& s, int c, bool& v) { v = s.i64(c) != 0; }
    static void readValue(const Statement& s, int c, double& v) { v = s.f64(c); }
    static void readValue(const Statement& s, int c, std::optional<double>& v) {
        if (s.isNull(c)) v.reset(); else v = s.f64(c);
    }
    static void readValue(const Statement& s, int c, std::optional<std::int64_t>& v) {
        if (s.isNull(c)) v.reset(); else v = s.i64(c);
    }
    template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
    static void readValue(const Statement& s, int c, I& v) { v = static_cast<I>(s.i64(c)); }

private:
    std::vector<Column> columns_;
    std::string list_;
};

// Runs `sql` with `bind` applied and reads every row through `rows`.
template <class T, class Bind>
std::vector<T> selectAll(Db& db, const RowMapper<T>& rows, const std::string& sqlAfterColumns, Bind&& bind) {
    Statement s = db.prepare("SELECT " + rows.columns() + " " + sqlAfterColumns);
    bind(s);
    std::vector<T> out;
    while (s.step()) out.push_back(rows.read(s));
    return out;
}
// The first row, if any.
template <class T, class Bind>
std::optional<T> selectOne(Db& db, const RowMapper<T>& rows, const std::string& sqlAfterColumns, Bind&& bind) {
    Statement s = db.prepare("SELECT " + rows.columns() + " " + sqlAfterColumns);
    bind(s);
    if (!s.step()) return std::nullopt;
    return rows.read(s);
}

}  // namespace lowclip::library
