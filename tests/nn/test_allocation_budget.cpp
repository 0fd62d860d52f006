// core/nn/allocation_budget: a cap on what LibTorch allocates on one thread while it is in force;
// core/nn/tensor_cache, which shares its allocator.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <c10/core/CPUAllocator.h>

#include <torch/torch.h>

#include "core/nn/allocation_budget.h"
#include "core/nn/clip.h"
#include "core/nn/runtime.h"
#include "core/nn/tensor_cache.h"
#include "tests/support/testing.h"

using lowclip::nn::AllocationBudget;
using lowclip::nn::AllocationBudgetExceeded;

TEST_CASE("an allocation past the budget throws before memory is taken; within it tensors work") {
    AllocationBudget budget(4u << 20);
    auto small = torch::ones({1000});
    CHECK(small.sum().item<float>() == 1000.0f);
    CHECK(budget.used() >= 4000);
    bool thrown = false;
    try {
        auto big = torch::zeros({int64_t{64} << 20});  // 256 MiB of float32
    } catch (const AllocationBudgetExceeded&) {
        thrown = true;
    }
    CHECK(thrown);
    CHECK(budget.refused() == (std::size_t{256} << 20));
    CHECK(budget.used() < (4u << 20));
}

TEST_CASE("the budget counts only its own thread and only while it lives; budgets nest") {
    {
        AllocationBudget outer(8u << 20);
        std::thread other([] { CHECK(torch::zeros({int64_t{16} << 20}).numel() == (int64_t{16} << 20)); });
        other.join();
        CHECK(outer.used() < (1u << 20));  // the other thread's 64 MiB were not counted
        {
            AllocationBudget inner(1u << 20);
            CHECK_THROWS_WITH(torch::zeros({int64_t{1} << 20}), AllocationBudgetExceeded, "budget");
        }
        auto mid = torch::zeros({int64_t{1} << 20});  // 4 MiB: fits the outer budget again
        CHECK(outer.used() >= (4u << 20));
        bool thrown = false;
        try {
            auto more = torch::zeros({int64_t{2} << 20});  // another 8 MiB: past the outer budget
        } catch (const AllocationBudgetExceeded&) {
            thrown = true;
        }
        CHECK(thrown);
    }
    CHECK(torch::zeros({int64_t{32} << 20}).numel() == (int64_t{32} << 20));  // no budget any more
}

TEST_CASE("a model configuration larger than its budget is refused while it is built") {
    lowclip::nn::ClipConfig c;
    c.text.vocabSize = 119547;  // mBERT's table alone is 350 MiB of float32
    c.imageArch = "resnet18";
    AllocationBudget budget(64u << 20);
    bool thrown = false;
    try {
        lowclip::nn::DualEncoder model(c);
    } catch (const AllocationBudgetExceeded&) {
        thrown = true;
    }
    CHECK(thrown);
    CHECK(budget.used() <= (64u << 20));
}

// core/nn/tensor_cache: large CPU tensors' blocks kept for reuse while a cache lives.
TEST_CASE("tensor cache: a freed block serves the next request it fits; small tensors and other sizes are not cached") {
    using lowclip::nn::CpuTensorCache;
    CHECK(!CpuTensorCache::active());
    {
        CpuTensorCache cache;
        CHECK(CpuTensorCache::active());
        const auto start = CpuTensorCache::stats();
        const void* first;
        {
            auto t = torch::full({int64_t{3} << 18}, 2.0f);  // 3 MiB
            first = t.data_ptr();
            CHECK(reinterpret_cast<std::uintptr_t>(first) % (std::size_t{1} << 21) == 0);
            CHECK(t.sum().item<float>() == 2.0f * static_cast<float>(int64_t{3} << 18));
        }
        CHECK(CpuTensorCache::stats().keptBytes - start.keptBytes == (std::size_t{4} << 20));
        {
            auto t = torch::empty({int64_t{7} << 17});  // 3.5 MiB: the same 4 MiB block
            CHECK(t.data_ptr() == first);
            CHECK(CpuTensorCache::stats().hits == start.hits + 1);
            t.fill_(1.0f);  // the block is writable and whole
            CHECK(t.sum().item<float>() == static_cast<float>(int64_t{7} << 17));
        }
        {
            auto big = torch::empty({int64_t{20} << 18});  // 20 MiB, freed at once
        }
        const auto before = CpuTensorCache::stats();
        {
            auto t = torch::empty({int64_t{17} << 18});  // 17 MiB -> 18 MiB: the 20 MiB block fits (within 1/8)
            CHECK(CpuTensorCache::stats().hits == before.hits + 1);
        }
        {
            auto t = torch::empty({int64_t{7} << 18});  // 7 MiB -> 8 MiB: neither 20 MiB nor 4 MiB is used
            CHECK(CpuTensorCache::stats().misses == before.misses + 1);
        }
        const auto small = CpuTensorCache::stats();
        for (int i = 0; i < 10; ++i) auto t = torch::ones({1000});
        CHECK(CpuTensorCache::stats().hits == small.hits && CpuTensorCache::stats().misses == small.misses);
        // Raw allocations (some LibTorch code calls them) free through the same allocator.
        c10::Allocator* a = c10::GetCPUAllocator();
        void* raw = a->raw_allocate(std::size_t{3} << 20);
        void* rawSmall = a->raw_allocate(100);
        CHECK(raw != nullptr && rawSmall != nullptr);
        a->raw_deallocate(raw);
        a->raw_deallocate(rawSmall);
        // Budgets still refuse before anything is taken.
        {
            AllocationBudget budget(4u << 20);
            CHECK_THROWS_WITH(torch::zeros({int64_t{64} << 20}), AllocationBudgetExceeded, "budget");
        }
    }
    CHECK(!CpuTensorCache::active());
    CHECK(CpuTensorCache::stats().keptBytes == 0);  // given back with the last cache
}

TEST_CASE("tensor cache: the cap, a tensor that outlives its cache, several threads") {
    using lowclip::nn::CpuTensorCache;
    torch::Tensor survivor;
    {
        CpuTensorCache cache(std::size_t{5} << 20);  // 5 MiB kept at most
        { auto t = torch::empty({int64_t{1} << 20}); }  // 4 MiB: kept
        CHECK(CpuTensorCache::stats().keptBytes == (std::size_t{4} << 20));
        { auto t = torch::empty({int64_t{3} << 19}); }  // 6 MiB freed: past the cap, given back
        CHECK(CpuTensorCache::stats().keptBytes <= (std::size_t{5} << 20));
        survivor = torch::full({int64_t{1} << 19}, 3.0f);  // made in the cache, freed after it
        std::vector<std::thread> threads;
        std::atomic<int> bad{0};
        for (int w = 0; w < 4; ++w)
            threads.emplace_back([w, &bad] {
                for (int i = 0; i < 50; ++i) {
                    auto t = torch::full({(int64_t{1} << 18) * (1 + (i + w) % 5)}, static_cast<float>(w));
                    if (t.sum().item<double>() != static_cast<double>(w) * static_cast<double>(t.numel())) ++bad;
                }
            });
        for (auto& t : threads) t.join();
        CHECK(bad.load() == 0);
    }
    CHECK(survivor.sum().item<float>() == 3.0f * static_cast<float>(int64_t{1} << 19));
    survivor = torch::Tensor();  // freed outside any cache: given back, not kept
    CHECK(CpuTensorCache::stats().keptBytes == 0);
    CHECK(CpuTensorCache::stats().liveBytes == 0);
}

TEST_CASE("the project's own parallel loops run on LibTorch's threads") {
    const int before = at::get_num_threads();
    at::set_num_threads(2);
    const int two = lowclip::nn::parallelLoopThreads();
    at::set_num_threads(1);
    const int one = lowclip::nn::parallelLoopThreads();
    at::set_num_threads(before);
    if (two == 0)
        SKIP("built without OpenMP (LOWCLIP_OPENMP=OFF, or LibTorch not on OpenMP): the project's loops run on one thread");
    CHECK_MSG(two == 2, "with 2 LibTorch threads a loop ran on " + std::to_string(two));
    CHECK_MSG(one == 1, "with 1 LibTorch thread a loop ran on " + std::to_string(one));
}

LOWCLIP_TEST_MAIN()
