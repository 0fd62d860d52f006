#include "core/library/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/vision/decode.h"
#include "core/vision/metadata.h"

namespace lowclip::library {

namespace {
std::int64_t mtimeNs(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool hasExtension(const std::string& name, const std::vector<std::string>& extensions) {
    auto dot = name.find_last_of('.');
    if (dot == std::string::npos || dot + 1 >= name.size()) return false;
    std::string ext = name.substr(dot + 1);
    for (char& c : ext) c = lower(c);
    for (const auto& e : extensions)
        if (e == ext) return true;
    return false;
}

bool walkRoot(const std::string& root, const ScanOptions& options, const std::vector<std::string>& extensions,
              WalkState& state, const std::function<void(FoundFile&&)>& onFile, const CancelFlag* cancel) {
    struct stat st;
    if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    DIR* probe = ::opendir(root.c_str());
    if (!probe) return false;
    ::closedir(probe);

    // A root already walked under another name (a symlink to it, or a folder inside an earlier
    // root): online, but nothing of it is seen twice.
    if (!state.visitedDirs.insert({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)}).second)
        return true;
    std::vector<std::string> stack{root};
    while (!stack.empty()) {
        throwIfCancelled(cancel);
        std::string dir = std::move(stack.back());
        stack.pop_back();
        DIR* dp = ::opendir(dir.c_str());
        if (!dp) {  // vanished or unreadable folder: nothing under it is seen
            ++state.unreadableDirs;
            continue;
        }
        std::vector<std::string> subdirs;
        while (struct dirent* e = ::readdir(dp)) {
            const char* name = e->d_name;
            if (!std::strcmp(name, ".") || !std::strcmp(name, "..")) continue;
            if (name[0] == '.' && !options.includeHidden) continue;
            std::string path = joinPath(dir, name);
            struct stat es;
            if (::lstat(path.c_str(), &es) != 0) continue;  // vanished
            if (S_ISLNK(es.st_mode)) {
                if (!options.followSymlinks) continue;
                if (::stat(path.c_str(), &es) != 0) continue;  // dangling link
            }
            if (S_ISDIR(es.st_mode)) {
                auto key = std::make_pair(static_cast<std::uint64_t>(es.st_dev), static_cast<std::uint64_t>(es.st_ino));
                if (!state.visitedDirs.insert(key).second) continue;  // a loop or a folder seen through another path
                subdirs.push_back(std::move(path));
            } else if (S_ISREG(es.st_mode)) {
                if (!hasExtension(name, extensions)) continue;
                auto key = std::make_pair(static_cast<std::uint64_t>(es.st_dev), static_cast<std::uint64_t>(es.st_ino));
                if (!state.visitedFiles.insert(key).second) continue;  // the same file under another name
                onFile(FoundFile{std::move(path), static_cast<std::int64_t>(es.st_size), mtimeNs(es)});
            }
        }
        ::closedir(dp);
        // Depth first, in name order, so scans are reproducible.
        std::sort(subdirs.rbegin(), subdirs.rend());
        for (auto& s : subdirs) stack.push_back(std::move(s));
    }
    return true;
}

std::string byteSizeText(std::int64_t bytes) {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    double v = static_cast<double>(bytes);
    int u = -1;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (v < 10.0) std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    else std::snprintf(buf, sizeof buf, "%.0f %s", v, units[u]);
    return buf;
}

namespace {

const char* fileKind(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// An open regular file: never blocks on a FIFO, refuses anything that is not a regular file.
class RegularFile {
public:
    enum class Open { Ok, Vanished, Refused };

    Open open(const std::string& path, std::string& why) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd_ < 0) {
            if (errno == ENOENT || errno == ENOTDIR) return Open::Vanished;
            why = std::string("cannot open the file: ") + std::strerror(errno);
            return Open::Refused;
        }
        if (::fstat(fd_, &st_) != 0) {
            why = std::string("cannot read the file's size: ") + std::strerror(errno);
            return Open::Refused;
        }
        if (!S_ISREG(st_.st_mode)) {
            why = std::string("this is ") + fileKind(st_.st_mode) + ", not a photo file; it was not read";
            return Open::Refused;
        }
        const int flags = ::fcntl(fd_, F_GETFL);
        if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
        return Open::Ok;
    }
    ~RegularFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    const struct stat& stat() const { return st_; }
    // Up to `size` bytes; 0 at the end; -1 on error (errno set).
    ssize_t read(char* buf, std::size_t size) {
        for (;;) {
            ssize_t n = ::read(fd_, buf, size);
            if (n < 0 && errno == EINTR) continue;
            return n;
        }
    }

private:
    int fd_ = -1;
    struct stat st_ {};
};

std::string tooLarge(std::int64_t size, std::int64_t maxBytes) {
    return "the file is " + byteSizeText(size) + "; files larger than " + byteSizeText(maxBytes) +
           " are not read as photos";
}

}  // namespace

std::string readRegularFile(const std::string& path, std::int64_t maxBytes) {
    RegularFile f;
    std::string why;
    switch (f.open(path, why)) {
        case RegularFile::Open::Ok: break;
        case RegularFile::Open::Vanished:
            throw Error(ErrorCode::NotFound, displayPath(path) + ": the file is no longer there", {{"path", displayPath(path)}});
        case RegularFile::Open::Refused:
            throw Error(ErrorCode::InvalidFile, displayPath(path) + ": " + why, {{"path", displayPath(path)}, {"reason", why}});
    }
    const std::int64_t size = static_cast<std::int64_t>(f.stat().st_size);
    if (size > maxBytes) {
        const std::string why2 = tooLarge(size, maxBytes);
        throw Error(ErrorCode::InvalidFile, displayPath(path) + ": " + why2, {{"path", displayPath(path)}, {"reason", why2}});
    }
    std::string data;
    data.reserve(static_cast<std::size_t>(size));
    std::vector<char> buf(1 << 16);
    for (;;) {
        ssize_t n = f.read(buf.data(), buf.size());
        if (n < 0) {
            const std::string why2 = std::string("cannot read the file: ") + std::strerror(errno);
            throw Error(ErrorCode::Io, displayPath(path) + ": " + why2, {{"path", displayPath(path)}, {"reason", why2}});
        }
        if (n == 0) break;
        if (static_cast<std::int64_t>(data.size()) + n > maxBytes) {  // it grew while being read
            const std::string why2 = tooLarge(static_cast<std::int64_t>(data.size()) + n, maxBytes);
            throw Error(ErrorCode::InvalidFile, displayPath(path) + ": " + why2, {{"path", displayPath(path)}, {"reason", why2}});
        }
        data.append(buf.data(), static_cast<std::size_t>(n));
    }
    return data;
}

FileContent readFileContent(const std::string& path, std::int64_t maxBytes) {
    FileContent out;
    auto unreadable = [&](std::string why) {
        out.result = FileContent::Result::Unreadable;
        out.error = std::move(why);
        return out;
    };
    bool hashed = false;  // from here on, failures concern the content, not the file
    try {
        RegularFile f;
        std::string why;
        switch (f.open(path, why)) {
            case RegularFile::Open::Ok: break;
            case RegularFile::Open::Vanished: out.result = FileContent::Result::Vanished; return out;
            case RegularFile::Open::Refused: return unreadable(why);
        }
        out.mtimeNs = mtimeNs(f.stat());
        out.size = static_cast<std::int64_t>(f.stat().st_size);
        if (out.size > maxBytes) return unreadable(tooLarge(out.size, maxBytes));

        // One pass: every byte hashed, only the first kHeaderWindowBytes kept.
        std::string head;
        head.reserve(static_cast<std::size_t>(std::min<std::int64_t>(out.size, kHeaderWindowBytes)));
        Hasher64 hasher;
        std::vector<char> buf(1 << 20);
        std::int64_t total = 0;
        for (;;) {
            ssize_t n = f.read(buf.data(), buf.size());
            if (n < 0) return unreadable(std::string("cannot read the file: ") + std::strerror(errno));
            if (n == 0) break;
            total += n;
            if (total > maxBytes) return unreadable(tooLarge(total, maxBytes));  // grew while being read
            hasher.update(buf.data(), static_cast<std::size_t>(n));
            if (head.size() < kHeaderWindowBytes)
                head.append(buf.data(), std::min(static_cast<std::size_t>(n), kHeaderWindowBytes - head.size()));
        }
        out.size = total;
        out.hash = hasher.digest();
        hashed = true;
        if (total == 0) {
            out.formatError = "the file is empty";
            return out;
        }
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(head.data());
        out.format = vision::sniffImageFormat(bytes, head.size());
        if (out.format.empty()) {
            out.formatError = "not a supported image (content is not JPEG, PNG, WebP, TIFF, BMP or HEIF)";
            return out;
        }
        vision::PhotoMetadata m;
        try {
            m = vision::readPhotoMetadataMemory(bytes, head.size(), path);
        } catch (const std::exception&) {
            if (static_cast<std::uint64_t>(total) <= head.size()) throw;
            // A large file whose header lies beyond the window (TIFF directories often come last).
            head.clear();
            head.shrink_to_fit();
            const std::string whole = readRegularFile(path, maxBytes);
            m = vision::readPhotoMetadataMemory(reinterpret_cast<const std::uint8_t*>(whole.data()), whole.size(), path);
        }
        out.width = m.width;
        out.height = m.height;
        out.dateTaken = m.dateTaken;
        out.cameraMake = m.cameraMake;
        out.cameraModel = m.cameraModel;
        out.latitude = m.latitude;
        out.longitude = m.longitude;
    } catch (const std::bad_alloc&) {
        if (hashed) out.formatError = "not enough memory to read this photo's header";
        else return unreadable("not enough memory to read this file");
    } catch (const std::exception& e) {
        if (hashed) out.formatError = e.what();
        else return unreadable(std::string("cannot read the file: ") + e.what());
    }
    return out;
}

}  // namespace lowclip::library
