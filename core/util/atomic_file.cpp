#include "core/util/atomic_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/util/fault_injection.h"
#include "core/util/paths.h"

namespace lowclip::util {

namespace {

Error ioError(const std::string& path, const std::string& reason, const std::string& verb = "write") {
    return Error(ErrorCode::Io, "cannot " + verb + " '" + path + "': " + reason, {{"path", path}, {"reason", reason}});
}

// A name no other writer in this or another process picks at the same time.
std::string uniqueSuffix() {
    static std::atomic<unsigned> counter{0};
    static const unsigned seed = std::random_device{}();
    char buf[48];
    std::snprintf(buf, sizeof buf, "%x%04x%x", static_cast<unsigned>(::getpid()), seed & 0xFFFFu, counter++);
    return buf;
}

int openExclusive(const std::string& path, std::string& chosen, const std::string& prefix) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        chosen = prefix + uniqueSuffix();
        int fd = ::open(chosen.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) return fd;
        if (errno != EEXIST) throw ioError(path, std::strerror(errno));
    }
    throw ioError(path, "no free temporary file name beside it");
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::string& path) : path_(path) {
    if (path.empty() || path.back() == '/') throw ioError(path, "not a file name");
    fd_ = openExclusive(path, temp_, path + ".tmp-");
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!done_ && !temp_.empty()) ::unlink(temp_.c_str());
    done_ = true;
}

void AtomicFileWriter::fail(const std::string& reason) {
    discard();
    throw ioError(path_, reason);
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
    if (done_) throw ioError(path_, "the file was already committed or given up");
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = faultableWrite(fd_, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(std::strerror(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFileWriter::commit() {
    if (done_) throw ioError(path_, "the file was already committed or given up");
    // A writer that wrote by name may have replaced the file: flush what is at tempPath() now.
    struct stat mine, there;
    if (::fstat(fd_, &mine) != 0) fail(std::strerror(errno));
    if (::stat(temp_.c_str(), &there) != 0) fail(std::string("the temporary file vanished: ") + std::strerror(errno));
    if (mine.st_ino != there.st_ino || mine.st_dev != there.st_dev) {
        ::close(fd_);
        fd_ = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) fail(std::strerror(errno));
    }
    if (faultableFsync(fd_) != 0) fail(std::string("cannot flush it to disk: ") + std::strerror(errno));
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) fail(std::strerror(errno));
    if (faultableRename(temp_.c_str(), path_.c_str()) != 0) fail(std::strerror(errno));
    done_ = true;  // the temporary name is gone: nothing to remove any more
    syncFolder(parentDir(path_));
}

void writeFileAtomically(const std::string& path, std::string_view data) {
    AtomicFileWriter out(path);
    out.write(data);
    out.commit();
}

void syncFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ioError(path, std::strerror(errno), "flush");
    int rc = faultableFsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw ioError(path, std::strerror(err), "flush");
}

void syncFolder(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // some file systems do not let a folder be opened; its renames are still atomic
    int rc = faultableFsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EBADF && err != ENOTSUP) throw ioError(dir, std::strerror(err), "flush");
}

void replaceFolder(const std::string& targetIn, const std::function<void(const std::string& tempDir)>& fill) {
    std::string target = targetIn;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    const std::string parent = parentDir(target), name = baseName(target);
    if (name.empty() || name == "." || name == "..") throw ioError(targetIn, "not a folder name");
    struct stat st;
    bool replacing = false;
    if (::lstat(target.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            throw Error(ErrorCode::NotAFolder, "cannot replace '" + target + "': it exists and is not a folder",
                        {{"path", target}});
        replacing = true;
    }
    namespace fs = std::filesystem;
    std::string tmp;
    for (int attempt = 0;; ++attempt) {
        tmp = joinPath(parent, "." + name + ".tmp-" + uniqueSuffix());
        if (::mkdir(tmp.c_str(), 0755) == 0) break;
        if (errno != EEXIST || attempt == 100)
            throw ioError(tmp, std::strerror(errno), "create temporary folder");
    }
    auto removeTree = [](const std::string& p) {
        std::error_code ec;
        fs::remove_all(fs::path(p), ec);
    };
    try {
        fill(tmp);
        syncFolder(tmp);
        if (replacing) {
#ifdef RENAME_EXCHANGE
            if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
                syncFolder(parent);
                removeTree(tmp);  // the old folder now lives there
                return;
            }
            if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
                throw ioError(target, std::strerror(errno), "replace");
#endif
            // No exchange here: move the old folder aside, the new one in, then drop the old one.
            const std::string old = joinPath(parent, "." + name + ".old-" + uniqueSuffix());
            if (::rename(target.c_str(), old.c_str()) != 0) throw ioError(target, std::strerror(errno), "replace");
            if (::rename(tmp.c_str(), target.c_str()) != 0) {
                int err = errno;
                ::rename(old.c_str(), target.c_str());
                throw ioError(target, std::strerror(err), "replace");
            }
            syncFolder(parent);
            removeTree(old);
            return;
        }
        if (::rename(tmp.c_str(), target.c_str()) != 0) throw ioError(target, std::strerror(errno), "create");
        syncFolder(parent);
    } catch (...) {
        removeTree(tmp);
        throw;
    }
}

}  // namespace lowclip::util
