// int8 kernels (see linear.h): exact int32 sums of u8 activations × s8 weights. The packed weight
// gives, for each group of 4 input features, the 16 features' 4 bytes side by side (64 bytes), so one
// row's 4 activation bytes broadcast to every 32-bit lane meet 8 (ymm) or 16 (zmm) features at once.
//   AVX2: vpmaddubsw (u8×s8 pairs -> saturating int16; |w| <= 63 keeps 2·255·63 below 32767) then
//         vpmaddwd with ones (int16 pairs -> int32).
//   AVX-VNNI / AVX-512 VNNI: vpdpbusd (4 u8×s8 products into an int32 lane, no saturation).
#include <algorithm>
#include <cstring>

#include "core/nn/kernels/linear.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_KERNELS_X86 1
#endif

namespace lowclip::nn::kernels::impl {

void s8Scalar(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
              int32_t* acc, int64_t ldc) {
    const int64_t ld = 4 * groups;
    for (int64_t blk = blk0; blk < blk1; ++blk) {
        const int8_t* wb = w + blk * groups * 64;
        for (int64_t r = 0; r < rows; ++r) {
            int32_t s[kS8Block] = {};
            const uint8_t* x = xu + r * ld;
            for (int64_t g = 0; g < groups; ++g)
                for (int j = 0; j < kS8Block; ++j)
                    for (int i = 0; i < 4; ++i)
                        s[j] += static_cast<int32_t>(x[4 * g + i]) * static_cast<int32_t>(wb[g * 64 + j * 4 + i]);
            std::memcpy(acc + r * ldc + blk * kS8Block, s, sizeof s);
        }
    }
}

#ifdef LOWCLIP_KERNELS_X86
namespace {

inline int32_t load4(const uint8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

template <int R>
__attribute__((target("avx2"))) void tileAvx2(const uint8_t* xu, int64_t ld, const int8_t* wb, const int8_t* pf, int64_t groups,
                                              int32_t* out, int64_t ldc) {
    __m256i a[R][2];
    for (int i = 0; i < R; ++i) a[i][0] = a[i][1] = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t g = 0; g < groups; ++g) {
        if (pf) _mm_prefetch(reinterpret_cast<const char*>(pf + g * 64), _MM_HINT_T0);
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 64));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 64 + 32));
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i) {
            const __m256i x = _mm256_set1_epi32(load4(xu + i * ld + 4 * g));
            a[i][0] = _mm256_add_epi32(a[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w0), ones));
            a[i][1] = _mm256_add_epi32(a[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w1), ones));
        }
    }
    for (int i = 0; i < R; ++i) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i * ldc), a[i][0]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i * ldc + 8), a[i][1]);
    }
}

template <int R>
__attribute__((target("avx2,avxvnni"))) void tileAvxVnni(const uint8_t* xu, int64_t ld, const int8_t* wb, const int8_t* pf,
                                                         int64_t groups, int32_t* out, int64_t ldc) {
    __m256i a[R][2];
    for (int i = 0; i < R; ++i) a[i][0] = a[i][1] = _mm256_setzero_si256();
    for (int64_t g = 0; g < groups; ++g) {
        if (pf) _mm_prefetch(reinterpret_cast<const char*>(pf + g * 64), _MM_HINT_T0);
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 64));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 64 + 32));
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i) {
            const __m256i x = _mm256_set1_epi32(load4(xu + i * ld + 4 * g));
            a[i][0] = _mm256_dpbusd_avx_epi32(a[i][0], x, w0);
            a[i][1] = _mm256_dpbusd_avx_epi32(a[i][1], x, w1);
        }
    }
    for (int i = 0; i < R; ++i) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i * ldc), a[i][0]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i * ldc + 8), a[i][1]);
    }
}

template <int R>
__attribute__((target("avx512f,avx512vnni"))) void tileAvx512Vnni(const uint8_t* xu, int64_t ld, const int8_t* wb, const int8_t* pf,
                                                                  int64_t groups, int32_t* out, int64_t ldc) {
    __m512i a[R];
    for (int i = 0; i < R; ++i) a[i] = _mm512_setzero_si512();
    for (int64_t g = 0; g < groups; ++g) {
        if (pf) _mm_prefetch(reinterpret_cast<const char*>(pf + g * 64), _MM_HINT_T0);
        const __m512i w = _mm512_loadu_si512(wb + g * 64);
#pragma GCC unroll 8
        for (int i = 0; i < R; ++i) a[i] = _mm512_dpbusd_epi32(a[i], _mm512_set1_epi32(load4(xu + i * ld + 4 * g)), w);
    }
    for (int i = 0; i < R; ++i) _mm512_storeu_si512(out + i * ldc, a[i]);
}

// Every block of [blk0, blk1), rows in tiles of up to MaxR. The first tile of a block also prefetches
// the next block's weights (the following bytes), which the later tiles would otherwise leave to a
// cold start from memory: a block is read once from memory and then from cache by its other tiles.
template <int MaxR, template <int> class Tile>
void run(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1, int32_t* acc,
         int64_t ldc) {
    const int64_t ld = 4 * groups;
    for (int64_t blk = blk0; blk < blk1; ++blk) {
        const int8_t* wb = w + blk * groups * 64;
        for (int64_t r = 0; r < rows;) {
            const int64_t n = std::min<int64_t>(MaxR, rows - r);
            const int8_t* pf = r == 0 && blk + 1 < blk1 ? wb + groups * 64 : nullptr;
            Tile<MaxR>::dispatch(static_cast<int>(n), xu + r * ld, ld, wb, pf, groups, acc + r * ldc + blk * kS8Block,
                                 ldc);
            r += n;
        }
    }
}

#define LOWCLIP_TILE_DISPATCH(Name, Fn)                                                                          \
    template <int MaxR>                                                                                          \
    struct Name {                                                                                                \
        static void dispatch(int n, const uint8_t* x, int64_t ld, const int8_t* wb, const int8_t* pf, int64_t g, \
                             int32_t* o, int64_t ldc) {                                                          \
            switch (n) {                                                                                         \
                case 1: Fn<1>(x, ld, wb, pf, g, o, ldc); break;                                                      \
                case 2: Fn<2>(x, ld, wb, pf, g, o, ldc); break;                                                      \
                case 3: Fn<3>(x, ld, wb, pf, g, o, ldc); break;                                                      \
                case 4: Fn<4>(x, ld, wb, pf, g, o, ldc); break;                                                      \
                case 5: if constexpr (MaxR >= 5) Fn<5>(x, ld, wb, pf, g, o, ldc); break;                             \
                case 6: if constexpr (MaxR >= 6) Fn<6>(x, ld, wb, pf, g, o, ldc); break;                             \
                case 7: if constexpr (MaxR >= 7) Fn<7>(x, ld, wb, pf, g, o, ldc); break;                             \
                default: if constexpr (MaxR >= 8) Fn<8>(x, ld, wb, pf, g, o, ldc); break;                            \
            }                                                                                                    \
        }                                                                                                        \
    };
LOWCLIP_TILE_DISPATCH(Avx2Tile, tileAvx2)
LOWCLIP_TILE_DISPATCH(AvxVnniTile, tileAvxVnni)
LOWCLIP_TILE_DISPATCH(Avx512VnniTile, tileAvx512Vnni)
#undef LOWCLIP_TILE_DISPATCH

}  // namespace

void s8Avx2(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
            int32_t* acc, int64_t ldc) {
    run<4, Avx2Tile>(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
void s8AvxVnni(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
               int32_t* acc, int64_t ldc) {
    run<6, AvxVnniTile>(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
void s8Avx512Vnni(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
                  int32_t* acc, int64_t ldc) {
    run<8, Avx512VnniTile>(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
#else
void s8Avx2(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
            int32_t* acc, int64_t ldc) {
    s8Scalar(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
void s8AvxVnni(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
               int32_t* acc, int64_t ldc) {
    s8Scalar(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
void s8Avx512Vnni(const uint8_t* xu, int64_t rows, const int8_t* w, int64_t groups, int64_t blk0, int64_t blk1,
                  int32_t* acc, int64_t ldc) {
    s8Scalar(xu, rows, w, groups, blk0, blk1, acc, ldc);
}
#endif

}  // namespace lowclip::nn::kernels::impl
