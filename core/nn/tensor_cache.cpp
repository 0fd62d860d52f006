#include "core/nn/tensor_cache.h"

#include "core/nn/allocation_budget.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace lowclip::nn {

namespace {

constexpr std::size_t kGranule = std::size_t{1} << 21;  // 2 MiB: one transparent huge page
constexpr std::size_t kFrom = std::size_t{1} << 20;     // requests below go to the ordinary heap

struct State {
    std::mutex mutex;
    int scopes = 0;
    std::size_t cap = 0;
    std::unordered_map<const void*, std::size_t> live;  // block -> its size
    std::multimap<std::size_t, void*> kept;             // size -> freed block
    TensorCacheStats stats;
};

State& state() {
    static State* s = new State;  // never destroyed: tensors may be freed during static destruction
    return *s;
}

void* newBlock(std::size_t size) {
    void* p = std::aligned_alloc(kGranule, size);
    if (!p) throw std::bad_alloc();
#ifdef __linux__
    madvise(p, size, MADV_HUGEPAGE);  // advice only: a refusal changes nothing
#endif
    return p;
}

void releaseKept(State& s) {
    for (auto& [size, p] : s.kept) std::free(p);
    s.kept.clear();
    s.stats.keptBytes = 0;
}

}  // namespace

std::size_t CpuTensorCache::defaultCap() {
    std::size_t physical = 0;
#ifdef __linux__
    long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0 && static_cast<unsigned long>(pages) <= SIZE_MAX / static_cast<unsigned long>(pageSize))
        physical = static_cast<std::size_t>(pages) * static_cast<std::size_t>(pageSize);
#endif
    return std::max(physical / 4, std::size_t{256} << 20);
}

CpuTensorCache::CpuTensorCache(std::size_t capBytes) {
    detail::installCpuAllocator();
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    std::size_t cap = capBytes ? capBytes : defaultCap();
    s.cap = s.scopes ? std::min(s.cap, cap) : cap;
    ++s.scopes;
}

CpuTensorCache::~CpuTensorCache() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (--s.scopes == 0) releaseKept(s);
}

bool CpuTensorCache::active() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.scopes > 0;
}

TensorCacheStats CpuTensorCache::stats() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.stats;
}

namespace detail {

bool tensorCacheTakes(std::size_t bytes) {
    if (bytes < kFrom || bytes > SIZE_MAX - kGranule) return false;
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.scopes > 0;
}

void* tensorCacheAllocate(std::size_t bytes) {
    if (bytes > SIZE_MAX - kGranule) throw std::bad_alloc();
    const std::size_t size = (bytes + kGranule - 1) / kGranule * kGranule;
    State& s = state();
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        auto it = s.kept.lower_bound(size);
        if (it != s.kept.end() && it->first - size <= size / 8) {
            std::size_t got = it->first;
            void* p = it->second;
            s.kept.erase(it);
            s.stats.keptBytes -= got;
            s.live.emplace(p, got);
            s.stats.liveBytes += got;
            ++s.stats.hits;
            return p;
        }
    }
    void* p = newBlock(size);  // outside the lock: the first touch happens later, but the call may take a while
    std::lock_guard<std::mutex> lock(s.mutex);
    try {
        s.live.emplace(p, size);
    } catch (...) {
        std::free(p);
        throw;
    }
    s.stats.liveBytes += size;
    ++s.stats.misses;
    return p;
}

bool tensorCacheOwns(const void* p) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.live.count(p) != 0;
}

void tensorCacheFree(void* p) {
    if (!p) return;
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.live.find(p);
    if (it == s.live.end()) return;  // not ours: the caller checked tensorCacheOwns
    std::size_t size = it->second;
    s.live.erase(it);
    s.stats.liveBytes -= size;
    if (s.scopes > 0 && size <= s.cap - std::min(s.cap, s.stats.keptBytes)) {
        try {
            s.kept.emplace(size, p);
            s.stats.keptBytes += size;
            s.stats.peakKeptBytes = std::max(s.stats.peakKeptBytes, s.stats.keptBytes);
            return;
        } catch (...) {
            // no room for the entry: give the block back instead
        }
    }
    std::free(p);
}

}  // namespace detail

}  // namespace lowclip::nn
