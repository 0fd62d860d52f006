#pragma once
// Progress reporting and cancellation for long work (indexing, training, imports).
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "core/error.h"

namespace lowclip {

struct Progress {
    std::string stage;        // what is being done, e.g. "decode", "train", "index"
    std::size_t done = 0;     // items finished in this stage
    std::size_t total = 0;    // 0 when unknown
    double itemsPerSecond = 0.0;
    double etaSeconds = -1.0; // negative when unknown
    std::string message;      // free text for a log line
};

using ProgressFn = std::function<void(const Progress&)>;
using CancelFlag = std::atomic<bool>;

inline void throwIfCancelled(const CancelFlag* cancel) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace lowclip
