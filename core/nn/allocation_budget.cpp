#include "core/nn/allocation_budget.h"

#include <mutex>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

namespace lowclip::nn {

namespace {

thread_local AllocationBudget* current = nullptr;

// Sits in front of LibTorch's CPU allocator; without a budget on the calling thread it only forwards.
class BudgetAllocator final : public c10::Allocator {
public:
    explicit BudgetAllocator(c10::Allocator* inner) : inner_(inner) {}
    c10::DataPtr allocate(std::size_t n) const override {
        if (current && !current->take(n)) throw AllocationBudgetExceeded();
        return inner_->allocate(n);
    }
    c10::DeleterFnPtr raw_deleter() const override { return inner_->raw_deleter(); }

private:
    c10::Allocator* inner_;
};

void installOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        static BudgetAllocator allocator(c10::GetCPUAllocator());
        c10::SetCPUAllocator(&allocator, /*priority=*/1);
    });
}

}  // namespace

AllocationBudget::AllocationBudget(std::size_t bytes) : limit_(bytes), outer_(current) {
    installOnce();
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
