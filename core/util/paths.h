#pragma once
// Byte paths on POSIX: no std::filesystem conversions, names are the bytes the file system gave
// (Linux file names need not be UTF-8).
#include <cstdint>
#include <string>

namespace lowclip::util {

bool pathExists(const std::string& path);
std::int64_t fileSize(const std::string& path);  // -1 when missing
void makeDirs(const std::string& path);          // mkdir -p; lowclip::Error on failure
std::string parentDir(const std::string& path);  // "." for a bare name, "/" for "/x"
std::string baseName(const std::string& path);   // the part after the last '/'
std::string joinPath(const std::string& a, const std::string& b);
std::string absolutePath(const std::string& path);  // lexically normalised absolute path (no symlink resolution)

}  // namespace lowclip::util
