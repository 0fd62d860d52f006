#pragma once
// LibTorch's CPU threads are OpenMP threads, which by default spin while they wait for each other.
// On a machine whose cores are busy with other work (a compile, a second program) a spinning thread
// steals the core its partner needs, and two threads become several times SLOWER than one (measured
// here: 0.94 s per demo training step with 2 spinning threads vs 0.21 s with OMP_WAIT_POLICY=PASSIVE,
// while two compiler processes ran). libgomp reads the policy only when it is loaded, so a command
// that is about to train re-executes itself once with OMP_WAIT_POLICY=PASSIVE unless the person set
// the variable already (or LOWCLIP_NO_REEXEC is set). Linux only; elsewhere nothing happens.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/util/stderr_filter.h"

#if defined(__linux__)
#include <unistd.h>
#endif

namespace lowclip::cli {

inline void preferPassiveOpenMP() {
#if defined(__linux__)
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("LOWCLIP_NO_REEXEC")) return;
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (all.empty()) return;
    std::vector<std::string> args;
    std::string cur;
    for (char c : all) {
        if (c == '\0') {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    // The stderr filter's reader does not survive exec: hand the new image the real stderr (it sets up
    // its own filter).
    util::removeStderrFilter();
    ::execv("/proc/self/exe", argv.data());
    // exec failed: carry on in this process with the default policy.
    util::installStderrFilter();
#endif
}

}  // namespace lowclip::cli
