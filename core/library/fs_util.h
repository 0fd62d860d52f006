#pragma once
// core/library's content hash, and the byte-path helpers of core/util under their old names.
// Durable file replacement is core/util/atomic_file.h.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/util/paths.h"

namespace lowclip::library {

// A fast non-cryptographic streaming 64-bit hash (content identity for move detection, journal checksums).
class Hasher64 {
public:
    explicit Hasher64(std::uint64_t seed = 0x6c6f77636c6970ULL) : h_(seed) {}
    void update(const void* data, std::size_t size);
    std::uint64_t digest() const;

private:
    void mixWord(std::uint64_t w);
    std::uint64_t h_;
    std::uint64_t total_ = 0;
    unsigned char tail_[8] = {};
    std::size_t tailSize_ = 0;
};

std::uint64_t hashBytes(const void* data, std::size_t size);

// Byte-path helpers (core/util), here by their old names for core/library and its tests.
using util::absolutePath;
using util::fileSize;
using util::joinPath;
using util::makeDirs;
using util::parentDir;
using util::pathExists;

}  // namespace lowclip::library
