#include "core/library/catalog_schema.h"

#include <string>
#include <vector>

#include "core/error.h"

namespace lowclip::library {

namespace {

// migrations[i] brings the schema from version i to i + 1. Append only; never edit a shipped step.
const std::vector<const char*>& migrations() {
    static const std::vector<const char*> steps = {
        // 0 -> 1
        R"sql(
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE roots(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path BLOB NOT NULL UNIQUE,
  added INTEGER NOT NULL);
CREATE TABLE photos(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  root INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  path BLOB NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  hash INTEGER,
  format TEXT,
  width INTEGER,
  height INTEGER,
  date_taken TEXT,
  camera_make TEXT,
  camera_model TEXT,
  latitude REAL,
  longitude REAL,
  status TEXT NOT NULL DEFAULT 'ok' CHECK(status IN ('ok', 'error')),
  error_stage TEXT,
  error TEXT,
  added INTEGER NOT NULL,
  updated INTEGER NOT NULL);
CREATE INDEX photos_root ON photos(root);
CREATE INDEX photos_hash ON photos(hash, size);
CREATE INDEX photos_date ON photos(date_taken);
CREATE INDEX photos_status ON photos(status);
CREATE TABLE captions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  photo INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'user',
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL);
CREATE INDEX captions_photo ON captions(photo);
CREATE TABLE models(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  bundle_path TEXT NOT NULL DEFAULT '',
  dim INTEGER NOT NULL CHECK(dim > 0),
  created INTEGER NOT NULL);
CREATE TABLE embeddings(
  photo INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  model INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  label INTEGER NOT NULL,
  hash INTEGER,
  embedded INTEGER NOT NULL,
  PRIMARY KEY(photo, model),
  UNIQUE(model, label)) WITHOUT ROWID;
CREATE TABLE feedback(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  query TEXT NOT NULL,
  photo INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  relevant INTEGER NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL);
CREATE INDEX feedback_photo ON feedback(photo);
CREATE TABLE thumbnails(
  photo INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  jpeg BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY(photo, size)) WITHOUT ROWID;
)sql",
        // 1 -> 2: files the person removed from the library; scans pass them by.
        R"sql(
CREATE TABLE excluded(
  path BLOB PRIMARY KEY,
  root INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  added INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX excluded_root ON excluded(root);
)sql",
    };
    return steps;
}

int userVersion(Db& db) { return static_cast<int>(db.scalar("PRAGMA user_version")); }

}  // namespace

void prepareCatalog(Db& db) {
    db.exec("PRAGMA foreign_keys = ON");
    // WAL: readers in other processes never block the writer; a commit is atomic or absent.
    std::string mode;
    {
        Statement s = db.prepare("PRAGMA journal_mode = WAL");
        if (s.step()) mode = s.text(0);
    }
    if (mode != "wal") throw Error("library catalog " + db.path() + ": cannot switch to WAL mode (got '" + mode + "')");
    db.exec("PRAGMA synchronous = NORMAL");
    int version = userVersion(db);
    const auto& steps = migrations();
    if (version > static_cast<int>(steps.size()))
        throw Error("library catalog " + db.path() + " has schema version " + std::to_string(version) +
                    ", made by a newer LowCLIP; this version reads up to " + std::to_string(steps.size()) +
                    ". Update LowCLIP to open it.");
    for (int v = version; v < static_cast<int>(steps.size()); ++v) {
        Transaction tx(db);
        db.exec(steps[static_cast<std::size_t>(v)]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
        tx.commit();
    }
    if (db.scalar("PRAGMA foreign_keys") != 1) throw Error("library catalog: SQLite without foreign key support");
}

void checkCatalogReadable(Db& db) {
    int version = userVersion(db);
    if (version == 0) throw Error("library catalog " + db.path() + " is empty; open the library read-write once");
    if (version > kSchemaVersion)
        throw Error("library catalog " + db.path() + " has schema version " + std::to_string(version) +
                    ", made by a newer LowCLIP; this version reads up to " + std::to_string(kSchemaVersion));
    if (version < kSchemaVersion)
        throw Error("library catalog " + db.path() + " has the older schema version " + std::to_string(version) +
                    "; open it read-write once to upgrade it");
}

}  // namespace lowclip::library
