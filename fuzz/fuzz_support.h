#pragma once
// Shared by the fuzz targets that go through files: a folder of this process's own for them, in
// memory (/dev/shm) when there is one, since the loaders under test write and fsync.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace lowclip::fuzz {

// "<root>/lowclip-fuzz-<name>-<pid>", created on first use (one per process: the first name asked for
// names it); root is $TMPDIR, else /dev/shm, else /tmp.
inline const std::string& scratchDir(const char* name) {
    static const std::string dir = [name] {
        const char* tmp = std::getenv("TMPDIR");
        std::string root = tmp && *tmp ? tmp : ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        std::string d = root + "/lowclip-fuzz-" + name + "-" + std::to_string(::getpid());
        if (::mkdir(d.c_str(), 0700) != 0 && ::access(d.c_str(), W_OK) != 0) std::abort();
        return d;
    }();
    return dir;
}

}  // namespace lowclip::fuzz
