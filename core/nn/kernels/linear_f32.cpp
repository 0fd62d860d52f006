// float32 broadcast kernels (see linear.h). For few input rows (a query: 16 tokens) with w in its
// native [out, in] layout: one register holds one input feature of `lanes` rows, every output
// feature accumulates w[n, k] (broadcast) × xt[k] over k, NR features together; each weight row is
// streamed from memory once and there is no horizontal sum. Measured on the 2-core AMD EPYC (Zen 4)
// dev machine, one thread, 16 rows, mBERT-base's 72 weight matrices: about 2x faster than OpenBLAS
// sgemm via at::linear (which packs its operands on every call; this reads each weight once, in place).
// Each tile prefetches the next tile's rows: on a 2-core Intel Xeon (AVX-512) the query went from 48 ms
// (slower than at::linear's 38 ms) to 35 ms.
#include "core/nn/kernels/linear.h"

#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_KERNELS_X86 1
#endif

namespace lowclip::nn::kernels::impl {

#ifdef LOWCLIP_KERNELS_X86
namespace {

template <int MV, int NR>
__attribute__((target("avx512f,fma"))) void tile512(const float* xt, const float* w, int64_t ldw, const float* b,
                                                    float* yt, int64_t k) {
    __m512 acc[NR][MV];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_set1_ps(b ? b[j] : 0.0f);
    for (int64_t p = 0; p < k; ++p) {
        if ((p & 15) == 0) {
            // The next tile's rows (the following NR·ldw floats), one line per row every 16 steps, so
            // that its weights are on their way while this tile computes.
#pragma GCC unroll 8
            for (int j = 0; j < NR; ++j) _mm_prefetch(reinterpret_cast<const char*>(w + (NR + j) * ldw + p), _MM_HINT_T0);
        }
        __m512 xv[MV];
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) xv[v] = _mm512_loadu_ps(xt + (p * MV + v) * 16);
#pragma GCC unroll 8
        for (int j = 0; j < NR; ++j) {
            const __m512 wj = _mm512_set1_ps(w[j * ldw + p]);
#pragma GCC unroll 4
            for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_fmadd_ps(wj, xv[v], acc[j][v]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) _mm512_storeu_ps(yt + (j * MV + v) * 16, acc[j][v]);
}

// Output features [n0, n1) in tiles of NR, the remainder one by one.
template <int Lanes, int MV, int NR>
void range(const float* xt, const float* w, const float* b, float* yt, int64_t k, int64_t n0, int64_t n1) {
    int64_t n = n0;
    auto tile = [&](auto nr, int64_t at) {
        constexpr int R = decltype(nr)::value;
        static_assert(Lanes == 16, "one register of 16 floats per input feature");
        tile512<MV, R>(xt, w + at * k, k, b ? b + at : nullptr, yt + at * MV * 16, k);
    };
    for (; n + NR <= n1; n += NR) tile(std::integral_constant<int, NR>{}, n);
    for (; n < n1; ++n) tile(std::integral_constant<int, 1>{}, n);
}

}  // namespace

void f32Avx512(const float* xt, const float* w, const float* b, float* yt, int64_t in, int64_t mv, int64_t n0,
               int64_t n1) {
    switch (mv) {
        case 1: range<16, 1, 8>(xt, w, b, yt, in, n0, n1); break;
        case 2: range<16, 2, 8>(xt, w, b, yt, in, n0, n1); break;
        case 3: range<16, 3, 8>(xt, w, b, yt, in, n0, n1); break;
        default: range<16, 4, 6>(xt, w, b, yt, in, n0, n1); break;
    }
}

bool x86Build() { return true; }
#else
void f32Avx512(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t) {}
bool x86Build() { return false; }
#endif

}  // namespace lowclip::nn::kernels::impl
