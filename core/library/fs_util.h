#pragma once
// Small POSIX helpers for core/library: durable file replacement, streaming hash, byte paths.
#include <cstddef>
#include <cstdint>
#include <string>

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

// fsync a file / the folder holding a path; throw lowclip::Error with the path on failure.
void fsyncPath(const std::string& path);
void fsyncParentDir(const std::string& path);
// rename(from, to) then fsync the folder: the replacement is atomic and durable.
void renameDurably(const std::string& from, const std::string& to);
// Writes `data` to `path` atomically (temp file in the same folder, fsync, rename, fsync folder).
void writeFileAtomically(const std::string& path, const std::string& data);

bool pathExists(const std::string& path);
std::int64_t fileSize(const std::string& path);  // -1 when missing
void makeDirs(const std::string& path);          // mkdir -p; Error on failure
std::string parentDir(const std::string& path);
std::string joinPath(const std::string& a, const std::string& b);
std::string absolutePath(const std::string& path);  // lexically normalised absolute path (no symlink resolution)

}  // namespace lowclip::library
