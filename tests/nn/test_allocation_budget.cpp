// core/nn/allocation_budget: a cap on what LibTorch allocates on one thread while it is in force.
#include <thread>

#include <torch/torch.h>

#include "core/nn/allocation_budget.h"
#include "core/nn/clip.h"
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

LOWCLIP_TEST_MAIN()
