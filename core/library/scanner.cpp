#include "core/library/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

    std::vector<std::string> stack{root};
    state.visitedDirs.insert({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
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

FileContent readFileContent(const std::string& path) {
    FileContent out;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            out.result = FileContent::Result::Vanished;
        } else {
            out.result = FileContent::Result::Unreadable;
            out.error = std::string("cannot open: ") + std::strerror(errno);
        }
        return out;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        out.result = FileContent::Result::Unreadable;
        out.error = std::string("cannot stat: ") + std::strerror(errno);
        ::close(fd);
        return out;
    }
    out.mtimeNs = mtimeNs(st);
    std::string data;
    data.reserve(static_cast<std::size_t>(st.st_size));
    Hasher64 hasher;
    std::vector<char> buf(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            out.result = FileContent::Result::Unreadable;
            out.error = std::string("read error: ") + std::strerror(errno);
            ::close(fd);
            return out;
        }
        if (n == 0) break;
        hasher.update(buf.data(), static_cast<std::size_t>(n));
        data.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    out.size = static_cast<std::int64_t>(data.size());
    out.hash = hasher.digest();
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    if (data.empty()) {
        out.formatError = "the file is empty";
        return out;
    }
    out.format = vision::sniffImageFormat(bytes, data.size());
    if (out.format.empty()) {
        out.formatError = "not a supported image (content is not JPEG, PNG, WebP, TIFF, BMP or HEIF)";
        return out;
    }
    try {
        vision::PhotoMetadata m = vision::readPhotoMetadataMemory(bytes, data.size(), path);
        out.width = m.width;
        out.height = m.height;
        out.dateTaken = m.dateTaken;
        out.cameraMake = m.cameraMake;
        out.cameraModel = m.cameraModel;
        out.latitude = m.latitude;
        out.longitude = m.longitude;
    } catch (const std::exception& e) {
        out.formatError = e.what();
    }
    return out;
}

}  // namespace lowclip::library
