#pragma once
// LibTorch's CPU threads are OpenMP threads, which by default spin while they wait for each other.
// On a machine whose cores are busy with other work (a compile, a second program) a spinning thread
// steals the core its partner needs, and two threads become several times SLOWER than one (measured
// here: 0.94 s per demo training step with 2 spinning threads vs 0.21 s with OMP_WAIT_POLICY=PASSIVE,
// while two compiler processes ran). Waiting passively from the first instant costs a sleep and a
// wake-up at every one of a training step's many parallel regions instead: a brief spin first
// (GOMP_SPINCOUNT=1000) catches the short gaps between them. Demo, 150 steps, 2 threads, AMD EPYC
// (AVX2), medians of 3: 13.14 s passive, 11.19 s with the brief spin; with two busy loops on the
// two cores, 60 steps: 9.8-15.7 s passive, 12.1-16.0 s with it (no worse within the noise), against
// 71.7 s with 100000 spins. libgomp reads both variables only when it is loaded, so a command that
// is about to train re-executes itself once with them unless the person set either already (or
// LOWCLIP_NO_REEXEC is set). Linux only; elsewhere nothing happens.
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

inline void preferBriefOpenMPWaits() {
#if defined(__linux__)
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT") || std::getenv("LOWCLIP_NO_REEXEC")) return;
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
    ::setenv("GOMP_SPINCOUNT", "1000", 1);
    // The stderr filter's reader does not survive exec: hand the new image the real stderr (it sets up
    // its own filter).
    util::removeStderrFilter();
    ::execv("/proc/self/exe", argv.data());
    // exec failed: carry on in this process with the default policy.
    util::installStderrFilter();
#endif
}

}  // namespace lowclip::cli
