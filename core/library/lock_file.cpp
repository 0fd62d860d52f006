#include "core/library/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace lowclip::library {

LockFile::LockFile(const std::string& path, const std::string& what) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot open lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buf[32] = {};
        ssize_t n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK) {
            std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("?");
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            throw Error(ErrorCode::LibraryInUse, what + " is in use by process " + pid + "; close that program first",
                        {{"pid", pid}, {"path", path}});
        }
        throw Error("cannot lock " + path + ": " + std::strerror(err));
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
        (void)w;
    }
}

LockFile::~LockFile() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace lowclip::library
