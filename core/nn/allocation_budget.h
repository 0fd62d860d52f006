#pragma once
// A cap on the CPU memory that LibTorch allocates on one thread while it is in force: building a model
// from a configuration that came from outside (a bundle's lowclip.json) must not allocate gigabytes for
// a few kilobytes of weights. While an AllocationBudget lives, every CPU tensor allocation made on its
// thread counts against it (what is freed is not given back: the budget is for what a construction
// allocates in all); an allocation past the cap throws AllocationBudgetExceeded before any memory is
// taken. Other threads, and this one outside the budget's lifetime, allocate as usual. Budgets nest.
#include <cstddef>
#include <new>

namespace lowclip::nn {

class AllocationBudgetExceeded : public std::bad_alloc {
public:
    const char* what() const noexcept override { return "allocation budget exceeded"; }
};

class AllocationBudget {
public:
    explicit AllocationBudget(std::size_t bytes);
    ~AllocationBudget();
    AllocationBudget(const AllocationBudget&) = delete;
    AllocationBudget& operator=(const AllocationBudget&) = delete;

    std::size_t limit() const { return limit_; }
    std::size_t used() const { return used_; }      // bytes allocated so far under this budget
    std::size_t refused() const { return refused_; }  // size of the first allocation refused (0: none)

    // Internal (the tracking allocator): true when `bytes` more fit.
    bool take(std::size_t bytes);

private:
    std::size_t limit_, used_ = 0, refused_ = 0;
    AllocationBudget* outer_;
};

namespace detail {
// Installs the process's CPU allocator (budgets and the tensor cache, core/nn/tensor_cache.h) once.
void installCpuAllocator();
}  // namespace detail

}  // namespace lowclip::nn
