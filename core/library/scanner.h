#pragma once
// File-system side of a library scan: walks root folders (recursion, hidden-name and extension
// filters, symlink loops detected by (device, inode)) and reads candidate files (content hash,
// format sniffed from the first bytes, header dimensions). Internal to core/library.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/library/library.h"

namespace lowclip::library {

struct FoundFile {
    std::string path;  // bytes
    std::int64_t size = 0;
    std::int64_t mtimeNs = 0;
};

struct WalkState {
    std::set<std::pair<std::uint64_t, std::uint64_t>> visitedDirs;   // (dev, ino), shared across roots
    std::set<std::pair<std::uint64_t, std::uint64_t>> visitedFiles;  // (dev, ino): hard links and overlaps count once
    std::size_t unreadableDirs = 0;
};

// Calls onFile for every candidate file under `root`, each (device, inode) once per WalkState: a
// folder or file already reached through another root, a symlink or a hard link is not visited
// again, so symlink loops end. Returns false when `root` is not a readable folder.
bool walkRoot(const std::string& root, const ScanOptions& options, const std::vector<std::string>& extensions,
              WalkState& state, const std::function<void(FoundFile&&)>& onFile, const CancelFlag* cancel);

struct FileContent {
    enum class Result { Ok, Vanished, Unreadable };
    Result result = Result::Ok;
    std::string error;       // for Unreadable
    std::int64_t size = 0;   // as read
    std::int64_t mtimeNs = 0;
    std::uint64_t hash = 0;
    std::string format;      // "" when the content is not a supported image
    std::string formatError; // why the header could not be read
    int width = 0, height = 0;  // upright (orientation applied)
    std::string dateTaken;      // EXIF, "YYYY-MM-DDTHH:MM:SS" or ""
    std::string cameraMake, cameraModel;
    std::optional<double> latitude, longitude;
};

// How much of a file is kept in memory for its header and EXIF while the whole file is hashed in
// fixed-size chunks. Larger files are read once more, whole, only when their header lies beyond it.
constexpr std::size_t kHeaderWindowBytes = 32u << 20;

// Reads a regular file once, streaming: hash, sniffed format, header dimensions and EXIF metadata.
// Never throws. Not a regular file (FIFO, device, socket) or larger than `maxBytes`: Unreadable,
// with the reason, and nothing read.
FileContent readFileContent(const std::string& path, std::int64_t maxBytes);

// The whole content of a regular file of at most `maxBytes` bytes (opened without blocking, so a
// FIFO put in a photo's place is refused, not waited on). Throws lowclip::Error (InvalidFile/Io)
// naming the file.
std::string readRegularFile(const std::string& path, std::int64_t maxBytes);

// "1.5 GiB", "300 MiB", "12 KiB", "17 bytes".
std::string byteSizeText(std::int64_t bytes);

// True when `name`'s extension (after the last '.') is in `extensions` (ASCII case-insensitive).
bool hasExtension(const std::string& name, const std::vector<std::string>& extensions);

}  // namespace lowclip::library
