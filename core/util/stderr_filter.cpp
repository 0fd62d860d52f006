#include "core/util/stderr_filter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace lowclip::util {

const std::vector<std::string>& libraryNoisePrefixes() {
    // Never destroyed: the reader thread may still be reading when static destructors run at exit.
    static const auto* prefixes = new std::vector<std::string>{
        "libpng warning:", "libpng error:",                                   // libpng
        "Corrupt JPEG data:", "Premature end of JPEG file", "Invalid SOS parameters",  // libjpeg(-turbo) warnings
        "Warning: unknown JFIF revision number", "Unsupported marker type",
        "TIFFReadDirectory", "TIFFFetchNormalTag", "TIFFReadDirectoryCheckOrder",  // libtiff
        "TIFFScanlineSize", "TIFFReadEncodedStrip", "TIFFReadEncodedTile", "TIFFFillStrip", "TIFFFillTile",
        "OJPEGSubsamplingCorrect", "LZWDecode", "ZIPDecode", "Fax3Decode", "_TIFFVSetField",
        "[ WARN:", "[ERROR:", "[ INFO:",                                      // OpenCV's logger
        "Warning: Exif", "Error: Exif", "Warning: Directory", "Error: Directory",  // Exiv2
    };
    return *prefixes;
}

bool isLibraryNoise(const std::string& line) {
    for (const auto& p : libraryNoisePrefixes())
        if (line.compare(0, p.size(), p) == 0) return true;
    return false;
}

namespace {

// True while `pending` could still grow into a noise line.
bool mayBecomeNoise(const std::string& pending) {
    for (const auto& p : libraryNoisePrefixes()) {
        const std::size_t n = std::min(p.size(), pending.size());
        if (pending.compare(0, n, p, 0, n) == 0) return true;
    }
    return false;
}

struct Filter {
    std::mutex mu;
    int realFd = -1;   // the original stderr
    int readFd = -1;   // the pipe's reading end (the writing end is fd 2)
    std::thread reader;
    bool active = false;
    std::mutex doneMu;
    std::condition_variable doneCv;
    bool done = false;
};

Filter& filter() {
    static Filter* f = new Filter;  // lives until exit: the atexit handler below uses it
    return *f;
}

void writeAll(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void readLoop(int readFd, int realFd) {
    std::string pending;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(readFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t i = 0; i < pending.size(); ++i) {
            if (pending[i] != '\n' && pending[i] != '\r') continue;
            std::string line = pending.substr(start, i - start);
            if (!isLibraryNoise(line)) writeAll(realFd, pending.data() + start, i + 1 - start);
            start = i + 1;
        }
        pending.erase(0, start);
        if (!pending.empty() && !mayBecomeNoise(pending)) {  // a prompt or a partial line of our own
            writeAll(realFd, pending.data(), pending.size());
            pending.clear();
        }
    }
    if (!pending.empty() && !isLibraryNoise(pending)) writeAll(realFd, pending.data(), pending.size());
    Filter& f = filter();
    std::lock_guard<std::mutex> g(f.doneMu);
    f.done = true;
    f.doneCv.notify_all();
}

}  // namespace

bool installStderrFilter() {
    if (const char* env = std::getenv("LOWCLIP_LIBRARY_DIAGNOSTICS"); env && std::strcmp(env, "1") == 0) return false;
    Filter& f = filter();
    libraryNoisePrefixes();  // made before the reader starts
    std::lock_guard<std::mutex> g(f.mu);
    if (f.active) return true;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    int real = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (real < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    std::fflush(stderr);
    if (::dup2(fds[1], 2) < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        ::close(real);
        return false;
    }
    ::close(fds[1]);
    f.realFd = real;
    f.readFd = fds[0];
    f.done = false;
    f.reader = std::thread(readLoop, fds[0], real);
    f.active = true;
    static bool registered = false;
    if (!registered) {
        registered = true;
        std::atexit(removeStderrFilter);
    }
    return true;
}

void removeStderrFilter() {
    Filter& f = filter();
    std::lock_guard<std::mutex> g(f.mu);
    if (!f.active) return;
    std::fflush(stderr);
    // Putting the real stderr back closes our writing end of the pipe: the reader sees the end,
    // forwards what is left and stops. A child process that inherited the pipe as its stderr keeps
    // it open: then the reader is left to it after a second (its pipe stays valid).
    ::dup2(f.realFd, 2);
    bool finished;
    {
        std::unique_lock<std::mutex> lk(f.doneMu);
        finished = f.doneCv.wait_for(lk, std::chrono::seconds(1), [&] { return f.done; });
    }
    if (finished) {
        f.reader.join();
        ::close(f.readFd);
        ::close(f.realFd);
    } else {
        f.reader.detach();
    }
    f.readFd = f.realFd = -1;
    f.active = false;
}

}  // namespace lowclip::util
