#pragma once
// Multi-head attention for training on the CPU as one differentiable operation over the (sequence,
// head) pairs, spread over LibTorch's threads (core/nn/kernels/attention.h): BERT's attention at
// training shapes otherwise goes through batched matrix products whose per-matrix overhead, on one
// core, costs several times their arithmetic.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace lowclip::nn {

// Whether trainAttention runs for these operands: CPU float32 and AVX2+FMA at the active dispatch
// level, at most 512 keys. Elsewhere the caller composes the same function from tensor operations.
bool trainAttentionUsable(const at::Tensor& q, int64_t keys);

// context [batch, sq, heads·hs] = (softmax(q·kᵀ·scale + mask) ⊙ drop)·v per head, differentiable in
// q [batch, sq, heads·hs], k and v [batch, sk, heads·hs] (head h at columns h·hs, as a linear
// layer's output). mask: additive [batch, sk] over keys, or undefined; drop: dropout multipliers
// [batch, heads, sq, sk] (keyed_random.h's dropoutMultipliers), or undefined.
at::Tensor trainAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                          const at::Tensor& drop, int64_t heads, double scale);

}  // namespace lowclip::nn
