#pragma once
// Row-wise operations of a transformer encoder layer on raw float32 buffers (no Torch here), for
// the inference path of a few rows (a typed query): the steps between the int8 linear kernels, so
// that a whole layer runs without a tensor library's per-operation cost. Each has a scalar and an
// AVX2+FMA implementation; the one for the active dispatch level is used (cpu.h).
#include <cstdint>

#include "core/nn/kernels/cpu.h"

namespace lowclip::nn::kernels {

struct S8Weight;

// y[r, n] = (acc[r, n] - compensation[n])·xscale[r]·scale[n] + bias[n] + residual[r, n], for y and
// residual [rows, out] (bias and residual may be null; residual may equal y).
void dequantizeS8Rows(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                      const float* bias, const float* residual, float* y, Isa level);

// In place, each row of x [rows, n]: (x - mean)/sqrt(var + eps)·gamma + beta (biased variance).
void layerNormRows(float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, float eps, Isa level);

// Scaled dot-product attention of every sequence and head of qkv [batch·seq, 3·heads·hs] (row r holds
// query | key | value, each heads·hs wide, head h at h·hs): softmax(q·kᵀ·scale + mask)·v into
// ctx [batch·seq, heads·hs]. mask is the additive [batch, seq] mask over keys, or null. seq <= 512.
void attentionRows(const float* qkv, int64_t batch, int64_t seq, int64_t heads, int64_t hs, float scale,
                   const float* mask, float* ctx, Isa level);

// Whether the SIMD (AVX2+FMA) implementations run at `level` on this CPU.
bool rowsSimd(Isa level);

}  // namespace lowclip::nn::kernels
