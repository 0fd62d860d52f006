#pragma once
// A library scan: what the walk of the roots finds (scanner.h) against what the catalog knows.
// New files are added, changed ones re-read (their vectors and thumbnails dropped), moved ones
// keep their row (captions, vectors) under the new path, vanished ones are removed; the photos of
// roots that are offline stay. Files whose size and mtime are unchanged are not read. Internal to
// core/library.
//
// Files are read and hashed with no lock held; each batch of catalog rows is then written in one
// short transaction, so searches and other reads go on during a scan.
#include "core/library/catalog.h"
#include "core/library/index_registry.h"
#include "core/library/library.h"

namespace lowclip::library {

// Progress is reported every this many examined files (and once at the end).
constexpr std::size_t kScanProgressEvery = 256;

// Throws lowclip::Cancelled when `cancel` is set, after committing the files examined so far.
ScanReport runScan(Catalog& catalog, IndexRegistry& indexes, const ScanOptions& options, const ProgressFn& progress,
                   const CancelFlag* cancel);

}  // namespace lowclip::library
