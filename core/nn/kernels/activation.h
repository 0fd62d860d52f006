#pragma once
// Element-wise activations on raw float32 buffers (no Torch here), for the image towers' inference:
// SiLU, x·sigmoid(x). The AVX2+FMA code computes e^(−|x|) with a degree-6 polynomial after range
// reduction, and x / (1 + e) or x·e / (1 + e) from it (nothing overflows); test_kernels measures it
// within 2.6e-7 relative of the double-precision function (returning −0 below x = −87.3, where the
// exact value is under 1.1e-36). LibTorch's own SiLU, with SLEEF's exponential, was 42 % of
// EfficientNet-B0's inference time on one AVX2 core (bench_vision's end-to-end phase, profiled).
#include <cstdint>

#include "core/nn/kernels/cpu.h"

namespace lowclip::nn::kernels {

// x[i] = x[i] / (1 + exp(−x[i])) for i in [0, n), with the implementation of `level`.
void siluInPlace(float* x, int64_t n, Isa level);

// Whether the AVX2+FMA implementation runs at `level` on this CPU.
bool activationSimd(Isa level);

}  // namespace lowclip::nn::kernels
