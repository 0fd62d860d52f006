#pragma once
// Replacing files and folders so that a reader, or the next run after a crash or a power cut, sees
// either the old content or the new, never a mixture, and a failure leaves the old one intact.
//
//   util::writeFileAtomically(path, bytes);        // the whole content at once
//
//   util::AtomicFileWriter out(path);              // streamed content
//   out.write(header.data(), header.size());
//   out.write(payload);
//   out.commit();                                  // without commit(), nothing changes
//
// The recipe: a temporary file in the same folder ("<path>.tmp-<random>", so the rename cannot
// cross file systems), written and fsync'ed, renamed over `path`, then the folder fsync'ed so the
// rename itself is on disk. On any failure the temporary file is removed and `path` keeps its old
// content (or stays absent). Errors are lowclip::Error with ErrorCode::Io and the details "path"
// and "reason"; the message starts with "cannot write '<path>'".
#include <functional>
#include <string>
#include <string_view>

namespace lowclip::util {

class AtomicFileWriter {
public:
    // Creates the temporary file (mode 0644 less the umask).
    explicit AtomicFileWriter(const std::string& path);
    // Without commit(): closes and removes the temporary file.
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    void write(const void* data, std::size_t size);
    void write(std::string_view data) { write(data.data(), data.size()); }

    // The file being replaced, and the temporary file. A library that only writes to a file name
    // (hnswlib's saveIndex) may write the temporary file in place (open, truncate, write, close) by
    // its name; commit() then flushes what is there.
    const std::string& path() const { return path_; }
    const std::string& tempPath() const { return temp_; }

    // fsync, rename over path(), fsync the folder. After a failure the writer is spent (the
    // temporary file is gone); a second commit() or write() throws.
    void commit();
    // Gives up: removes the temporary file now; path() keeps its content.
    void discard() noexcept;

private:
    [[noreturn]] void fail(const std::string& reason);
    std::string path_;
    std::string temp_;
    int fd_ = -1;
    bool done_ = false;
};

// Writes `data` to `path` with an AtomicFileWriter.
void writeFileAtomically(const std::string& path, std::string_view data);

// fsync of a file / of a folder (the entries in it). A folder on a file system that cannot flush
// folders (EINVAL, ENOTSUP) or cannot be opened for reading counts as flushed; other failures
// throw ErrorCode::Io.
void syncFile(const std::string& path);
void syncFolder(const std::string& dir);

// Creates or replaces the folder `target` as a whole: `fill` writes the new content into a fresh
// temporary folder beside it (".<name>.tmp-<random>"), which is fsync'ed and swapped in with one
// rename (renameat2 RENAME_EXCHANGE where the file system has it; otherwise the old folder is
// moved aside to ".<name>.old-<random>" first and moved back if the second rename fails); then
// the folder above is fsync'ed and the old content removed. When `fill` or anything before the
// swap fails, `target` is untouched and the temporary folder removed. `target` must not be an
// existing file that is not a folder (ErrorCode::NotAFolder); its parent folder must exist.
// Deciding whether an existing folder may be replaced at all is the caller's business.
void replaceFolder(const std::string& target, const std::function<void(const std::string& tempDir)>& fill);

}  // namespace lowclip::util
