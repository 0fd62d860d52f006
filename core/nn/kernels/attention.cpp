// Attention for training on raw buffers (see attention.h).
#include "core/nn/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_ATTN_X86 1
#endif

namespace lowclip::nn::kernels {

bool attentionTrainSimd(Isa level) { return avx2FmaAdmitted(level); }

#ifdef LOWCLIP_ATTN_X86

namespace {

__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) inline float dot(const float* a, const float* b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t e = 0;
    for (; e + 16 <= n; e += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + e + 8), _mm256_loadu_ps(b + e + 8), acc1);
    }
    for (; e + 8 <= n; e += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e), acc0);
    float d = hsum(_mm256_add_ps(acc0, acc1));
    for (; e < n; ++e) d += a[e] * b[e];
    return d;
}

// dst[0, hs) = Σ_r coef[r·stride]·rows[r·ld + (0, hs)], the sums held in registers 64 columns at a time.
__attribute__((target("avx2,fma"))) void weightedSum(float* dst, const float* coef, int64_t stride, int64_t n,
                                                     const float* rows, int64_t ld, int64_t hs) {
    int64_t c = 0;
    for (; c + 64 <= hs; c += 64) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int64_t r = 0; r < n; ++r) {
            const __m256 w = _mm256_set1_ps(coef[r * stride]);
            const float* x = rows + r * ld + c;
            a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x), a0);
            a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 8), a1);
            a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 16), a2);
            a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 24), a3);
            a4 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 32), a4);
            a5 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 40), a5);
            a6 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 48), a6);
            a7 = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 56), a7);
        }
        _mm256_storeu_ps(dst + c, a0);
        _mm256_storeu_ps(dst + c + 8, a1);
        _mm256_storeu_ps(dst + c + 16, a2);
        _mm256_storeu_ps(dst + c + 24, a3);
        _mm256_storeu_ps(dst + c + 32, a4);
        _mm256_storeu_ps(dst + c + 40, a5);
        _mm256_storeu_ps(dst + c + 48, a6);
        _mm256_storeu_ps(dst + c + 56, a7);
    }
    for (; c + 8 <= hs; c += 8) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t r = 0; r < n; ++r) a = _mm256_fmadd_ps(_mm256_set1_ps(coef[r * stride]), _mm256_loadu_ps(rows + r * ld + c), a);
        _mm256_storeu_ps(dst + c, a);
    }
    for (; c < hs; ++c) {
        float a = 0.0f;
        for (int64_t r = 0; r < n; ++r) a += coef[r * stride] * rows[r * ld + c];
        dst[c] = a;
    }
}

// Per-thread scratch of at least n floats (n <= the caller's bound on queries·keys).
float* scratch(int64_t n, int which) {
    thread_local std::vector<float> buffers[2];
    auto& b = buffers[which];
    if (static_cast<int64_t>(b.size()) < n) b.resize(static_cast<size_t>(n));
    return b.data();
}

}  // namespace

__attribute__((target("avx2,fma"))) void attentionTrainForward(const AttentionShape& s, int64_t task, const float* q,
                                                                 const float* k, const float* v, const float* mask,
                                                                 const float* drop, float* probs, float* out) {
    const int64_t b = task / s.heads, h = task % s.heads, hs = s.hs;
    const float* kb = k + b * s.sk * s.ldk + h * hs;
    const float* vb = v + b * s.sk * s.ldv + h * hs;
    const float* mb = mask ? mask + b * s.sk : nullptr;
    float* weights = scratch(s.sk, 0);
    for (int64_t i = 0; i < s.sq; ++i) {
        const float* qi = q + (b * s.sq + i) * s.ldq + h * hs;
        const int64_t row = (task * s.sq + i) * s.sk;
        float* p = probs + row;
        float mx = -INFINITY;
        for (int64_t j = 0; j < s.sk; ++j) {
            p[j] = dot(qi, kb + j * s.ldk, hs) * s.scale + (mb ? mb[j] : 0.0f);
            mx = std::max(mx, p[j]);
        }
        float sum = 0.0f;
        for (int64_t j = 0; j < s.sk; ++j) {
            p[j] = std::exp(p[j] - mx);
            sum += p[j];
        }
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j < s.sk; ++j) {
            p[j] *= inv;
            weights[j] = drop ? p[j] * drop[row + j] : p[j];
        }
        weightedSum(out + (b * s.sq + i) * s.ldo + h * hs, weights, 1, s.sk, vb, s.ldv, hs);
    }
}

__attribute__((target("avx2,fma"))) void attentionTrainBackward(const AttentionShape& s, int64_t task, const float* q,
                                                                  const float* k, const float* v, const float* drop,
                                                                  const float* probs, const float* dout, float* dq,
                                                                  float* dk, float* dv) {
    const int64_t b = task / s.heads, h = task % s.heads, hs = s.hs, sq = s.sq, sk = s.sk;
    const float* qb = q + b * sq * s.ldq + h * hs;
    const float* kb = k + b * sk * s.ldk + h * hs;
    const float* vb = v + b * sk * s.ldv + h * hs;
    const float* gb = dout + b * sq * s.ldo + h * hs;
    // g[i, j]: d(scores) through softmax and the scale; w[i, j]: the probabilities after dropout.
    float* g = scratch(sq * sk, 0);
    float* w = scratch(sq * sk, 1);
    for (int64_t i = 0; i < sq; ++i) {
        const int64_t row = (task * sq + i) * sk;
        const float* p = probs + row;
        const float* d = drop ? drop + row : nullptr;
        const float* doi = gb + i * s.ldo;
        float* gi = g + i * sk;
        float* wi = w + i * sk;
        float t = 0.0f;
        for (int64_t j = 0; j < sk; ++j) {
            const float mult = d ? d[j] : 1.0f;
            const float dp = dot(doi, vb + j * s.ldv, hs) * mult;  // d(probs) through dropout
            wi[j] = p[j] * mult;
            gi[j] = dp;
            t += p[j] * dp;
        }
        for (int64_t j = 0; j < sk; ++j) gi[j] = p[j] * (gi[j] - t) * s.scale;
    }
    for (int64_t i = 0; i < sq; ++i) weightedSum(dq + (b * sq + i) * s.ldq + h * hs, g + i * sk, 1, sk, kb, s.ldk, hs);
    for (int64_t j = 0; j < sk; ++j) {
        weightedSum(dk + (b * sk + j) * s.ldk + h * hs, g + j, sk, sq, qb, s.ldq, hs);
        weightedSum(dv + (b * sk + j) * s.ldv + h * hs, w + j, sk, sq, gb, s.ldo, hs);
    }
}

#else

void attentionTrainForward(const AttentionShape&, int64_t, const float*, const float*, const float*, const float*,
                           const float*, float*, float*) {}
void attentionTrainBackward(const AttentionShape&, int64_t, const float*, const float*, const float*, const float*,
                            const float*, const float*, float*, float*, float*) {}

#endif

}  // namespace lowclip::nn::kernels
