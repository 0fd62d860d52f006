// The paper-sized recipe runs: mBERT-base shape + EfficientNet-B0 (random weights), two training
// steps of batch 2 at 224x224 on the CPU with the default fine-tuning options.
#include <torch/torch.h>

#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"
#include "core/train/paper.h"
#include "tests/support/testing.h"

using namespace lowclip;
using namespace lowclip::train;

TEST_CASE("paper-sized model: two steps of batch 2 at 224 change the weights, loss finite") {
    auto r = runPaperSmoke(2, 2, "cpu");
    CHECK(r.steps == 2);
    CHECK(std::isfinite(r.firstLoss) && std::isfinite(r.lastLoss));
    CHECK(r.parameters > 170'000'000);  // mBERT-base (~178M) + EfficientNet-B0 (~4M) + heads
    CHECK(r.weightsChanged);
    CHECK(r.pairsPerSecond > 0);
}

LOWCLIP_TEST_MAIN()
