#include "core/library/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace lowclip::library {

namespace {
constexpr std::uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr std::uint64_t kC2 = 0x4cf5ad432745937fULL;
inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline std::uint64_t fmix(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}
std::string errnoText() { return std::strerror(errno); }
}  // namespace

void Hasher64::mixWord(std::uint64_t w) {
    w *= kC1;
    w = rotl(w, 31);
    w *= kC2;
    h_ ^= w;
    h_ = rotl(h_, 27) * 5 + 0x52dce729;
}

void Hasher64::update(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (tailSize_) {
        while (size && tailSize_ < 8) {
            tail_[tailSize_++] = *p++;
            --size;
        }
        if (tailSize_ < 8) return;
        std::uint64_t w;
        std::memcpy(&w, tail_, 8);
        mixWord(w);
        tailSize_ = 0;
    }
    while (size >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        mixWord(w);
        p += 8;
        size -= 8;
    }
    while (size--) tail_[tailSize_++] = *p++;
}

std::uint64_t Hasher64::digest() const {
    std::uint64_t h = h_;
    if (tailSize_) {
        std::uint64_t w = 0;
        std::memcpy(&w, tail_, tailSize_);
        w *= kC2;
        w = rotl(w, 33);
        w *= kC1;
        h ^= w;
    }
    h ^= total_;
    return fmix(h);
}

std::uint64_t hashBytes(const void* data, std::size_t size) {
    Hasher64 h;
    h.update(data, size);
    return h.digest();
}

void fsyncPath(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open " + path + " to flush it: " + errnoText());
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw Error("cannot flush " + path + " to disk: " + std::strerror(err));
}

std::string parentDir(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return path.substr(0, pos);
}

void fsyncParentDir(const std::string& path) {
    std::string dir = parentDir(path);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // some file systems do not allow opening folders; the rename is still atomic
    ::fsync(fd);
    ::close(fd);
}

void renameDurably(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0)
        throw Error("cannot rename " + from + " to " + to + ": " + errnoText());
    fsyncParentDir(to);
}

void writeFileAtomically(const std::string& path, const std::string& data) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot create " + tmp + ": " + errnoText());
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error("cannot write " + tmp + ": " + std::strerror(err));
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error("cannot flush " + tmp + " to disk: " + std::strerror(err));
    }
    ::close(fd);
    renameDurably(tmp, path);
}

bool pathExists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::int64_t fileSize(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return -1;
    return static_cast<std::int64_t>(st.st_size);
}

void makeDirs(const std::string& path) {
    if (path.empty()) return;
    std::string cur;
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t next = path.find('/', i);
        if (next == std::string::npos) next = path.size();
        cur = path.substr(0, next);
        if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
            throw Error("cannot create folder " + cur + ": " + errnoText());
        i = next + 1;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error(path + " is not a folder");
}

std::string joinPath(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (a.back() == '/') return a + b;
    return a + "/" + b;
}

std::string absolutePath(const std::string& path) {
    std::string p = path;
    if (p.empty() || p[0] != '/') {
        std::vector<char> buf(4096);
        while (!::getcwd(buf.data(), buf.size())) {
            if (errno != ERANGE) throw Error("cannot read the current folder: " + errnoText());
            buf.resize(buf.size() * 2);
        }
        p = joinPath(buf.data(), p);
    }
    // Lexical normalisation: drop "." and empty parts, resolve "..".
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        std::string part = p.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    std::string out;
    for (const auto& part : parts) out += "/" + part;
    return out.empty() ? "/" : out;
}

}  // namespace lowclip::library
