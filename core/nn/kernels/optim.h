#pragma once
// The optimizer's per-element work on raw float32 buffers (no Torch here): AdamW's update in one
// pass over parameter, gradient and both moments, and the gradient's sum of squares for norm
// clipping. Scalar and AVX2+FMA implementations; the one for the active dispatch level runs (cpu.h).
#include <cstdint>

#include "core/nn/kernels/cpu.h"

namespace lowclip::nn::kernels {

// One AdamW step (decoupled weight decay, as torch.optim.AdamW), for i in [0, n):
//   g = grad[i]·gradScale                         (gradScale: the clipping factor, 1 for none)
//   p = p·decay                                   (decay = 1 − lr·weight_decay)
//   m = m·beta1 + (1 − beta1)·g
//   v = v·beta2 + (1 − beta2)·g²
//   p = p − stepSize·m / (sqrt(v)·invSqrtBc2 + eps)   (stepSize = lr / (1 − beta1^t),
//                                                     invSqrtBc2 = 1 / sqrt(1 − beta2^t))
struct AdamWScalars {
    float gradScale = 1, decay = 1, beta1 = 0.9f, oneMinusBeta1 = 0.1f, beta2 = 0.999f, oneMinusBeta2 = 0.001f;
    float stepSize = 0, invSqrtBc2 = 1, eps = 1e-8f;
};
void adamwUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t n, const AdamWScalars& s,
                 Isa level);

// Σ x[i]², with float partial sums over blocks of 512 elements joined in double.
double sumOfSquares(const float* x, int64_t n, Isa level);

// Whether the AVX2+FMA implementations run at `level` on this CPU.
bool optimSimd(Isa level);

}  // namespace lowclip::nn::kernels
