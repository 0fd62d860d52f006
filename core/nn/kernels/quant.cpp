// Quantization around the int8 kernels (see linear.h): scalar, a small part of a layer's time.
#include <algorithm>
#include <cmath>

#include "core/nn/kernels/linear.h"

namespace lowclip::nn::kernels {

void quantizeWeightS8(const float* w, int64_t out, int64_t in, S8Weight& q) {
    q = S8Weight{};
    q.out = out;
    q.in = in;
    for (int64_t i = 0; i < out * in; ++i)
        if (!std::isfinite(w[i])) {
            q.finite = false;
            return;
        }
    q.groups = (in + 3) / 4;
    q.blocks = (out + kS8Block - 1) / kS8Block;
    q.data.assign(static_cast<size_t>(q.blocks * q.groups * kS8Block * 4), 0);
    q.scale.assign(static_cast<size_t>(out), 1.0f);
    q.compensation.assign(static_cast<size_t>(out), 0);
    for (int64_t n = 0; n < out; ++n) {
        const float* row = w + n * in;
        float maxAbs = 0.0f;
        for (int64_t k = 0; k < in; ++k) maxAbs = std::max(maxAbs, std::fabs(row[k]));
        const float scale = maxAbs > 0.0f ? maxAbs / static_cast<float>(kS8WeightMax) : 1.0f;
        q.scale[static_cast<size_t>(n)] = scale;
        const int64_t blk = n / kS8Block, j = n % kS8Block;
        int8_t* base = q.data.data() + blk * q.groups * kS8Block * 4 + j * 4;
        int32_t sum = 0;
        for (int64_t k = 0; k < in; ++k) {
            const float v = std::nearbyint(row[k] / scale);
            const int value = static_cast<int>(std::clamp(v, -static_cast<float>(kS8WeightMax), static_cast<float>(kS8WeightMax)));
            base[(k / 4) * kS8Block * 4 + k % 4] = static_cast<int8_t>(value);
            sum += value;
        }
        q.compensation[static_cast<size_t>(n)] = 128 * sum;
    }
}

std::vector<int8_t> unpackS8(const S8Weight& q) {
    std::vector<int8_t> w(static_cast<size_t>(q.out * q.in));
    for (int64_t n = 0; n < q.out; ++n)
        for (int64_t k = 0; k < q.in; ++k)
            w[static_cast<size_t>(n * q.in + k)] =
                q.data[static_cast<size_t>((n / kS8Block) * q.groups * kS8Block * 4 + (k / 4) * kS8Block * 4 +
                                           (n % kS8Block) * 4 + k % 4)];
    return w;
}

bool quantizeRowsU8(const float* x, int64_t rows, int64_t in, std::vector<uint8_t>& xu, std::vector<float>& scale) {
    const int64_t ld = 4 * ((in + 3) / 4);
    xu.assign(static_cast<size_t>(rows * ld), 0);
    scale.assign(static_cast<size_t>(rows), 1.0f);
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * in;
        float maxAbs = 0.0f;
        for (int64_t k = 0; k < in; ++k) {
            if (!std::isfinite(row[k])) return false;
            maxAbs = std::max(maxAbs, std::fabs(row[k]));
        }
        const float s = maxAbs > 0.0f ? maxAbs / 127.0f : 1.0f;
        scale[static_cast<size_t>(r)] = s;
        const float inv = 1.0f / s;
        uint8_t* dst = xu.data() + r * ld;
        for (int64_t k = 0; k < in; ++k)
            dst[k] = static_cast<uint8_t>(static_cast<int>(std::clamp(std::nearbyint(row[k] * inv), -127.0f, 127.0f)) + 128);
    }
    return true;
}

void dequantizeS8(const int32_t* acc, int64_t ldc, int64_t rows, const S8Weight& q, const float* xscale,
                  const float* bias, float* y) {
    for (int64_t r = 0; r < rows; ++r) {
        const int32_t* a = acc + r * ldc;
        float* dst = y + r * q.out;
        const float sx = xscale[r];
        for (int64_t n = 0; n < q.out; ++n)
            dst[n] = static_cast<float>(a[n] - q.compensation[static_cast<size_t>(n)]) * (sx * q.scale[static_cast<size_t>(n)]) +
                     (bias ? bias[n] : 0.0f);
    }
}

}  // namespace lowclip::nn::kernels
