#pragma once
// Fault injection for the tests of crash safety, the way SQLite tests itself: every write, fsync and
// rename (or delete) that core makes to the library's files (core/util/atomic_file, the vector index
// journal, the catalog through its SQLite VFS) first passes faultPoint(). When a test has armed the
// hook, the Nth such operation from then on either ends the process on the spot (Crash: _exit, no
// destructors, no flushing, as a power cut or kill -9 would) or fails with EIO (Fail: the code's own
// error path runs). Disarmed, as always outside tests, faultPoint() is one relaxed atomic load.
//
//   util::armFault(n, util::FaultAction::Crash);   // in a forked child, before the run
//   ...                                            // the nth operation ends the child with kFaultExitCode
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace lowclip::util {

enum class FaultKind { Write, Sync, Rename };
enum class FaultAction { Crash, Fail };

// Exit status of a process ended by a Crash fault.
constexpr int kFaultExitCode = 86;

// Arms the hook: the `n`th operation (1-based) from now is the one that fails. n = 0 disarms.
void armFault(std::uint64_t n, FaultAction action);
void disarmFault();
bool faultArmed();
// Operations counted since the last armFault(); whether the armed one was reached (Fail mode).
std::uint64_t faultPointsSeen();
bool faultTriggered();

// Called before each write, fsync or rename. Returns true when this operation must fail (the caller
// sets errno = EIO and takes its error path); does not return when it must crash.
bool faultPoint(FaultKind kind);

// The system calls with their fault point in front: -1 and errno = EIO when the fault says so.
ssize_t faultableWrite(int fd, const void* data, std::size_t size);
int faultableFsync(int fd);
int faultableFdatasync(int fd);
int faultableRename(const char* from, const char* to);

}  // namespace lowclip::util
