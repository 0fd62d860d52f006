#include "core/nn/allocation_budget.h"
#include "core/nn/tensor_cache.h"

#include <mutex>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

namespace lowclip::nn {

namespace {

thread_local AllocationBudget* current = nullptr;

c10::DeleterFnPtr innerRawDeleter = nullptr;

// Frees what either allocator handed out (raw_deallocate passes only the pointer).
void rawDelete(void* p) {
    if (detail::tensorCacheOwns(p))
        detail::tensorCacheFree(p);
    else if (innerRawDeleter)
        innerRawDeleter(p);
}

void cachedDelete(void* p) { detail::tensorCacheFree(p); }

// Sits in front of LibTorch's CPU allocator: checks the calling thread's budget, then takes the
// block from the tensor cache while one is in force (core/nn/tensor_cache.h), else forwards.
class CpuAllocator final : public c10::Allocator {
public:
    explicit CpuAllocator(c10::Allocator* inner) : inner_(inner) {}
    c10::DataPtr allocate(std::size_t n) const override {
        if (current && !current->take(n)) throw AllocationBudgetExceeded();
        if (detail::tensorCacheTakes(n)) {
            void* p = detail::tensorCacheAllocate(n);
            return {p, p, &cachedDelete, c10::Device(c10::DeviceType::CPU)};
        }
        return inner_->allocate(n);
    }
    c10::DeleterFnPtr raw_deleter() const override { return innerRawDeleter ? &rawDelete : nullptr; }

private:
    c10::Allocator* inner_;
};

}  // namespace

namespace detail {

// One allocator for the process, installed the first time a budget or a tensor cache is made.
void installCpuAllocator() {
    static std::once_flag once;
    std::call_once(once, [] {
        c10::Allocator* inner = c10::GetCPUAllocator();
        innerRawDeleter = inner->raw_deleter();
        static CpuAllocator allocator(inner);
        c10::SetCPUAllocator(&allocator, /*priority=*/1);
    });
}

}  // namespace detail

AllocationBudget::AllocationBudget(std::size_t bytes) : limit_(bytes), outer_(current) {
    detail::installCpuAllocator();
    current = this;
}

AllocationBudget::~AllocationBudget() { current = outer_; }

bool AllocationBudget::take(std::size_t bytes) {
    if (bytes > limit_ - used_ || (outer_ && !outer_->take(bytes))) {
        if (!refused_) refused_ = bytes;
        return false;
    }
    used_ += bytes;
    return true;
}

}  // namespace lowclip::nn
