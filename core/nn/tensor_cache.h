#pragma once
// A reuse cache for LibTorch's large CPU tensors while a training run (or anything else with the
// same allocations step after step) is going. With glibc, a freed block above its mmap threshold
// (32 MiB at most) goes back to the kernel, and the next step's tensor of the same size faults in
// fresh zeroed 4 KiB pages: a paper-sized training step spent about as much time in the kernel as
// in its matrix products. While at least one CpuTensorCache lives (process-wide, every thread):
//   - CPU tensors of 1 MiB and more come from blocks rounded up to 2 MiB, 2 MiB-aligned, with
//     transparent huge pages requested (madvise: advice only);
//   - a freed block is kept for the next request it fits (at most 1/8 larger than asked), as long
//     as the blocks kept stay within the cap; past the cap it is given back at once.
// When the last CpuTensorCache ends, every kept block is given back; blocks still in use are given
// back when their tensors go. Smaller tensors, and every tensor outside a cache's lifetime, are
// allocated as usual. Nothing else changes: the memory is not zeroed (LibTorch never promises it).
#include <cstddef>
#include <cstdint>

namespace lowclip::nn {

struct TensorCacheStats {
    std::uint64_t hits = 0;       // requests served from kept blocks
    std::uint64_t misses = 0;     // requests that allocated a new block
    std::size_t keptBytes = 0;    // bytes in kept blocks now
    std::size_t liveBytes = 0;    // bytes in blocks handed out and not yet freed
    std::size_t peakKeptBytes = 0;
};

class CpuTensorCache {
public:
    // capBytes: most bytes kept in freed blocks; 0 picks a quarter of the physical memory, at
    // least 256 MiB.
    explicit CpuTensorCache(std::size_t capBytes = 0);
    ~CpuTensorCache();
    CpuTensorCache(const CpuTensorCache&) = delete;
    CpuTensorCache& operator=(const CpuTensorCache&) = delete;

    static bool active();
    static TensorCacheStats stats();
    static std::size_t defaultCap();
};

namespace detail {
// For the CPU allocator (core/nn/allocation_budget.cpp): whether a request of `bytes` goes to the
// cache, the cache's allocation (data and context are the block; throws std::bad_alloc), and a
// raw free that tells the cache's blocks from others (which go to `otherwise`).
bool tensorCacheTakes(std::size_t bytes);
void* tensorCacheAllocate(std::size_t bytes);
void tensorCacheFree(void* p);
bool tensorCacheOwns(const void* p);
}  // namespace detail

}  // namespace lowclip::nn
