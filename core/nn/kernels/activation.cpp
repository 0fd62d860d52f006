// Element-wise activations (see activation.h).
#include "core/nn/kernels/activation.h"

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_ACT_X86 1
#endif

namespace lowclip::nn::kernels {

namespace {

void siluScalar(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

#ifdef LOWCLIP_ACT_X86
// e^t for t in [−87.3, 88.7] (clamped outside): t = k·ln2 + r with |r| <= ln2/2 (ln2 in two parts,
// so that r is exact), e^r by its Taylor polynomial of degree 6 in Horner form, 2^k through the
// exponent bits.
__attribute__((target("avx2,fma"))) inline __m256 expAvx2(__m256 t) {
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
    const __m256 k = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), t);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // 2^k for k in [−126, 128]: k = 128 (t near 88.7) as 2·2^127.
    const __m256i ki = _mm256_cvtps_epi32(k);
    const __m256i half = _mm256_srai_epi32(ki, 1);
    const __m256 a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
    const __m256 b = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ki, half), _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, a), b);
}

// x·sigmoid(x) from e = e^(−|x|) <= 1, so nothing overflows: x / (1 + e) for x >= 0, x·e / (1 + e)
// below; e is 0 where e^(−|x|) underflows (then SiLU of a negative x is −0, as the float answer).
__attribute__((target("avx2,fma"))) inline __m256 silu8(__m256 v) {
    const __m256 t = _mm256_or_ps(v, _mm256_set1_ps(-0.0f));  // −|x|
    const __m256 under = _mm256_cmp_ps(t, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
    const __m256 e = _mm256_andnot_ps(under, expAvx2(t));
    const __m256 num = _mm256_blendv_ps(v, _mm256_mul_ps(v, e), v);  // by v's sign bit
    return _mm256_div_ps(num, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

__attribute__((target("avx2,fma"))) void siluAvx2(float* x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, silu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        alignas(32) float tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t j = i; j < n; ++j) tail[j - i] = x[j];
        _mm256_store_ps(tail, silu8(_mm256_load_ps(tail)));
        for (int64_t j = i; j < n; ++j) x[j] = tail[j - i];
    }
}
#endif

}  // namespace

bool activationSimd(Isa level) { return avx2FmaAdmitted(level); }

void siluInPlace(float* x, int64_t n, Isa level) {
    if (n <= 0) return;
#ifdef LOWCLIP_ACT_X86
    if (activationSimd(level)) return siluAvx2(x, n);
#endif
    siluScalar(x, n);
}

}  // namespace lowclip::nn::kernels
