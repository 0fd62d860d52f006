#pragma once
// Progress of a library job (scan, index): done of total since `start`, with the rate and the
// time left estimated from the rate so far. Internal to core/library.
#include <chrono>
#include <string>

#include "core/progress.h"

namespace lowclip::library {

inline Progress jobProgress(std::string stage, std::size_t done, std::size_t total,
                            std::chrono::steady_clock::time_point start) {
    Progress p;
    p.stage = std::move(stage);
    p.done = done;
    p.total = total;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    p.itemsPerSecond = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    p.etaSeconds = p.itemsPerSecond > 0 && total >= done ? static_cast<double>(total - done) / p.itemsPerSecond : -1.0;
    return p;
}

}  // namespace lowclip::library
