#pragma once
// Approximate nearest-neighbour index over L2-normalised vectors (hnswlib, inner product), with a
// crash-safe on-disk form: an atomically replaced snapshot (`<base>.hnsw`: temp + fsync + rename)
// plus an append-only journal (`<base>.journal`) of additions and deletions since the snapshot,
// each record checksummed and fsync'ed per batch. Opening replays the journal over the snapshot;
// a torn tail (a crash mid-append) is dropped. Labels are caller-chosen 64-bit ids (photo ids).
// Thread safety: searches run concurrently; changes take an exclusive lock.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lowclip::library {

// Defaults measured by bench_library on 1M clustered 256-d vectors (2 cores): M=16, efConstruction=100
// -> ef=128: recall@10 0.956, p50 0.37 ms; ef=256: recall@10 0.986, p50 0.49 ms.
struct HnswParams {
    std::size_t M = 16;
    std::size_t efConstruction = 100;
    std::size_t efSearch = 256;     // default search breadth (raised to k when k is larger)
    std::size_t initialCapacity = 1024;
};

// Bytes of an empty journal (magic, version, dim): journalBytes() above this means records to replay.
constexpr std::size_t kJournalHeaderBytes = 12;

class VectorIndex {
public:
    // An empty in-memory index (no files).
    VectorIndex(int dim, HnswParams params = {});
    ~VectorIndex();
    VectorIndex(const VectorIndex&) = delete;
    VectorIndex& operator=(const VectorIndex&) = delete;

    // Opens `<base>.hnsw` + `<base>.journal` (either may be missing: an empty index). When
    // `writable`, changes are journaled to disk and a torn journal tail is truncated. Throws
    // lowclip::Error if the snapshot is unreadable, corrupt (its graph is checked: levels, links,
    // entry point, labels) or has another dimension; a damaged journal alone is dropped (see
    // journalDropped()). `*journalRecords` receives the number of journal records replayed.
    static std::unique_ptr<VectorIndex> open(const std::string& base, int dim, bool writable, HnswParams params = {},
                                             std::size_t* journalRecords = nullptr);

    int dim() const;
    std::size_t size() const;        // live (not deleted) vectors
    std::size_t deletedCount() const;
    std::size_t capacity() const;
    std::size_t memoryBytes() const;  // approximate

    // Adds or replaces vectors (n = labels.size(), vectors row-major n x dim, normalised here).
    // Journaled (and fsync'ed once) when the index is backed by files. `threads` > 1 inserts in parallel.
    void add(const std::vector<std::int64_t>& labels, const float* vectors, int threads = 1);
    // Marks deleted; unknown or already deleted labels are ignored. Journaled.
    void remove(const std::vector<std::int64_t>& labels);
    bool contains(std::int64_t label) const;
    std::vector<float> vector(std::int64_t label) const;  // empty when absent
    std::vector<std::int64_t> labels() const;             // live labels

    // Top-k by inner product, best first: (label, score). ef 0: params.efSearch.
    std::vector<std::pair<std::int64_t, float>> search(const float* query, std::size_t k, std::size_t ef = 0) const;
    // Exact scores for the given labels (absent ones skipped), best first, at most k.
    std::vector<std::pair<std::int64_t, float>> scoreLabels(const float* query, const std::vector<std::int64_t>& labels,
                                                            std::size_t k) const;

    // Writes the snapshot atomically and empties the journal. Needs a file-backed writable index.
    void snapshot();
    // Writes the live vectors into a fresh, compact index (drops deleted entries) and snapshots it.
    void compact();
    // Saves only a snapshot file at `path` (atomically), e.g. for benchmarks.
    void saveTo(const std::string& path) const;
    std::size_t journalBytes() const;
    bool fileBacked() const;
    // True when open() found the journal damaged (not a journal, another version or dimension):
    // it was not replayed and, when writable, set aside as "<base>.journal.corrupt"; the snapshot
    // was kept. The vectors added since the snapshot are then missing.
    bool journalDropped() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// L2-normalises `n` rows of length `dim` in place; returns false if a row is zero or not finite.
bool normaliseRows(float* data, std::size_t n, int dim, std::vector<bool>* rowOk = nullptr);

}  // namespace lowclip::library
