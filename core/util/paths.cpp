#include "core/util/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace lowclip::util {

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
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t next = path.find('/', i);
        if (next == std::string::npos) next = path.size();
        std::string cur = path.substr(0, next);
        if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
            throw Error(ErrorCode::Io, "cannot create folder " + cur + ": " + std::strerror(errno),
                        {{"path", cur}, {"reason", std::strerror(errno)}});
        i = next + 1;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(ErrorCode::NotAFolder, path + " is not a folder", {{"path", path}});
}

std::string parentDir(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return path.substr(0, pos);
}

std::string baseName(const std::string& path) {
    auto pos = path.find_last_of('/');
    return pos == std::string::npos ? path : path.substr(pos + 1);
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
            if (errno != ERANGE) throw Error(ErrorCode::Io, std::string("cannot read the current folder: ") + std::strerror(errno));
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

}  // namespace lowclip::util
