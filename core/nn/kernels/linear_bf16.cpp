// bfloat16 broadcast kernel (see linear.h): vdpbf16ps multiplies two bfloat16 pairs and adds both
// products to a float32 lane. xt holds, for each pair of input features (2p, 2p+1), 16·mv 32-bit
// lanes {x[r, 2p], x[r, 2p+1]}; the packed weight supplies {w[j, 2p], w[j, 2p+1]} broadcast to every
// lane. Half the weight bytes of the float32 kernel and two products per lane per instruction.
#include <algorithm>

#include "core/nn/kernels/linear.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_KERNELS_X86 1
#endif

namespace lowclip::nn::kernels::impl {

#ifdef LOWCLIP_KERNELS_X86
namespace {

// How far ahead (in input pairs: 32 bytes each) the kernel prefetches the packed weights. mBERT-base
// query on the dev machine, one thread: no prefetch 25.7 ms, 32 -> 21.9, 128 -> 18.9, 512 -> 19.3 ms.
constexpr int64_t kPrefetchPairs = 128;

// NR features starting at `j0` of the block at `wb`.
template <int MV, int NR>
__attribute__((target("avx512f,avx512bf16"))) void bf16Tile(const uint32_t* xt, const uint32_t* wb, int j0,
                                                            const float* b, float* yt, int64_t pairs, int valid) {
    __m512 acc[NR][MV];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_set1_ps(b && j < valid ? b[j] : 0.0f);
    for (int64_t p = 0; p < pairs; ++p) {
        __m512i xv[MV];
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) xv[v] = _mm512_loadu_si512(xt + (p * MV + v) * 16);
        const uint32_t* wp = wb + p * kBf16Pack + j0;
        // The stream is contiguous: fetch ahead of the hardware prefetcher (weights come from DRAM).
        _mm_prefetch(reinterpret_cast<const char*>(wp + kPrefetchPairs * kBf16Pack), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int j = 0; j < NR; ++j) {
            const __m512i wj = _mm512_set1_epi32(static_cast<int>(wp[j]));
#pragma GCC unroll 4
            for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_dpbf16_ps(acc[j][v], (__m512bh)wj, (__m512bh)xv[v]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
        if (j < valid)
#pragma GCC unroll 4
            for (int v = 0; v < MV; ++v) _mm512_storeu_ps(yt + (j * MV + v) * 16, acc[j][v]);
}

template <int MV>
void blocks(const uint32_t* xt, const uint32_t* w, const float* b, float* yt, int64_t pairs, int64_t out,
            int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; ++blk) {
        const int64_t n = blk * kBf16Pack;
        const int valid = static_cast<int>(std::min<int64_t>(kBf16Pack, out - n));
        const uint32_t* wb = w + blk * pairs * kBf16Pack;
        if constexpr (MV <= 3) {
            bf16Tile<MV, kBf16Pack>(xt, wb, 0, b ? b + n : nullptr, yt + n * MV * 16, pairs, valid);
        } else {  // 4 registers of rows: half a block at a time keeps the accumulators in registers
            bf16Tile<MV, kBf16Pack / 2>(xt, wb, 0, b ? b + n : nullptr, yt + n * MV * 16, pairs, valid);
            if (valid > kBf16Pack / 2)
                bf16Tile<MV, kBf16Pack / 2>(xt, wb, kBf16Pack / 2, b ? b + n + kBf16Pack / 2 : nullptr,
                                            yt + (n + kBf16Pack / 2) * MV * 16, pairs, valid - kBf16Pack / 2);
        }
    }
}

}  // namespace

void bf16Avx512(const uint32_t* xt, const uint32_t* w, const float* b, float* yt, int64_t pairs, int64_t out,
                int64_t mv, int64_t blk0, int64_t blk1) {
    switch (mv) {
        case 1: blocks<1>(xt, w, b, yt, pairs, out, blk0, blk1); break;
        case 2: blocks<2>(xt, w, b, yt, pairs, out, blk0, blk1); break;
        case 3: blocks<3>(xt, w, b, yt, pairs, out, blk0, blk1); break;
        default: blocks<4>(xt, w, b, yt, pairs, out, blk0, blk1); break;
    }
}
#else
void bf16Avx512(const uint32_t*, const uint32_t*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t) {}
#endif

}  // namespace lowclip::nn::kernels::impl
