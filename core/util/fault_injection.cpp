#include "core/util/fault_injection.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace lowclip::util {

namespace {
std::atomic<std::uint64_t> target{0};  // 0: disarmed
std::atomic<std::uint64_t> seen{0};
std::atomic<bool> triggered{false};
std::atomic<FaultAction> mode{FaultAction::Crash};
}  // namespace

void armFault(std::uint64_t n, FaultAction action) {
    seen.store(0);
    triggered.store(false);
    mode.store(action);
    target.store(n);
}

void disarmFault() { target.store(0); }
bool faultArmed() { return target.load(std::memory_order_relaxed) != 0; }
std::uint64_t faultPointsSeen() { return seen.load(); }
bool faultTriggered() { return triggered.load(); }

bool faultPoint(FaultKind) {
    const std::uint64_t n = target.load(std::memory_order_relaxed);
    if (n == 0) return false;
    if (seen.fetch_add(1) + 1 != n) return false;
    triggered.store(true);
    if (mode.load() == FaultAction::Crash) ::_exit(kFaultExitCode);
    return true;
}

ssize_t faultableWrite(int fd, const void* data, std::size_t size) {
    if (faultPoint(FaultKind::Write)) {
        errno = EIO;
        return -1;
    }
    return ::write(fd, data, size);
}

int faultableFsync(int fd) {
    if (faultPoint(FaultKind::Sync)) {
        errno = EIO;
        return -1;
    }
    return ::fsync(fd);
}

int faultableFdatasync(int fd) {
    if (faultPoint(FaultKind::Sync)) {
        errno = EIO;
        return -1;
    }
    return ::fdatasync(fd);
}

int faultableRename(const char* from, const char* to) {
    if (faultPoint(FaultKind::Rename)) {
        errno = EIO;
        return -1;
    }
    return std::rename(from, to);
}

}  // namespace lowclip::util
