#pragma once
// The small-batch linear kernels behind BERT's inference path, on raw pointers (no Torch here).
// Each family has implementations per instruction set (target attributes, see cpu.h); a
// LinearKernels table holds the best of each for a dispatch level and is picked once.
//
// float32 ("broadcast" scheme): yt[j, 0:lanes·mv] = b[j] + Σ_k w[j, k]·xt[k, 0:lanes·mv] for the
//   output features j in [n0, n1); w is [out, in] row-major, xt [in, lanes·mv] (input row r in
//   column r, zero columns past the rows), yt [out, lanes·mv].
// bfloat16: the same with xt [pairs, 16·mv] of packed bfloat16 pairs and w packed as
//   [ceil(out/8), pairs, 8, 2] (see bert.h, Bf16Weight); blocks of 8 features [blk0, blk1).
// int8: acc[r, n] = Σ_k xu[r, k]·wq[n, k] exactly in int32, for u8 activations xu [rows, 4·groups]
//   and s8 weights packed as [blocks, groups, 16, 4] (element [b, g, j, i] = wq[16b + j, 4g + i]),
//   for the features of blocks [blk0, blk1); acc is [rows, 16·blocks] (ldc = 16·blocks). Weights
//   must lie in [-63, 63] (so that vpmaddubsw's 16-bit pair sums cannot saturate) and 4·groups·255·63
//   must fit in int32.
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "core/nn/kernels/cpu.h"

namespace lowclip::nn::kernels {

using F32Kernel = void (*)(const float* xt, const float* w, const float* b, float* yt, int64_t in, int64_t mv,
                           int64_t n0, int64_t n1);
using Bf16Kernel = void (*)(const uint32_t* xt, const uint32_t* w, const float* b, float* yt, int64_t pairs,
                            int64_t out, int64_t mv, int64_t blk0, int64_t blk1);
using S8Kernel = void (*)(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0,
                          int64_t blk1, int32_t* acc, int64_t ldc);

constexpr int64_t kBf16Pack = 8;   // output features per block of the packed bfloat16 weight
constexpr int64_t kS8Block = 16;   // output features per block of the packed int8 weight
constexpr int kS8WeightMax = 63;   // |quantized weight| bound

struct LinearKernels {
    Isa level = Isa::Scalar;       // the level the table was made for
    const char* f32Name = "none";  // "avx512" or "none" (then at::linear)
    F32Kernel f32 = nullptr;
    int f32Lanes = 0;              // rows per register
    int f32MaxRows = 0;            // most rows the float32 kernel takes
    const char* bf16Name = "none";
    Bf16Kernel bf16 = nullptr;     // lanes 16, at most 64 rows
    const char* s8Name = "scalar"; // "avx512vnni", "avxvnni", "avx2" or "scalar"
    S8Kernel s8 = nullptr;         // never null
};

// The table for `level` (each family's best admitted implementation).
const LinearKernels& linearKernels(Isa level);

// The int8 implementations one by one, for tests: nullptr where this CPU (or build) lacks it.
S8Kernel s8Kernel(Isa isa);  // Scalar, Avx2, AvxVnni, Avx512Vnni

// An int8 copy of a float32 weight w [out, in]: wq[n, k] = round(w[n, k] / scale[n]) in [-63, 63],
// scale[n] = max_k |w[n, k]| / 63 (1 for a zero row), packed as above (zeros past `out` and `in`).
// compensation[n] = 128·Σ_k wq[n, k]: the activations are stored as u8 = s8 + 128.
// Buffers of 1 MiB and more start on a 2 MiB boundary with transparent huge pages requested
// (madvise): a query streams every layer's weights from memory once, and with 4 KiB pages the
// page walks cost a large part of that. Smaller ones come from the ordinary heap.
void* allocateWeightBuffer(size_t bytes);  // throws std::bad_alloc
void freeWeightBuffer(void* p) noexcept;
template <typename T>
struct WeightAllocator {
    using value_type = T;
    WeightAllocator() = default;
    template <typename U>
    WeightAllocator(const WeightAllocator<U>&) {}
    T* allocate(size_t n) {
        if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
        return static_cast<T*>(allocateWeightBuffer(n * sizeof(T)));
    }
    void deallocate(T* p, size_t) noexcept { freeWeightBuffer(p); }
    template <typename U>
    bool operator==(const WeightAllocator<U>&) const { return true; }
    template <typename U>
    bool operator!=(const WeightAllocator<U>&) const { return false; }
};

struct S8Weight {
    int64_t out = 0, in = 0, groups = 0, blocks = 0;
    bool finite = true;  // false when w has inf or NaN (then nothing else is set)
    std::vector<int8_t, WeightAllocator<int8_t>> data;
    std::vector<float> scale;
    std::vector<int32_t> compensation;
};
void quantizeWeightS8(const float* w, int64_t out, int64_t in, S8Weight& q);
// The same with the implementation of `level` (AVX2 or scalar; both give the same bytes).
void quantizeWeightS8(const float* w, int64_t out, int64_t in, S8Weight& q, Isa level);
// The unpacked wq [out, in] of a quantized weight, for tests.
std::vector<int8_t> unpackS8(const S8Weight& q);

// Per-row quantization of x [rows, in]: xs = round(x / scale[r]) in [-127, 127], scale[r] =
// max |x[r, :]| / 127 (1 for a zero row); xu [rows, 4·ceil(in/4)] = xs + 128 (0 in the padding).
// Returns false (and leaves the outputs unspecified) when x has inf or NaN.
bool quantizeRowsU8(const float* x, int64_t rows, int64_t in, std::vector<uint8_t>& xu, std::vector<float>& scale);
// The same into caller buffers xu [rows, 4·ceil(in/4)] and scale [rows], with the implementation of
// `level` (AVX2 or scalar; both give the same bytes).
bool quantizeRowsU8(const float* x, int64_t rows, int64_t in, uint8_t* xu, float* scale, Isa level);

// y[r, n] = (acc[r, n] - compensation[n])·xscale[r]·scale[n] + bias[n] (bias may be null), y [rows, out].
void dequantizeS8(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                  const float* bias, float* y);

// The implementations of each family (defined in their own files).
namespace impl {
void f32Avx512(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t);
void bf16Avx512(const uint32_t*, const uint32_t*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t);
void s8Scalar(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t, int32_t*, int64_t);
void s8Avx2(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t, int32_t*, int64_t);
void s8AvxVnni(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t, int32_t*, int64_t);
void s8Avx512Vnni(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t, int32_t*, int64_t);
bool x86Build();  // whether the SIMD implementations were compiled (x86-64 with GCC or Clang)
}  // namespace impl

}  // namespace lowclip::nn::kernels
