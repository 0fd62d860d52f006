#pragma once
// Scaled dot-product attention for training on raw float32 buffers (no Torch here): the forward
// pass keeping the softmax probabilities, and the backward pass from them, one (sequence, head)
// at a time, with AVX2+FMA. At BERT's training shapes (32 tokens, 12 heads of 64) a tensor library
// spends most of this in per-matrix overhead of its batched products, on one core; here the caller
// spreads the (sequence, head) tasks over its threads.
//
// Layouts: q [batch, sq, ldq], k [batch, sk, ldk], v [batch, sk, ldv], out [batch, sq, ldo], head h
// at columns [h·hs, (h+1)·hs) of each (as a linear layer's output, before any transpose);
// probs and drop [batch, heads, sq, sk]; mask [batch, sk] (additive, over keys) or null; drop the
// dropout multipliers (0 or 1/(1−p)) applied to the probabilities, or null.
#include <cstdint>

#include "core/nn/kernels/cpu.h"

namespace lowclip::nn::kernels {

struct AttentionShape {
    int64_t batch = 0, heads = 0, sq = 0, sk = 0, hs = 0;
    int64_t ldq = 0, ldk = 0, ldv = 0, ldo = 0;
    float scale = 1;
};

// Whether the training attention kernels run at `level` (AVX2+FMA present and admitted).
bool attentionTrainSimd(Isa level);

// Task t = b·heads + h of the forward pass: probs[b, h] = softmax(q·kᵀ·scale + mask), out[b, :, h] =
// (probs ⊙ drop)·v. Needs attentionTrainSimd(activeIsa()).
void attentionTrainForward(const AttentionShape& s, int64_t task, const float* q, const float* k, const float* v,
                           const float* mask, const float* drop, float* probs, float* out);

// Task t of the backward pass from dout: dq[b, :, h], dk[b, :, h], dv[b, :, h] written (not added
// to), with dq/dk/dv laid out as q/k/v. Needs attentionTrainSimd(activeIsa()).
void attentionTrainBackward(const AttentionShape& s, int64_t task, const float* q, const float* k, const float* v,
                            const float* drop, const float* probs, const float* dout, float* dq, float* dk, float* dv);

}  // namespace lowclip::nn::kernels
