#pragma once
// The catalog's schema and its migrations (PRAGMA user_version). Internal to core/library.
#include "core/library/sqlite_db.h"

namespace lowclip::library {

constexpr int kSchemaVersion = 2;

// Sets WAL, foreign keys and synchronous mode, then brings the schema to kSchemaVersion (one
// transaction per step). Throws lowclip::Error if the catalog is newer than this program.
void prepareCatalog(Db& db);
// For read-only connections: checks the version without changing anything.
void checkCatalogReadable(Db& db);

}  // namespace lowclip::library
