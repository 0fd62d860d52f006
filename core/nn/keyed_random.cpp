#include "core/nn/keyed_random.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "core/error.h"

namespace lowclip::nn {

namespace {

struct Context {
    at::Tensor keys;  // [B] int64
    int64_t nextSite = 0;
};

thread_local Context* current = nullptr;

constexpr int64_t asSigned(std::uint64_t v) { return static_cast<int64_t>(v); }

// Logical right shift of int64 values (the tensor shift is arithmetic: clear the copied sign bits).
at::Tensor shiftRight(const at::Tensor& z, int s) {
    return z.__rshift__(s).bitwise_and_((int64_t{1} << (64 - s)) - 1);
}

// splitmix64's finaliser, element-wise (integer multiplication wraps modulo 2^64).
at::Tensor mix64(at::Tensor z) {
    z = z.bitwise_xor(shiftRight(z, 30)).mul_(asSigned(0xBF58476D1CE4E5B9ULL));
    z = z.bitwise_xor(shiftRight(z, 27)).mul_(asSigned(0x94D049BB133111EBULL));
    return z.bitwise_xor(shiftRight(z, 31));
}

int64_t batchOf(const Context& c) { return c.keys.size(0); }

// The same hash in 64-bit integers (wrapping), for the CPU loop below.
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// keyedDropoutMask's values in one pass per element on the CPU (the tensor version below makes
// about a dozen passes over int64 arrays): bit for bit the same mask.
template <typename T>
void fillMaskCpu(const int64_t* keys, int64_t batch, int64_t site, int64_t perRow, std::uint64_t threshold, T scale,
                 T* out) {
    const std::uint64_t siteTerm = static_cast<std::uint64_t>(site + 1) * 0xD1B54A32D192ED03ULL;
    constexpr int64_t kChunk = 4096;
    const int64_t chunksPerRow = (perRow + kChunk - 1) / kChunk;
    at::parallel_for(0, batch * chunksPerRow, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
            const int64_t r = c / chunksPerRow, e0 = (c % chunksPerRow) * kChunk, e1 = std::min(perRow, e0 + kChunk);
            const std::uint64_t rowSeed = mix64(static_cast<std::uint64_t>(keys[r]) * kGolden + siteTerm);
            T* row = out + r * perRow;
            for (int64_t e = e0; e < e1; ++e) {
                const std::uint64_t bits = mix64(rowSeed + static_cast<std::uint64_t>(e + 1) * kGolden) >> 11;
                row[e] = bits >= threshold ? scale : T(0);
            }
        }
    });
}

}  // namespace

KeyedRandomScope::KeyedRandomScope(const at::Tensor& rowKeys) : previous_(current) {
    if (!rowKeys.defined() || rowKeys.dim() != 1 || rowKeys.scalar_type() != at::kLong)
        throw Error(ErrorCode::InvalidArgument, "keyed randomness needs one int64 key per example");
    auto* c = new Context;
    c->keys = rowKeys;
    current = c;
}

KeyedRandomScope::~KeyedRandomScope() {
    delete current;
    current = static_cast<Context*>(previous_);
}

bool keyedRandomActive() { return current != nullptr; }

at::Tensor keyedRandomBits(const at::Tensor& rowKeys, int64_t site, int64_t perRow) {
    const auto opts = rowKeys.options();
    // One seed per row and site, then one value per element of the row.
    auto rowSeed = mix64(rowKeys.mul(asSigned(0x9E3779B97F4A7C15ULL)).add_(asSigned(static_cast<std::uint64_t>(site + 1) * 0xD1B54A32D192ED03ULL)));
    auto element = torch::arange(1, perRow + 1, opts).mul_(asSigned(0x9E3779B97F4A7C15ULL));
    auto z = mix64(rowSeed.view({-1, 1}) + element.view({1, -1}));
    return shiftRight(z, 11);  // the top 53 bits
}

at::Tensor keyedDropoutMask(at::IntArrayRef shape, const at::TensorOptions& options, double p) {
    if (!current) throw Error(ErrorCode::Failed, "keyed dropout outside a keyed forward pass");
    if (!(p >= 0.0 && p < 1.0)) throw Error(ErrorCode::InvalidArgument, "dropout probability must be in [0, 1), got " + std::to_string(p));
    const int64_t site = current->nextSite++;
    const int64_t batch = batchOf(*current);
    int64_t numel = 1;
    for (auto s : shape) numel *= s;
    if (shape.empty() || batch == 0 || shape[0] % batch != 0)
        throw Error(ErrorCode::Failed, "keyed dropout: a tensor of " + std::to_string(shape.empty() ? 0 : shape[0]) +
                                           " rows does not split into the batch of " + std::to_string(batch));
    const auto threshold = static_cast<int64_t>(std::llround(std::ldexp(p, 53)));
    const auto dtype = c10::typeMetaToScalarType(options.dtype());
    if (options.device().is_cpu() && (dtype == at::kFloat || dtype == at::kDouble)) {
        const at::Tensor keys = current->keys.to(at::kCPU).contiguous();
        at::Tensor mask = at::empty(shape, options);
        const auto t = static_cast<std::uint64_t>(threshold);
        if (dtype == at::kFloat)
            fillMaskCpu(keys.data_ptr<int64_t>(), batch, site, numel / batch, t, static_cast<float>(1.0 / (1.0 - p)),
                        mask.data_ptr<float>());
        else
            fillMaskCpu(keys.data_ptr<int64_t>(), batch, site, numel / batch, t, 1.0 / (1.0 - p), mask.data_ptr<double>());
        return mask;
    }
    auto keys = current->keys.to(options.device());
    auto bits = keyedRandomBits(keys, site, numel / batch);
    auto keep = bits.ge(threshold).to(options.dtype());
    return keep.mul_(1.0 / (1.0 - p)).view(shape);
}

at::Tensor dropoutMultipliers(at::IntArrayRef shape, const at::TensorOptions& options, double p) {
    if (!(p >= 0.0 && p < 1.0)) throw Error(ErrorCode::InvalidArgument, "dropout probability must be in [0, 1), got " + std::to_string(p));
    if (p == 0.0) {
        if (current) ++current->nextSite;  // as dropout(): one site's rate never shifts another's masks
        return {};
    }
    if (current) return keyedDropoutMask(shape, options, p);
    return at::empty(shape, options).bernoulli_(1.0 - p).div_(1.0 - p);
}

at::Tensor dropout(const at::Tensor& x, double p, bool training) {
    if (!training) return x;
    if (!current) return p > 0.0 ? at::dropout(x, p, true) : x;
    if (p == 0.0) {
        // A site is numbered even when p is 0, so one site's rate never shifts another site's masks.
        ++current->nextSite;
        return x;
    }
    return x * keyedDropoutMask(x.sizes(), x.options(), p);
}

}  // namespace lowclip::nn
