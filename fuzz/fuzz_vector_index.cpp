// libFuzzer target for the vector index on disk (core/library/vector_index): a snapshot and a journal
// built from the input are opened read-only and then writable (which truncates a torn journal tail and
// sets a damaged journal aside); either open refuses with lowclip::Error or yields an index that
// answers searches with labels it holds. Input: a 4-byte little-endian snapshot length, the
// snapshot's bytes, then the journal's bytes (fuzz/corpus/vector_index holds real ones, dimension 8).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/library/vector_index.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr int kDim = 8;

void writeFile(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void exercise(const lowclip::library::VectorIndex& index) {
    std::vector<float> query(kDim);
    for (int i = 0; i < kDim; ++i) query[i] = std::cos(0.7f * static_cast<float>(i + 1));
    auto hits = index.search(query.data(), 10);
    if (hits.size() > index.size() || hits.size() > 10) __builtin_trap();
    for (const auto& [label, score] : hits) {
        if (!index.contains(label) || !(score >= -1.01f && score <= 1.01f)) __builtin_trap();
        if (index.vector(label).size() != static_cast<std::size_t>(kDim)) __builtin_trap();
    }
    auto labels = index.labels();
    if (labels.size() != index.size()) __builtin_trap();
    index.scoreLabels(query.data(), labels, 5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using lowclip::library::VectorIndex;
    std::uint32_t snapshotSize = 0;
    if (size >= 4) std::memcpy(&snapshotSize, data, 4);
    const std::uint8_t* rest = data + (size >= 4 ? 4 : size);
    std::size_t restSize = size >= 4 ? size - 4 : 0;
    if (snapshotSize > restSize) snapshotSize = static_cast<std::uint32_t>(restSize);
    const std::string base = lowclip::fuzz::scratchDir("index") + "/index";
    std::remove((base + ".journal.corrupt").c_str());
    std::remove((base + ".hnsw.corrupt").c_str());
    writeFile(base + ".hnsw", rest, snapshotSize);
    writeFile(base + ".journal", rest + snapshotSize, restSize - snapshotSize);
    lowclip::library::HnswParams params;
    params.initialCapacity = 16;
    for (bool writable : {false, true}) {
        try {
            auto index = VectorIndex::open(base, kDim, writable, params);
            exercise(*index);
            if (writable) {
                std::vector<float> v(kDim, 0.25f);
                index->add({7}, v.data());
                index->remove({7});
                exercise(*index);
            }
        } catch (const lowclip::Error&) {
        }
    }
    return 0;
}
