// core/nn/kernels: CPU dispatch and the int8 kernels. Every int8 implementation this CPU has must give
// the scalar reference's int32 sums exactly (integer arithmetic), for odd sizes and tails.
// Run twice by CTest: as is, and with LOWCLIP_CPU_ISA=avx2 (test_kernels_avx2).
#include <algorithm>
#include <array>
#include <cstdint>
#include <new>
#include <limits>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/nn/kernels/cpu.h"
#include "core/nn/kernels/activation.h"
#include "core/nn/kernels/linear.h"
#include "core/nn/kernels/optim.h"
#include "core/nn/kernels/rows.h"
#include "tests/support/testing.h"

using namespace lowclip::nn::kernels;

namespace {

// acc[r, n] = Σ_k xu[r, k]·wq[n, k] from the unpacked weight, the plainest way.
std::vector<int32_t> reference(const std::vector<uint8_t>& xu, int64_t rows, int64_t ld, const std::vector<int8_t>& wq,
                               int64_t out, int64_t in) {
    std::vector<int32_t> acc(static_cast<size_t>(rows * out), 0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t n = 0; n < out; ++n) {
            int32_t s = 0;
            for (int64_t k = 0; k < in; ++k)
                s += static_cast<int32_t>(xu[static_cast<size_t>(r * ld + k)]) * wq[static_cast<size_t>(n * in + k)];
            acc[static_cast<size_t>(r * out + n)] = s;
        }
    return acc;
}

std::vector<std::pair<Isa, S8Kernel>> availableS8() {
    std::vector<std::pair<Isa, S8Kernel>> all;
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::AvxVnni, Isa::Avx512Vnni})
        if (S8Kernel k = s8Kernel(isa)) all.emplace_back(isa, k);
    return all;
}

}  // namespace

TEST_CASE("CPU dispatch: names, levels, override") {
    std::cout << "  " << dispatchSummary() << "\n";
    for (int i = 0; i <= static_cast<int>(Isa::Amx); ++i) {
        Isa parsed;
        REQUIRE(parseIsa(isaName(static_cast<Isa>(i)), &parsed));
        CHECK(parsed == static_cast<Isa>(i));
    }
    Isa parsed;
    CHECK(parseIsa("AVX-512_VNNI", &parsed));
    CHECK(parsed == Isa::Avx512Vnni);
    CHECK(!parseIsa("sse9", &parsed));
    CHECK(!parseIsa("", &parsed));
    CHECK(static_cast<int>(activeIsa()) <= static_cast<int>(detectedIsa()));
    CHECK(admits(detectedIsa(), detectedIsa()));
    CHECK(admits(Isa::Scalar, Isa::Scalar));
    CHECK(!admits(Isa::Avx2, Isa::Avx512));
    const CpuFeatures& f = cpuFeatures();
    if (f.avx512bf16 || f.avx512vnni) CHECK(f.avx512f);
    if (detectedIsa() != Isa::Scalar) CHECK(f.avx2 && f.fma && f.f16c);
    // Forcing a level is clamped to what the CPU has, and the tables follow it.
    const Isa before = setActiveIsa(Isa::Amx);
    CHECK(activeIsa() == detectedIsa());
    setActiveIsa(Isa::Scalar);
    CHECK(activeIsa() == Isa::Scalar);
    CHECK(std::string(linearKernels(Isa::Scalar).s8Name) == "scalar");
    CHECK(linearKernels(Isa::Scalar).f32 == nullptr);
    CHECK(linearKernels(Isa::Scalar).bf16 == nullptr);
    setActiveIsa(before);
    CHECK(activeIsa() == before);
    const char* env = std::getenv("LOWCLIP_CPU_ISA");
    if (env && std::string(env) == "avx2") {
        if (!admits(detectedIsa(), Isa::Avx2)) SKIP("LOWCLIP_CPU_ISA=avx2 on a CPU without AVX2");
        CHECK(activeIsa() == Isa::Avx2);
        const LinearKernels& k = linearKernels(activeIsa());
        CHECK(std::string(k.s8Name) == "avx2");
        CHECK(std::string(k.f32Name) == "none");  // float32 goes through at::linear below AVX-512
        CHECK(k.f32 == nullptr);
        CHECK(k.bf16 == nullptr);
    }
}

TEST_CASE("int8 weight quantization: per-channel scales, 7-bit range, compensation, inf/NaN refused") {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t out = 21, in = 11;
    std::vector<float> w(static_cast<size_t>(out * in));
    for (auto& v : w) v = normal(rng);
    for (int64_t k = 0; k < in; ++k) w[static_cast<size_t>(5 * in + k)] = 0.0f;  // a zero row
    w[static_cast<size_t>(7 * in + 3)] = 40.0f;                                  // an outlier in row 7
    S8Weight q;
    quantizeWeightS8(w.data(), out, in, q);
    REQUIRE(q.finite);
    CHECK(q.groups == 3);
    CHECK(q.blocks == 2);
    CHECK(q.data.size() == static_cast<size_t>(2 * 3 * 64));
    const std::vector<int8_t> wq = unpackS8(q);
    for (int64_t n = 0; n < out; ++n) {
        int maxAbs = 0, sum = 0;
        for (int64_t k = 0; k < in; ++k) {
            const int v = wq[static_cast<size_t>(n * in + k)];
            maxAbs = std::max(maxAbs, std::abs(v));
            sum += v;
            const float err = std::fabs(static_cast<float>(v) * q.scale[static_cast<size_t>(n)] - w[static_cast<size_t>(n * in + k)]);
            CHECK_MSG(err <= 0.5f * q.scale[static_cast<size_t>(n)] * 1.0001f, "row " << n << " col " << k);
        }
        CHECK_MSG(maxAbs == (n == 5 ? 0 : kS8WeightMax), "row " << n);
        CHECK(q.compensation[static_cast<size_t>(n)] == 128 * sum);
    }
    CHECK(q.scale[5] == 1.0f);
    CHECK(std::fabs(q.scale[7] - 40.0f / 63.0f) < 1e-6f);
    // Padding (features 21..31, inputs 11) is zero.
    int padNonZero = 0;
    for (int64_t n = out; n < 32; ++n)
        for (int64_t g = 0; g < 3; ++g)
            for (int i = 0; i < 4; ++i) padNonZero += q.data[static_cast<size_t>((n / 16) * 3 * 64 + g * 64 + (n % 16) * 4 + i)] != 0;
    for (int64_t n = 0; n < out; ++n) padNonZero += q.data[static_cast<size_t>((n / 16) * 3 * 64 + 2 * 64 + (n % 16) * 4 + 3)] != 0;
    CHECK(padNonZero == 0);
    w[17] = std::nanf("");
    quantizeWeightS8(w.data(), out, in, q);
    CHECK(!q.finite);
    w[17] = INFINITY;
    quantizeWeightS8(w.data(), out, in, q);
    CHECK(!q.finite);
}

TEST_CASE("int8 activation quantization: per row, zero point 128, inf/NaN refused") {
    const std::vector<float> x = {0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f, 3.0f, 2.0f, -3.0f, 1.0f};  // rows of 5
    std::vector<uint8_t> xu;
    std::vector<float> scale;
    REQUIRE(quantizeRowsU8(x.data(), 2, 5, xu, scale));
    REQUIRE(xu.size() == 16);  // 2 rows of 8 (5 padded to a multiple of 4)
    CHECK(std::fabs(scale[0] - 1.0f / 127.0f) < 1e-9f);
    CHECK(xu[0] == 128 + 64);  // 0.5·127 = 63.5 rounds to even 64
    CHECK(xu[1] == 1);         // -127 + 128
    CHECK(xu[3] == 128);
    CHECK(xu[5] == 0);         // padding
    CHECK(xu[8] == 128);       // row 1 starts at 8: 0
    CHECK(xu[9] == 255);       // 3 -> 127
    CHECK(xu[11] == 1);        // -3 -> -127
    std::vector<float> bad = x;
    bad[7] = std::nanf("");
    CHECK(!quantizeRowsU8(bad.data(), 2, 5, xu, scale));
    std::vector<float> zeros(6, 0.0f);
    REQUIRE(quantizeRowsU8(zeros.data(), 2, 3, xu, scale));
    CHECK(scale[0] == 1.0f);
    CHECK(xu[0] == 128);
}

TEST_CASE("int8 kernels equal the scalar reference exactly (odd sizes, tails, block ranges)") {
    const auto kernels = availableS8();
    std::cout << "  int8 implementations on this CPU:";
    for (const auto& [isa, k] : kernels) std::cout << " " << isaName(isa);
    std::cout << "\n";
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> byte(0, 255);
    int cases = 0;
    for (int64_t rows : {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 33, 64})
        for (int64_t in : {1, 3, 4, 5, 17, 64, 131, 768})
            for (int64_t out : {1, 15, 16, 17, 33, 50}) {
                if (rows * in * out > 2'000'000) continue;
                std::vector<float> w(static_cast<size_t>(out * in));
                for (auto& v : w) v = normal(rng);
                S8Weight q;
                quantizeWeightS8(w.data(), out, in, q);
                const int64_t ld = 4 * q.groups, ldc = q.blocks * kS8Block;
                std::vector<uint8_t> xu(static_cast<size_t>(rows * ld), 0);
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t k = 0; k < in; ++k) xu[static_cast<size_t>(r * ld + k)] = static_cast<uint8_t>(byte(rng));
                const std::vector<int32_t> ref = reference(xu, rows, ld, unpackS8(q), out, in);
                for (const auto& [isa, kernel] : kernels) {
                    std::vector<int32_t> acc(static_cast<size_t>(rows * ldc), -1);
                    // Two ranges of blocks, as the threads split them.
                    const int64_t mid = q.blocks / 2;
                    kernel(xu.data(), rows, q.data.data(), q.groups, 0, mid, acc.data(), ldc);
                    kernel(xu.data(), rows, q.data.data(), q.groups, mid, q.blocks, acc.data(), ldc);
                    int64_t wrong = 0;
                    for (int64_t r = 0; r < rows; ++r)
                        for (int64_t n = 0; n < out; ++n)
                            wrong += acc[static_cast<size_t>(r * ldc + n)] != ref[static_cast<size_t>(r * out + n)];
                    CHECK_MSG(wrong == 0, isaName(isa) << " " << rows << "x" << in << "->" << out << ": " << wrong << " wrong");
                    ++cases;
                }
            }
    CHECK(cases > 0);
    std::cout << "  " << cases << " size/implementation cases compared\n";
}

TEST_CASE("int8 kernels at the extremes: 255 x ±63 everywhere (no 16-bit saturation)") {
    const int64_t rows = 5, in = 3072, out = 20;
    for (int sign : {1, -1}) {
        std::vector<float> w(static_cast<size_t>(out * in), static_cast<float>(sign));
        S8Weight q;
        quantizeWeightS8(w.data(), out, in, q);
        const int64_t ld = 4 * q.groups, ldc = q.blocks * kS8Block;
        std::vector<uint8_t> xu(static_cast<size_t>(rows * ld), 255);
        const int32_t expected = sign * 255 * 63 * static_cast<int32_t>(in);
        for (const auto& [isa, kernel] : availableS8()) {
            std::vector<int32_t> acc(static_cast<size_t>(rows * ldc), 0);
            kernel(xu.data(), rows, q.data.data(), q.groups, 0, q.blocks, acc.data(), ldc);
            int64_t wrong = 0;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t n = 0; n < out; ++n) wrong += acc[static_cast<size_t>(r * ldc + n)] != expected;
            CHECK_MSG(wrong == 0, isaName(isa) << " sign " << sign);
        }
    }
}

TEST_CASE("dequantize: compensation, scales and bias") {
    const std::vector<float> w = {1.0f, -2.0f, 0.5f, 4.0f, 0.0f, -1.0f};  // [2, 3]
    S8Weight q;
    quantizeWeightS8(w.data(), 2, 3, q);
    const std::vector<float> x = {0.3f, -0.7f, 1.1f};
    std::vector<uint8_t> xu;
    std::vector<float> xs;
    REQUIRE(quantizeRowsU8(x.data(), 1, 3, xu, xs));
    std::vector<int32_t> acc(static_cast<size_t>(q.blocks * kS8Block));
    impl::s8Scalar(xu.data(), 1, q.data.data(), q.groups, 0, q.blocks, acc.data(), q.blocks * kS8Block);
    const float bias[2] = {0.25f, -0.5f};
    float y[2];
    dequantizeS8(acc.data(), q.blocks * kS8Block, 1, q, xs.data(), bias, y);
    const float exact0 = 0.3f * 1.0f + -0.7f * -2.0f + 1.1f * 0.5f + 0.25f;
    const float exact1 = 0.3f * 4.0f + 0.0f + 1.1f * -1.0f - 0.5f;
    CHECK_MSG(std::fabs(y[0] - exact0) < 0.03f, y[0] << " vs " << exact0);
    CHECK_MSG(std::fabs(y[1] - exact1) < 0.03f, y[1] << " vs " << exact1);
}

TEST_CASE("activation quantization: the SIMD code gives the scalar bytes and scales (ties, tails, inf/NaN)") {
    if (!rowsSimd(activeIsa())) SKIP("no AVX2+FMA at the active level: only the scalar code runs");
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    for (int64_t in : {1, 7, 8, 31, 32, 33, 95, 768, 3075}) {
        const int64_t rows = 5, ld = 4 * ((in + 3) / 4);
        std::vector<float> x(static_cast<size_t>(rows * in));
        for (auto& v : x) v = normal(rng);
        // Row 1: exact halves of the step (ties round to even), row 2: all zeros.
        for (int64_t k = 0; k < in; ++k) x[static_cast<size_t>(in + k)] = (static_cast<float>(k % 9) - 4.0f) * 0.5f;
        x[static_cast<size_t>(in)] = 127.0f;
        for (int64_t k = 0; k < in; ++k) x[static_cast<size_t>(2 * in + k)] = 0.0f;
        std::vector<uint8_t> a(static_cast<size_t>(rows * ld), 7), b(static_cast<size_t>(rows * ld), 9);
        std::vector<float> sa(rows), sb(rows);
        REQUIRE(quantizeRowsU8(x.data(), rows, in, a.data(), sa.data(), Isa::Scalar));
        REQUIRE(quantizeRowsU8(x.data(), rows, in, b.data(), sb.data(), activeIsa()));
        CHECK_MSG(a == b, "in " << in);
        CHECK(sa == sb);
        CHECK(sa[1] == 1.0f);  // row 1's largest is 127: a step of exactly 1
        if (in > 7) {
            CHECK(a[static_cast<size_t>(ld + 1)] == 126);  // -1.5 -> -2 (ties to even)
            CHECK(a[static_cast<size_t>(ld + 3)] == 128);  // -0.5 -> 0
            CHECK(a[static_cast<size_t>(ld + 5)] == 128);  // 0.5 -> 0
            CHECK(a[static_cast<size_t>(ld + 7)] == 130);  // 1.5 -> 2
        }
        for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), std::nanf("")})
            for (int64_t at : {int64_t{0}, in - 1}) {
                std::vector<float> y = x;
                y[static_cast<size_t>(3 * in + at)] = bad;
                CHECK(!quantizeRowsU8(y.data(), rows, in, a.data(), sa.data(), Isa::Scalar));
                CHECK(!quantizeRowsU8(y.data(), rows, in, b.data(), sb.data(), activeIsa()));
            }
    }
}

TEST_CASE("weight quantization: the SIMD code gives the scalar bytes, scales and compensations") {
    if (!rowsSimd(activeIsa())) SKIP("no AVX2+FMA at the active level: only the scalar code runs");
    std::mt19937 rng(14);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    for (const auto& shape : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {17, 9}, {33, 64}, {40, 771}}) {
        const int64_t out = shape.first, in = shape.second;
        std::vector<float> w(static_cast<size_t>(out * in));
        for (auto& v : w) v = normal(rng);
        if (out > 2) {
            for (int64_t k = 0; k < in; ++k) w[static_cast<size_t>(in + k)] = (static_cast<float>(k % 7) - 3.0f) * 0.5f;  // ties
            w[static_cast<size_t>(in)] = 31.5f;  // scale 0.5: k % 7 = 0, 2, 4, 6 are ties of the step
            for (int64_t k = 0; k < in; ++k) w[static_cast<size_t>(2 * in + k)] = 0.0f;
        }
        S8Weight a, b;
        quantizeWeightS8(w.data(), out, in, a, Isa::Scalar);
        quantizeWeightS8(w.data(), out, in, b, activeIsa());
        REQUIRE(a.finite && b.finite);
        CHECK_MSG(a.data == b.data, out << "x" << in);
        CHECK(a.scale == b.scale);
        CHECK(a.compensation == b.compensation);
        std::vector<float> bad = w;
        bad[bad.size() - 1] = std::nanf("");
        quantizeWeightS8(bad.data(), out, in, a, Isa::Scalar);
        quantizeWeightS8(bad.data(), out, in, b, activeIsa());
        CHECK(!a.finite);
        CHECK(!b.finite);
        CHECK(b.data.empty());
    }
}

TEST_CASE("dequantize rows: the SIMD code equals the scalar code; bias and residual (also in place)") {
    std::mt19937 rng(12);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t rows = 3, in = 40, out = 37;
    std::vector<float> w(static_cast<size_t>(out * in)), x(static_cast<size_t>(rows * in)), bias(out),
        res(static_cast<size_t>(rows * out));
    for (auto* v : {&w, &x, &bias, &res})
        for (auto& e : *v) e = normal(rng);
    S8Weight q;
    quantizeWeightS8(w.data(), out, in, q);
    std::vector<uint8_t> xu;
    std::vector<float> xs;
    REQUIRE(quantizeRowsU8(x.data(), rows, in, xu, xs));
    const int64_t ldc = q.blocks * kS8Block;
    std::vector<int32_t> acc(static_cast<size_t>(rows * ldc));
    impl::s8Scalar(xu.data(), rows, q.data.data(), q.groups, 0, q.blocks, acc.data(), ldc);
    std::vector<float> plain(static_cast<size_t>(rows * out)), scalar(plain.size()), simd(plain.size());
    dequantizeS8(acc.data(), ldc, rows, q, xs.data(), bias.data(), plain.data());
    dequantizeS8Rows(acc.data(), ldc, rows, q, xs.data(), bias.data(), res.data(), scalar.data(), Isa::Scalar);
    dequantizeS8Rows(acc.data(), ldc, rows, q, xs.data(), bias.data(), res.data(), simd.data(), activeIsa());
    CHECK(scalar == simd);
    for (size_t i = 0; i < plain.size(); ++i) CHECK(scalar[i] == plain[i] + res[i]);
    // The exact product, within the rounding bound: each factor is off by at most half its step
    // (sx for the row, scale[n] for the weight row), so a product by |x|·sw/2 + |w|·sx/2 + sx·sw/4.
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t n = 0; n < out; ++n) {
            double e = bias[n], bound = 1e-5;
            const double sx = xs[r], sw = q.scale[n];
            for (int64_t k = 0; k < in; ++k) {
                e += static_cast<double>(x[r * in + k]) * w[n * in + k];
                bound += std::fabs(x[r * in + k]) * sw / 2 + std::fabs(w[n * in + k]) * sx / 2 + sx * sw / 4;
            }
            CHECK_MSG(std::fabs(plain[r * out + n] - e) <= bound, plain[r * out + n] << " vs " << e << " bound " << bound);
        }
    std::vector<float> inPlace = res;
    dequantizeS8Rows(acc.data(), ldc, rows, q, xs.data(), nullptr, inPlace.data(), inPlace.data(), activeIsa());
    for (size_t i = 0; i < inPlace.size(); ++i) CHECK(std::fabs(inPlace[i] - (scalar[i] - bias[i % out])) < 1e-5f);
}

TEST_CASE("layer norm and attention rows: scalar and SIMD code against a double-precision reference") {
    std::mt19937 rng(13);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<Isa> levels{Isa::Scalar};
    if (rowsSimd(activeIsa())) levels.push_back(activeIsa());
    for (Isa level : levels) {
        const int64_t rows = 4, n = 45;
        std::vector<float> x(static_cast<size_t>(rows * n)), g(n), b(n);
        for (auto* v : {&x, &g, &b})
            for (auto& e : *v) e = normal(rng) + 0.5f;
        std::vector<float> y = x;
        layerNormRows(y.data(), rows, n, g.data(), b.data(), 1e-12f, level);
        for (int64_t r = 0; r < rows; ++r) {
            double mean = 0, var = 0;
            for (int64_t k = 0; k < n; ++k) mean += x[r * n + k];
            mean /= n;
            for (int64_t k = 0; k < n; ++k) var += (x[r * n + k] - mean) * (x[r * n + k] - mean);
            var /= n;
            for (int64_t k = 0; k < n; ++k) {
                const double e = (x[r * n + k] - mean) / std::sqrt(var + 1e-12) * g[k] + b[k];
                CHECK_MSG(std::fabs(y[r * n + k] - e) < 1e-5 * (1 + std::fabs(e)), isaName(level) << " " << y[r * n + k] << " vs " << e);
            }
        }
        for (const auto& shape : std::vector<std::array<int64_t, 4>>{{2, 5, 3, 12}, {1, 16, 12, 64}, {3, 1, 2, 9}}) {
            const int64_t batch = shape[0], seq = shape[1], heads = shape[2], hs = shape[3], width = heads * hs;
            std::vector<float> qkv(static_cast<size_t>(batch * seq * 3 * width)), mask(static_cast<size_t>(batch * seq), 0.0f);
            for (auto& e : qkv) e = normal(rng);
            if (seq > 2) mask[static_cast<size_t>(seq - 1)] = mask[static_cast<size_t>(seq - 2)] = -10000.0f;  // padding of sequence 0
            std::vector<float> ctx(static_cast<size_t>(batch * seq * width), -1.0f);
            const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
            attentionRows(qkv.data(), batch, seq, heads, hs, scale, mask.data(), ctx.data(), level);
            for (int64_t bi = 0; bi < batch; ++bi)
                for (int64_t h = 0; h < heads; ++h)
                    for (int64_t i = 0; i < seq; ++i) {
                        std::vector<double> p(seq);
                        double mx = -1e300, sum = 0;
                        for (int64_t j = 0; j < seq; ++j) {
                            double d = 0;
                            for (int64_t e = 0; e < hs; ++e)
                                d += static_cast<double>(qkv[(bi * seq + i) * 3 * width + h * hs + e]) *
                                     qkv[(bi * seq + j) * 3 * width + width + h * hs + e];
                            p[j] = d * scale + mask[bi * seq + j];
                            mx = std::max(mx, p[j]);
                        }
                        for (auto& v : p) sum += (v = std::exp(v - mx));
                        for (int64_t e = 0; e < hs; ++e) {
                            double c = 0;
                            for (int64_t j = 0; j < seq; ++j) c += p[j] / sum * qkv[(bi * seq + j) * 3 * width + 2 * width + h * hs + e];
                            const float got = ctx[(bi * seq + i) * width + h * hs + e];
                            CHECK_MSG(std::fabs(got - c) < 1e-5 * (1 + std::fabs(c)),
                                      isaName(level) << " [" << bi << "," << h << "," << i << "," << e << "] " << got << " vs " << c);
                        }
                    }
        }
    }
}

TEST_CASE("weight buffers: big ones on 2 MiB boundaries, small ones from the heap, overflow refused") {
    void* big = allocateWeightBuffer(size_t{3} << 20);
    CHECK(reinterpret_cast<uintptr_t>(big) % (size_t{1} << 21) == 0);
    static_cast<char*>(big)[(size_t{3} << 20) - 1] = 1;
    freeWeightBuffer(big);
    void* small = allocateWeightBuffer(100);
    CHECK(small != nullptr);
    freeWeightBuffer(small);
    WeightAllocator<int32_t> a;
    bool refused = false;
    try {
        a.allocate(SIZE_MAX / 2);
    } catch (const std::bad_alloc&) {
        refused = true;
    }
    CHECK(refused);
    std::vector<int8_t, WeightAllocator<int8_t>> v(size_t{2} << 20, 3);
    CHECK(v[12345] == 3);
}

TEST_CASE("optimizer kernels: AdamW update and sum of squares, SIMD equal to scalar, against double") {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{1037}, int64_t{5000}}) {
        std::vector<float> p(static_cast<size_t>(n)), g(p.size()), m(p.size()), v(p.size());
        for (size_t i = 0; i < p.size(); ++i) {
            p[i] = normal(rng);
            g[i] = normal(rng) * 0.1f;
            m[i] = normal(rng) * 0.01f;
            v[i] = std::abs(normal(rng)) * 1e-4f;
        }
        AdamWScalars s;
        s.gradScale = 0.37f;
        s.decay = 1.0f - 1e-3f * 0.01f;
        s.stepSize = 1e-3f / (1.0f - 0.9f * 0.9f * 0.9f);
        s.invSqrtBc2 = 1.0f / std::sqrt(1.0f - 0.999f * 0.999f * 0.999f);
        auto run = [&](Isa level) {
            std::vector<float> pp = p, mm = m, vv = v;
            adamwUpdate(pp.data(), g.data(), mm.data(), vv.data(), n, s, level);
            return std::array<std::vector<float>, 3>{pp, mm, vv};
        };
        auto scalar = run(Isa::Scalar);
        // Double-precision reference of the same formula.
        double worstP = 0, worstM = 0, worstV = 0;
        for (size_t i = 0; i < p.size(); ++i) {
            const double gi = static_cast<double>(g[i]) * s.gradScale;
            const double mi = m[i] * static_cast<double>(s.beta1) + static_cast<double>(s.oneMinusBeta1) * gi;
            const double vi = v[i] * static_cast<double>(s.beta2) + static_cast<double>(s.oneMinusBeta2) * gi * gi;
            const double step = s.stepSize * mi / (std::sqrt(vi) * s.invSqrtBc2 + static_cast<double>(s.eps));
            const double pi = p[i] * static_cast<double>(s.decay) - step;
            // Relative to the terms' magnitudes (the sums may cancel).
            worstP = std::max(worstP, std::abs(scalar[0][i] - pi) / (std::abs(p[i]) + std::abs(step)));
            worstM = std::max(worstM, std::abs(scalar[1][i] - mi) /
                                          (std::abs(m[i]) * s.beta1 + std::abs(gi) * s.oneMinusBeta1 + 1e-30));
            worstV = std::max(worstV, std::abs(scalar[2][i] - vi) / (std::abs(vi) + 1e-30));
        }
        CHECK_MSG(worstP < 1e-5 && worstM < 1e-5 && worstV < 1e-5,
                  "n " << n << ": relative errors p " << worstP << " m " << worstM << " v " << worstV);
        if (optimSimd(activeIsa())) {
            auto simd = run(activeIsa());
            CHECK_MSG(simd == scalar, "n " << n << ": the AVX2 update differs from the scalar one");
        }
        double exact = 0;
        for (float x : p) exact += static_cast<double>(x) * x;
        for (Isa level : {Isa::Scalar, activeIsa()}) {
            const double got = sumOfSquares(p.data(), n, level);
            CHECK_MSG(std::abs(got - exact) <= 1e-6 * exact, "n " << n << " " << isaName(level) << ": " << got << " vs " << exact);
        }
    }
    CHECK(sumOfSquares(nullptr, 0, activeIsa()) == 0.0);
}

TEST_CASE("SiLU: the SIMD code within 1e-6 relative of the double-precision function, tails and specials") {
    std::vector<float> x;
    for (float v = -95.0f; v <= 95.0f; v += 0.0137f) x.push_back(v);
    for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-3f, -1e-3f, 88.0f, -88.0f, 88.7f, -87.5f, 1e30f, -1e30f}) x.push_back(v);
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 4.0f);
    for (int i = 0; i < 4000; ++i) x.push_back(normal(rng));
    for (Isa level : {Isa::Scalar, activeIsa()}) {
        if (level != Isa::Scalar && !activationSimd(level)) continue;
        for (int64_t n : {static_cast<int64_t>(x.size()), int64_t{1}, int64_t{7}, int64_t{9}, int64_t{17}}) {
            std::vector<float> y(x.begin(), x.begin() + n);
            siluInPlace(y.data(), n, level);
            double worst = 0;
            int64_t outside = 0;
            for (int64_t i = 0; i < n; ++i) {
                const double v = x[static_cast<size_t>(i)];
                const double exact = v / (1.0 + std::exp(-v));
                const double err = std::abs(y[static_cast<size_t>(i)] - exact);
                // Relative, with an absolute floor of 1e-30 where the result goes to zero (below
                // x = −87.3 the AVX2 code returns −0).
                if (err > 1e-6 * std::abs(exact) + 1e-30) ++outside;
                if (std::abs(exact) > 1e-30) worst = std::max(worst, err / std::abs(exact));
            }
            CHECK_MSG(outside == 0, isaName(level) << " n " << n << ": " << outside << " values outside the bound");
            if (n == static_cast<int64_t>(x.size())) std::cout << "  SiLU " << isaName(level) << ": worst relative error " << worst << "\n";
        }
    }
    std::vector<float> specials = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 2.0f,
                                   -1e30f};
    siluInPlace(specials.data(), 4, activeIsa());
    CHECK(std::isnan(specials[0]));
    CHECK(specials[1] == std::numeric_limits<float>::infinity());
    CHECK(std::abs(specials[2] - 2.0 / (1.0 + std::exp(-2.0))) < 1e-6);
    CHECK(specials[3] == 0.0f);
}

LOWCLIP_TEST_MAIN()
