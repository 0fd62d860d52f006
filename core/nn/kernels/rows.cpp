// Row-wise encoder steps (see rows.h). Dequantization gives the scalar code's values exactly; layer
// norm and attention keep 8-lane partial sums and fused multiply-adds, so they differ from the scalar
// code by a few float32 ulps.
#include "core/nn/kernels/rows.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/nn/kernels/linear.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_ROWS_X86 1
#endif

namespace lowclip::nn::kernels {

namespace {

constexpr int64_t kMaxSeq = 512;

void dequantScalar(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                   const float* bias, const float* residual, float* y) {
    for (int64_t r = 0; r < rows; ++r) {
        const int32_t* a = acc + r * ldc;
        float* dst = y + r * q.out;
        const float* res = residual ? residual + r * q.out : nullptr;
        const float sx = xscale[r];
        for (int64_t n = 0; n < q.out; ++n) {
            float v = static_cast<float>(a[n] - q.compensation[static_cast<size_t>(n)]) * (sx * q.scale[static_cast<size_t>(n)]);
            if (bias) v += bias[n];
            if (res) v += res[n];
            dst[n] = v;
        }
    }
}

void layerNormScalar(float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        float* row = x + r * n;
        double sum = 0.0;
        for (int64_t k = 0; k < n; ++k) sum += row[k];
        const float mean = static_cast<float>(sum / static_cast<double>(n));
        double sq = 0.0;
        for (int64_t k = 0; k < n; ++k) {
            const double d = row[k] - mean;
            sq += d * d;
        }
        const float inv = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + eps));
        for (int64_t k = 0; k < n; ++k) row[k] = (row[k] - mean) * inv * gamma[k] + beta[k];
    }
}

// Softmax of s[0, n) in place.
void softmax(float* s, int64_t n) {
    float mx = s[0];
    for (int64_t j = 1; j < n; ++j) mx = std::max(mx, s[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - mx);
        sum += s[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n; ++j) s[j] *= inv;
}

// One query row i of sequence b, head h: softmax(q·kᵀ·scale + mask)·v into out (hs floats); s is
// scratch for seq scores. Keys and values of the sequence start at qkv + b·seq·ld.
using QueryFn = void (*)(const float* qkv, int64_t b, int64_t i, int64_t h, int64_t seq, int64_t heads, int64_t hs,
                         float scale, const float* mask, float* out, float* s);

void queryScalar(const float* qkv, int64_t b, int64_t i, int64_t h, int64_t seq, int64_t heads, int64_t hs, float scale,
                 const float* mask, float* out, float* s) {
    const int64_t width = heads * hs, ld = 3 * width;
    const float* q = qkv + (b * seq + i) * ld + h * hs;
    for (int64_t j = 0; j < seq; ++j) {
        const float* k = qkv + (b * seq + j) * ld + width + h * hs;
        float d = 0.0f;
        for (int64_t e = 0; e < hs; ++e) d += q[e] * k[e];
        s[j] = d * scale + (mask ? mask[b * seq + j] : 0.0f);
    }
    softmax(s, seq);
    std::fill(out, out + hs, 0.0f);
    for (int64_t j = 0; j < seq; ++j) {
        const float* v = qkv + (b * seq + j) * ld + 2 * width + h * hs;
        for (int64_t e = 0; e < hs; ++e) out[e] += s[j] * v[e];
    }
}

void forEachQuery(const float* qkv, int64_t batch, int64_t seq, int64_t heads, int64_t hs, float scale,
                  const float* mask, float* ctx, QueryFn fn) {
    float s[kMaxSeq];
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < seq; ++i)
                fn(qkv, b, i, h, seq, heads, hs, scale, mask, ctx + (b * seq + i) * heads * hs + h * hs, s);
}

#ifdef LOWCLIP_ROWS_X86

__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Without FMA on purpose: the products and sums round as in dequantScalar (GCC would fuse them).
__attribute__((target("avx2"))) void dequantAvx2(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q,
                                                     const float* xscale, const float* bias, const float* residual,
                                                     float* y) {
    const int32_t* comp = q.compensation.data();
    const float* ws = q.scale.data();
    for (int64_t r = 0; r < rows; ++r) {
        const int32_t* a = acc + r * ldc;
        float* dst = y + r * q.out;
        const float* res = residual ? residual + r * q.out : nullptr;
        const float sx = xscale[r];
        const __m256 vsx = _mm256_set1_ps(sx);
        int64_t n = 0;
        for (; n + 8 <= q.out; n += 8) {
            const __m256i d = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + n)),
                                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(comp + n)));
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(d), _mm256_mul_ps(vsx, _mm256_loadu_ps(ws + n)));
            if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + n));
            if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + n));
            _mm256_storeu_ps(dst + n, v);
        }
        for (; n < q.out; ++n) {
            float v = static_cast<float>(a[n] - comp[n]) * (sx * ws[n]);
            if (bias) v += bias[n];
            if (res) v += res[n];
            dst[n] = v;
        }
    }
}

__attribute__((target("avx2,fma"))) void layerNormAvx2(float* x, int64_t rows, int64_t n, const float* gamma,
                                                       const float* beta, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        float* row = x + r * n;
        __m256 acc = _mm256_setzero_ps();
        int64_t k = 0;
        for (; k + 8 <= n; k += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(row + k));
        float sum = hsum(acc);
        for (; k < n; ++k) sum += row[k];
        const float mean = sum / static_cast<float>(n);
        const __m256 vm = _mm256_set1_ps(mean);
        acc = _mm256_setzero_ps();
        k = 0;
        for (; k + 8 <= n; k += 8) {
            const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + k), vm);
            acc = _mm256_fmadd_ps(d, d, acc);
        }
        float sq = hsum(acc);
        for (; k < n; ++k) sq += (row[k] - mean) * (row[k] - mean);
        const float inv = 1.0f / std::sqrt(sq / static_cast<float>(n) + eps);
        const __m256 vi = _mm256_set1_ps(inv);
        k = 0;
        for (; k + 8 <= n; k += 8) {
            const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + k), vm), vi);
            _mm256_storeu_ps(row + k, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + k), _mm256_loadu_ps(beta + k)));
        }
        for (; k < n; ++k) row[k] = (row[k] - mean) * inv * gamma[k] + beta[k];
    }
}

__attribute__((target("avx2,fma"))) void queryAvx2(const float* qkv, int64_t b, int64_t i, int64_t h, int64_t seq,
                                                     int64_t heads, int64_t hs, float scale, const float* mask, float* out,
                                                     float* s) {
    const int64_t width = heads * hs, ld = 3 * width;
    const int64_t hv = hs / 8 * 8;
    const float* q = qkv + (b * seq + i) * ld + h * hs;
    for (int64_t j = 0; j < seq; ++j) {
        const float* k = qkv + (b * seq + j) * ld + width + h * hs;
        __m256 acc = _mm256_setzero_ps();
        for (int64_t e = 0; e < hv; e += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + e), _mm256_loadu_ps(k + e), acc);
        float d = hsum(acc);
        for (int64_t e = hv; e < hs; ++e) d += q[e] * k[e];
        s[j] = d * scale + (mask ? mask[b * seq + j] : 0.0f);
    }
    softmax(s, seq);
    const float* v0 = qkv + b * seq * ld + 2 * width + h * hs;
    for (int64_t e = 0; e < hv; e += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t j = 0; j < seq; ++j) acc = _mm256_fmadd_ps(_mm256_set1_ps(s[j]), _mm256_loadu_ps(v0 + j * ld + e), acc);
        _mm256_storeu_ps(out + e, acc);
    }
    for (int64_t e = hv; e < hs; ++e) {
        float acc = 0.0f;
        for (int64_t j = 0; j < seq; ++j) acc += s[j] * v0[j * ld + e];
        out[e] = acc;
    }
}

#endif

}  // namespace

bool rowsSimd(Isa level) { return avx2FmaAdmitted(level); }

void dequantizeS8(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                  const float* bias, float* y) {
    dequantScalar(acc, ldc, rows, q, xscale, bias, nullptr, y);
}

void dequantizeS8Rows(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                      const float* bias, const float* residual, float* y, Isa level) {
#ifdef LOWCLIP_ROWS_X86
    if (rowsSimd(level)) return dequantAvx2(acc, ldc, rows, q, xscale, bias, residual, y);
#endif
    dequantScalar(acc, ldc, rows, q, xscale, bias, residual, y);
}

void layerNormRows(float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, float eps, Isa level) {
    if (n <= 0) return;
#ifdef LOWCLIP_ROWS_X86
    if (rowsSimd(level)) return layerNormAvx2(x, rows, n, gamma, beta, eps);
#endif
    layerNormScalar(x, rows, n, gamma, beta, eps);
}

void attentionRows(const float* qkv, int64_t batch, int64_t seq, int64_t heads, int64_t hs, float scale,
                   const float* mask, float* ctx, Isa level) {
    if (seq <= 0 || seq > kMaxSeq) return;
#ifdef LOWCLIP_ROWS_X86
    if (rowsSimd(level)) return forEachQuery(qkv, batch, seq, heads, hs, scale, mask, ctx, queryAvx2);
#endif
    forEachQuery(qkv, batch, seq, heads, hs, scale, mask, ctx, queryScalar);
}

}  // namespace lowclip::nn::kernels
