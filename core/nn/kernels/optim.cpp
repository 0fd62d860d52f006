// AdamW's update and the gradient norm on raw buffers (see optim.h).
#include "core/nn/kernels/optim.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_OPTIM_X86 1
#endif

namespace lowclip::nn::kernels {

namespace {

constexpr int64_t kBlock = 512;  // elements per float partial sum before it joins the double total

inline void adamwOne(float& p, float g, float& m, float& v, const AdamWScalars& s) {
    g *= s.gradScale;
    float q = p * s.decay;
    float mm = std::fma(s.oneMinusBeta1, g, m * s.beta1);
    float vv = std::fma(s.oneMinusBeta2, g * g, v * s.beta2);
    float denom = std::fma(std::sqrt(vv), s.invSqrtBc2, s.eps);
    p = q - s.stepSize * mm / denom;
    m = mm;
    v = vv;
}

void adamwScalar(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s) {
    for (int64_t i = 0; i < n; ++i) adamwOne(p[i], g[i], m[i], v[i], s);
}

double sumSquaresScalar(const float* x, int64_t n) {
    double total = 0;
    for (int64_t i = 0; i < n; i += kBlock) {
        float part = 0;
        for (int64_t j = i, e = std::min(n, i + kBlock); j < e; ++j) part = std::fma(x[j], x[j], part);
        total += part;
    }
    return total;
}

#ifdef LOWCLIP_OPTIM_X86
__attribute__((target("avx2,fma"))) void adamwAvx2(float* p, const float* g, float* m, float* v, int64_t n,
                                                     const AdamWScalars& s) {
    const __m256 scale = _mm256_set1_ps(s.gradScale), decay = _mm256_set1_ps(s.decay);
    const __m256 b1 = _mm256_set1_ps(s.beta1), c1 = _mm256_set1_ps(s.oneMinusBeta1);
    const __m256 b2 = _mm256_set1_ps(s.beta2), c2 = _mm256_set1_ps(s.oneMinusBeta2);
    const __m256 step = _mm256_set1_ps(s.stepSize), inv = _mm256_set1_ps(s.invSqrtBc2), eps = _mm256_set1_ps(s.eps);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gg = _mm256_mul_ps(_mm256_loadu_ps(g + i), scale);
        __m256 q = _mm256_mul_ps(_mm256_loadu_ps(p + i), decay);
        __m256 mm = _mm256_fmadd_ps(c1, gg, _mm256_mul_ps(_mm256_loadu_ps(m + i), b1));
        __m256 vv = _mm256_fmadd_ps(c2, _mm256_mul_ps(gg, gg), _mm256_mul_ps(_mm256_loadu_ps(v + i), b2));
        __m256 denom = _mm256_fmadd_ps(_mm256_sqrt_ps(vv), inv, eps);
        __m256 upd = _mm256_div_ps(_mm256_mul_ps(step, mm), denom);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(q, upd));
        _mm256_storeu_ps(m + i, mm);
        _mm256_storeu_ps(v + i, vv);
    }
    for (; i < n; ++i) adamwOne(p[i], g[i], m[i], v[i], s);
}

__attribute__((target("avx2,fma"))) double sumSquaresAvx2(const float* x, int64_t n) {
    double total = 0;
    for (int64_t i = 0; i < n; i += kBlock) {
        const int64_t e = std::min(n, i + kBlock);
        __m256 acc = _mm256_setzero_ps();
        int64_t j = i;
        for (; j + 8 <= e; j += 8) {
            __m256 a = _mm256_loadu_ps(x + j);
            acc = _mm256_fmadd_ps(a, a, acc);
        }
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, acc);
        float part = 0;
        for (float l : lanes) part += l;
        for (; j < e; ++j) part = std::fma(x[j], x[j], part);
        total += part;
    }
    return total;
}
#endif

}  // namespace

bool optimSimd(Isa level) { return avx2FmaAdmitted(level); }

void adamwUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t n, const AdamWScalars& s,
                 Isa level) {
    if (n <= 0) return;
#ifdef LOWCLIP_OPTIM_X86
    if (optimSimd(level)) return adamwAvx2(param, grad, expAvg, expAvgSq, n, s);
#endif
    adamwScalar(param, grad, expAvg, expAvgSq, n, s);
}

double sumOfSquares(const float* x, int64_t n, Isa level) {
    if (n <= 0) return 0;
#ifdef LOWCLIP_OPTIM_X86
    if (optimSimd(level)) return sumSquaresAvx2(x, n);
#endif
    return sumSquaresScalar(x, n);
}

}  // namespace lowclip::nn::kernels
