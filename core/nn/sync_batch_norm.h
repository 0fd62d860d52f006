#pragma once
// Synchronised BatchNorm for data-parallel training (used by convBatchNorm in core/nn/backbone.cpp).
#include <functional>

#include <ATen/core/Tensor.h>

namespace lowclip::nn {

// Synchronised BatchNorm (as torch.nn.SyncBatchNorm): while a scope is alive on the calling thread,
// the training-mode BatchNorm layers of convBatchNorm normalise with the mean and variance of the
// whole global batch and update their running statistics with them. `sumOverRanks` returns the sum
// of a tensor over every rank and passes gradients back the same way (a collective: every rank's
// forward pass must make the same calls).
using SumOverRanks = std::function<at::Tensor(const at::Tensor&)>;
class SyncBatchNormScope {
public:
    explicit SyncBatchNormScope(SumOverRanks sumOverRanks);
    ~SyncBatchNormScope();
    SyncBatchNormScope(const SyncBatchNormScope&) = delete;
    SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

private:
    SumOverRanks previous_;
};

}  // namespace lowclip::nn
