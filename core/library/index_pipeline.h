#pragma once
// The indexing pipeline: the photos without a vector from the model -> decode threads -> a bounded
// queue -> batches -> Embedder::encodeImages -> L2 norm -> the model's vector index (journal
// appended and fsync'ed) -> one catalog transaction per batch saying which photos are embedded
// and which failed. A crash between the two steps leaves vectors the catalog does not know (they
// are marked deleted by the next open's check), never catalog rows without vectors; the next run
// carries on with what is not committed. Internal to core/library.
//
// Threads: the decode threads only read files and decode; the calling thread runs the model and
// commits, and decodes the next photo itself whenever it would otherwise wait for one. No catalog
// lock is held while decoding or embedding.
#include <chrono>

#include "core/library/catalog.h"
#include "core/library/index_registry.h"
#include "core/library/library.h"

namespace lowclip::train {
class Embedder;
}

namespace lowclip::library {

// How often the calling thread looks at the cancellation flag while it waits for decoded images.
constexpr std::chrono::milliseconds kIndexCancelPoll{100};

// Throws lowclip::Cancelled when `cancel` is set, after committing the batches already embedded.
IndexReport runIndexing(Catalog& catalog, IndexRegistry& indexes, train::Embedder& embedder,
                        const IndexOptions& options, const ProgressFn& progress, const CancelFlag* cancel);

}  // namespace lowclip::library
