#pragma once
// Train-time randomness (dropout, stochastic depth) keyed per example instead of drawn from torch's
// generator: while a KeyedRandomScope is alive on the calling thread, every dropout site of the towers
// and projection heads draws its mask from a counter-based hash of (the row's key, the site's number
// in this forward pass, the element's index within the row). A row's masks then depend only on its
// key, not on which other rows share its batch or on which process computes it: the trainer keys a
// pair by (seed, epoch, batch index, position in the global batch), so one process with batch B and
// N ranks with B/N each apply the same masks to the same pair. Without a scope the sites use torch's
// usual dropout. Works on every device (integer tensor arithmetic only).
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace lowclip::nn {

class KeyedRandomScope {
public:
    // `rowKeys`: [B] int64, one key per example of the batch about to go through the model (on any
    // device; moved to each site's device). Sites are numbered from 0 in the order the forward pass
    // reaches them; a scope covers one forward pass.
    explicit KeyedRandomScope(const at::Tensor& rowKeys);
    ~KeyedRandomScope();
    KeyedRandomScope(const KeyedRandomScope&) = delete;
    KeyedRandomScope& operator=(const KeyedRandomScope&) = delete;

private:
    void* previous_;
};

// True while a scope is alive on this thread.
bool keyedRandomActive();

// Uniform values in [0, 2^53) as int64, shape [B, perRow]: row r from key rowKeys[r], site `site`,
// element e of the row. Deterministic; the building block of the sites below (exposed for tests).
at::Tensor keyedRandomBits(const at::Tensor& rowKeys, int64_t site, int64_t perRow);

// Dropout of `x` with probability p (kept elements scaled by 1 / (1 - p)). Dimension 0 of `x` is the
// batch, or a multiple of it laid out batch-major (e.g. attention windows, [B * windows, ...]).
// In training with a scope: the keyed mask; in training without one: torch's dropout; else x.
at::Tensor dropout(const at::Tensor& x, double p, bool training);

// The multipliers dropout(x, p, true) would apply to an x of `shape` (0 or 1 / (1 - p)), for code
// that fuses the multiplication into its own kernel: the keyed mask with a scope, torch's
// Bernoulli draws without one; undefined when p is 0 (with a scope, the site is still counted).
at::Tensor dropoutMultipliers(at::IntArrayRef shape, const at::TensorOptions& options, double p);

// The keyed mask of the next site, already scaled: 1 / (1 - p) where kept, 0 where dropped, as a
// float tensor of `shape` (dimension 0: the batch or a batch-major multiple of it) in `options`.
// Needs a live scope (stochastic depth in core/nn/backbone.cpp draws its per-example masks here).
at::Tensor keyedDropoutMask(at::IntArrayRef shape, const at::TensorOptions& options, double p);

}  // namespace lowclip::nn
