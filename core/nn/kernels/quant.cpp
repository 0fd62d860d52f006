// Quantization around the int8 kernels (see linear.h). Activations are quantized with AVX2 where it
// runs (the same bytes as the scalar code); weights once, in scalar code.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "core/nn/kernels/linear.h"
#include "core/nn/kernels/rows.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_QUANT_X86 1
#endif

namespace lowclip::nn::kernels {

namespace {
constexpr size_t kHugePage = size_t{1} << 21;
constexpr size_t kHugeFrom = size_t{1} << 20;
}  // namespace

void* allocateWeightBuffer(size_t bytes) {
    if (bytes == 0) bytes = 1;
    void* p = nullptr;
    if (bytes >= kHugeFrom && bytes <= SIZE_MAX - kHugePage) {
        const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        p = std::aligned_alloc(kHugePage, rounded);
#ifdef __linux__
        if (p) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: a refusal changes nothing
#endif
    } else {
        p = std::malloc(bytes);
    }
    if (!p) throw std::bad_alloc();
    return p;
}

void freeWeightBuffer(void* p) noexcept { std::free(p); }

std::vector<int8_t> unpackS8(const S8Weight& q) {
    std::vector<int8_t> w(static_cast<size_t>(q.out * q.in));
    for (int64_t n = 0; n < q.out; ++n)
        for (int64_t k = 0; k < q.in; ++k)
            w[static_cast<size_t>(n * q.in + k)] =
                q.data[static_cast<size_t>((n / kS8Block) * q.groups * kS8Block * 4 + (k / 4) * kS8Block * 4 +
                                           (n % kS8Block) * 4 + k % 4)];
    return w;
}

namespace {

// max |row[k]|, false when the row holds inf or NaN.
bool rowMaxAbsScalar(const float* row, int64_t in, float* maxAbs) {
    float m = 0.0f;
    for (int64_t k = 0; k < in; ++k) {
        if (!std::isfinite(row[k])) return false;
        m = std::max(m, std::fabs(row[k]));
    }
    *maxAbs = m;
    return true;
}

#ifdef LOWCLIP_QUANT_X86
__attribute__((target("avx2,fma"))) bool rowMaxAbsAvx2(const float* row, int64_t in, float* maxAbs) {
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 inf = _mm256_set1_ps(INFINITY);
    __m256 mx = _mm256_setzero_ps();
    __m256 finite = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    int64_t k = 0;
    for (; k + 8 <= in; k += 8) {
        const __m256 a = _mm256_and_ps(_mm256_loadu_ps(row + k), absMask);
        finite = _mm256_and_ps(finite, _mm256_cmp_ps(a, inf, _CMP_LT_OQ));
        mx = _mm256_max_ps(mx, a);
    }
    if (_mm256_movemask_ps(finite) != 0xff) return false;
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float m = _mm_cvtss_f32(m4);
    for (; k < in; ++k) {
        if (!std::isfinite(row[k])) return false;
        m = std::max(m, std::fabs(row[k]));
    }
    *maxAbs = m;
    return true;
}

#endif

// Activations row[0, n) times inv, rounded to nearest even, clamped to ±127, plus 128.
void packRowScalar(const float* row, int64_t n, float inv, uint8_t* dst) {
    for (int64_t k = 0; k < n; ++k)
        dst[k] = static_cast<uint8_t>(static_cast<int>(std::clamp(std::nearbyint(row[k] * inv), -127.0f, 127.0f)) + 128);
}

// One row: false when it holds inf or NaN.
bool quantizeRowScalar(const float* row, int64_t in, uint8_t* dst, float* scaleOut) {
    float maxAbs = 0.0f;
    if (!rowMaxAbsScalar(row, in, &maxAbs)) return false;
    const float s = maxAbs > 0.0f ? maxAbs / 127.0f : 1.0f;
    *scaleOut = s;
    packRowScalar(row, in, 1.0f / s, dst);
    return true;
}

#ifdef LOWCLIP_QUANT_X86
// 8 activations to int32 in [1, 255].
__attribute__((target("avx2,fma"))) inline __m256i q8(const float* p, __m256 inv, __m256 lo, __m256 hi, __m256i offset) {
    const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(p), inv), lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(v), offset);
}

// The same values as quantizeRowScalar: the product rounds the same way, _mm256_cvtps_epi32 rounds
// to nearest even (the default MXCSR mode, as nearbyint), and clamping before or after rounding to
// the integers ±127 gives the same integer.
__attribute__((target("avx2,fma"))) bool quantizeRowAvx2(const float* row, int64_t in, uint8_t* dst, float* scaleOut) {
    float maxAbs = 0.0f;
    if (!rowMaxAbsAvx2(row, in, &maxAbs)) return false;
    const float s = maxAbs > 0.0f ? maxAbs / 127.0f : 1.0f;
    *scaleOut = s;
    const float inv = 1.0f / s;
    const __m256 vinv = _mm256_set1_ps(inv), lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    const __m256i offset = _mm256_set1_epi32(128), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int64_t k = 0;
    for (; k + 32 <= in; k += 32) {
        const __m256i ab = _mm256_packs_epi32(q8(row + k, vinv, lo, hi, offset), q8(row + k + 8, vinv, lo, hi, offset));
        const __m256i cd =
            _mm256_packs_epi32(q8(row + k + 16, vinv, lo, hi, offset), q8(row + k + 24, vinv, lo, hi, offset));
        const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), bytes);
    }
    packRowScalar(row + k, in - k, inv, dst + k);
    return true;
}
#endif

}  // namespace

namespace {

// One weight row into its packed places (4 bytes per group, groups kS8Block·4 bytes apart); returns Σ wq.
int32_t packWeightRowScalar(const float* row, int64_t in, float scale, int8_t* base) {
    int32_t sum = 0;
    for (int64_t k = 0; k < in; ++k) {
        const float v = std::nearbyint(row[k] / scale);
        const int value = static_cast<int>(std::clamp(v, -static_cast<float>(kS8WeightMax), static_cast<float>(kS8WeightMax)));
        base[(k / 4) * kS8Block * 4 + k % 4] = static_cast<int8_t>(value);
        sum += value;
    }
    return sum;
}

#ifdef LOWCLIP_QUANT_X86
// The bytes of packWeightRowScalar: the same division, rounding to nearest even, and clamping.
__attribute__((target("avx2,fma"))) int32_t packWeightRowAvx2(const float* row, int64_t in, float scale, int8_t* base) {
    const __m256 vs = _mm256_set1_ps(scale);
    const __m256 lo = _mm256_set1_ps(-static_cast<float>(kS8WeightMax)), hi = _mm256_set1_ps(static_cast<float>(kS8WeightMax));
    __m256i acc = _mm256_setzero_si256();
    int64_t k = 0;
    for (; k + 8 <= in; k += 8) {
        const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_div_ps(_mm256_loadu_ps(row + k), vs), lo), hi);
        const __m256i i32 = _mm256_cvtps_epi32(v);
        acc = _mm256_add_epi32(acc, i32);
        const __m256i i16 = _mm256_packs_epi32(i32, i32);  // [0..3 0..3 | 4..7 4..7]
        const __m256i i8 = _mm256_packs_epi16(i16, i16);
        const int32_t first = _mm_cvtsi128_si32(_mm256_castsi256_si128(i8));
        const int32_t second = _mm_cvtsi128_si32(_mm256_extracti128_si256(i8, 1));
        std::memcpy(base + (k / 4) * kS8Block * 4, &first, 4);
        std::memcpy(base + (k / 4 + 1) * kS8Block * 4, &second, 4);
    }
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    // k is a multiple of 8: the tail starts at a group's first byte.
    return _mm_cvtsi128_si32(s4) + packWeightRowScalar(row + k, in - k, scale, base + (k / 4) * kS8Block * 4);
}
#endif

}  // namespace

void quantizeWeightS8(const float* w, int64_t out, int64_t in, S8Weight& q) { quantizeWeightS8(w, out, in, q, activeIsa()); }

void quantizeWeightS8(const float* w, int64_t out, int64_t in, S8Weight& q, Isa level) {
    const bool simd = rowsSimd(level);  // AVX2+FMA admitted and present (rows.h)
    (void)simd;                         // unused where the SIMD code is not compiled
    q = S8Weight{};
    q.out = out;
    q.in = in;
    q.groups = (in + 3) / 4;
    q.blocks = (out + kS8Block - 1) / kS8Block;
    q.data.assign(static_cast<size_t>(q.blocks * q.groups * kS8Block * 4), 0);
    q.scale.assign(static_cast<size_t>(out), 1.0f);
    q.compensation.assign(static_cast<size_t>(out), 0);
    for (int64_t n = 0; n < out; ++n) {
        const float* row = w + n * in;
        float maxAbs = 0.0f;
#ifdef LOWCLIP_QUANT_X86
        const bool finite = simd ? rowMaxAbsAvx2(row, in, &maxAbs) : rowMaxAbsScalar(row, in, &maxAbs);
#else
        const bool finite = rowMaxAbsScalar(row, in, &maxAbs);
#endif
        if (!finite) {
            q = S8Weight{};
            q.out = out;
            q.in = in;
            q.finite = false;
            return;
        }
        const float scale = maxAbs > 0.0f ? maxAbs / static_cast<float>(kS8WeightMax) : 1.0f;
        q.scale[static_cast<size_t>(n)] = scale;
        const int64_t blk = n / kS8Block, j = n % kS8Block;
        int8_t* base = q.data.data() + blk * q.groups * kS8Block * 4 + j * 4;
#ifdef LOWCLIP_QUANT_X86
        const int32_t sum = simd ? packWeightRowAvx2(row, in, scale, base) : packWeightRowScalar(row, in, scale, base);
#else
        const int32_t sum = packWeightRowScalar(row, in, scale, base);
#endif
        q.compensation[static_cast<size_t>(n)] = 128 * sum;
    }
}

bool quantizeRowsU8(const float* x, int64_t rows, int64_t in, uint8_t* xu, float* scale, Isa level) {
    const int64_t ld = 4 * ((in + 3) / 4);
    const bool simd = rowsSimd(level);  // AVX2+FMA admitted and present (rows.h)
    (void)simd;                         // unused where the SIMD code is not compiled
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* dst = xu + r * ld;
        std::fill(dst + in, dst + ld, uint8_t{0});
#ifdef LOWCLIP_QUANT_X86
        if (simd) {
            if (!quantizeRowAvx2(x + r * in, in, dst, scale + r)) return false;
            continue;
        }
#endif
        if (!quantizeRowScalar(x + r * in, in, dst, scale + r)) return false;
    }
    return true;
}

bool quantizeRowsU8(const float* x, int64_t rows, int64_t in, std::vector<uint8_t>& xu, std::vector<float>& scale) {
    const int64_t ld = 4 * ((in + 3) / 4);
    xu.resize(static_cast<size_t>(rows * ld));
    scale.assign(static_cast<size_t>(rows), 1.0f);
    return quantizeRowsU8(x, rows, in, xu.data(), scale.data(), activeIsa());
}

}  // namespace lowclip::nn::kernels
