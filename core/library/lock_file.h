#pragma once
// One writer per library folder: an exclusive flock() on <folder>/lock holding the owner's pid.
// The lock dies with its process (kill -9 included), so there is no stale-lock cleanup.
#include <string>

namespace lowclip::library {

class LockFile {
public:
    // Throws lowclip::Error "library <folder> is in use by process N ..." when another holder exists.
    explicit LockFile(const std::string& path, const std::string& what);
    ~LockFile();
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;

private:
    int fd_ = -1;
};

}  // namespace lowclip::library
