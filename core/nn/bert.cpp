#include "core/nn/bert.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/BFloat16.h>
#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/utils.h>

#include "core/error.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/state_dict.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOWCLIP_BERT_AVX512 1
#endif

namespace lowclip::nn {

// ---------------------------------------------------------------------------------------------
// Configuration

namespace {

template <typename T>
T field(const nlohmann::json& json, const char* name, const T& fallback, bool required) {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) {
        if (required) throw Error(std::string("BERT config: required field \"") + name + "\" is missing");
        return fallback;
    }
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(std::string("BERT config: field \"") + name + "\" has the wrong type (" + it->type_name() + ")");
    }
}

int64_t intField(const nlohmann::json& json, const char* name, int64_t fallback, bool required) {
    auto it = json.find(name);
    if (it != json.end() && it->is_number_float()) {
        double v = it->get<double>();
        if (v != std::floor(v))
            throw Error(std::string("BERT config: field \"") + name + "\" must be a whole number, not " + it->dump());
        return static_cast<int64_t>(v);
    }
    if (it != json.end() && !it->is_null() && !it->is_number())
        throw Error(std::string("BERT config: field \"") + name + "\" must be a number, not " + it->dump());
    return field<int64_t>(json, name, fallback, required);
}

double numberField(const nlohmann::json& json, const char* name, double fallback) {
    auto it = json.find(name);
    if (it != json.end() && !it->is_null() && !it->is_number())
        throw Error(std::string("BERT config: field \"") + name + "\" must be a number, not " + it->dump());
    return field<double>(json, name, fallback, false);
}

bool knownActivation(const std::string& act) {
    return act == "gelu" || act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "relu" || act == "silu" ||
           act == "swish";
}

}  // namespace

void BertConfig::validate() const {
    auto positive = [](int64_t v, const char* name) {
        if (v <= 0) throw Error(std::string("BERT config: ") + name + " must be positive, got " + std::to_string(v));
    };
    positive(vocabSize, "vocab_size");
    positive(hiddenSize, "hidden_size");
    positive(numLayers, "num_hidden_layers");
    positive(numHeads, "num_attention_heads");
    positive(intermediateSize, "intermediate_size");
    positive(maxPositions, "max_position_embeddings");
    positive(typeVocabSize, "type_vocab_size");
    if (hiddenSize % numHeads != 0)
        throw Error("BERT config: hidden_size " + std::to_string(hiddenSize) + " is not a multiple of num_attention_heads " +
                    std::to_string(numHeads));
    if (!(layerNormEps > 0)) throw Error("BERT config: layer_norm_eps must be positive");
    if (hiddenDropout < 0 || hiddenDropout >= 1 || attentionDropout < 0 || attentionDropout >= 1)
        throw Error("BERT config: dropout probabilities must lie in [0, 1)");
    if (!knownActivation(hiddenAct))
        throw Error("BERT config: hidden_act \"" + hiddenAct + "\" is not supported (use gelu, gelu_new, relu or silu)");
}

BertConfig BertConfig::fromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw Error("BERT config: expected a JSON object, got " + std::string(json.type_name()));
    if (auto it = json.find("model_type"); it != json.end() && it->is_string() && it->get<std::string>() != "bert")
        throw Error("BERT config: model_type is \"" + it->get<std::string>() +
                    "\"; only \"bert\" models (BertModel weight names) are supported");
    if (auto it = json.find("position_embedding_type");
        it != json.end() && it->is_string() && it->get<std::string>() != "absolute")
        throw Error("BERT config: position_embedding_type \"" + it->get<std::string>() +
                    "\" is not supported (only \"absolute\")");
    BertConfig c;
    c.vocabSize = intField(json, "vocab_size", c.vocabSize, true);
    c.hiddenSize = intField(json, "hidden_size", c.hiddenSize, true);
    c.numLayers = intField(json, "num_hidden_layers", c.numLayers, true);
    c.numHeads = intField(json, "num_attention_heads", c.numHeads, true);
    c.intermediateSize = intField(json, "intermediate_size", c.intermediateSize, true);
    c.maxPositions = intField(json, "max_position_embeddings", 512, false);
    c.typeVocabSize = intField(json, "type_vocab_size", 2, false);
    c.layerNormEps = numberField(json, "layer_norm_eps", 1e-12);
    c.hiddenDropout = numberField(json, "hidden_dropout_prob", 0.1);
    c.attentionDropout = numberField(json, "attention_probs_dropout_prob", 0.1);
    c.hiddenAct = field<std::string>(json, "hidden_act", "gelu", false);
    c.validate();
    return c;
}

BertConfig BertConfig::fromJsonFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open BERT config " + path);
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("BERT config " + path + " is not valid JSON: " + e.what());
    }
    try {
        return fromJson(json);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (in " + path + ")");
    }
}

nlohmann::json BertConfig::toJson() const {
    return nlohmann::json{{"architectures", {"BertModel"}},
                          {"model_type", "bert"},
                          {"vocab_size", vocabSize},
                          {"hidden_size", hiddenSize},
                          {"num_hidden_layers", numLayers},
                          {"num_attention_heads", numHeads},
                          {"intermediate_size", intermediateSize},
                          {"hidden_act", hiddenAct},
                          {"hidden_dropout_prob", hiddenDropout},
                          {"attention_probs_dropout_prob", attentionDropout},
                          {"max_position_embeddings", maxPositions},
                          {"type_vocab_size", typeVocabSize},
                          {"layer_norm_eps", layerNormEps},
                          {"position_embedding_type", "absolute"}};
}

BertConfig BertConfig::mbertBase() { return BertConfig{}; }

// ---------------------------------------------------------------------------------------------
// Small-batch linear kernel (inference only)
//
// y = x·wᵀ + b for few input rows (a query: 16 tokens), with w in its native [out, in] row-major
// layout, so no packed copy of the weights is kept. The input is transposed once to xt [in, 16·MV]
// (zero-padded rows), so that one 16-lane register holds one input feature of 16 rows; every output
// feature n then accumulates w[n, k] (broadcast) × xt[k] over k. NR output features are computed
// together, each weight row is streamed from memory exactly once and there is no horizontal sum.
// Measured on the 2-core AMD EPYC (Zen 4) dev machine, one thread, 16 rows, mBERT-base's 72 weight
// matrices: about 2x faster than OpenBLAS sgemm via at::linear (which packs its operands on every
// call; this reads each weight once, in place). Larger batches go to at::linear.

namespace detail {
namespace {

constexpr int64_t kMaxKernelRows = 64;  // 4 registers of 16 rows

// Runs fn(c) for every c in [0, chunks) on LibTorch's threads, chunks handed out on demand: on a busy
// machine a thread that gets the CPU late finds most of the work done instead of holding everyone up
// with a fixed half.
template <typename F>
void forChunksOnDemand(int64_t chunks, const F& fn) {
    std::atomic<int64_t> next{0};
    const int64_t workers = std::min<int64_t>(at::get_num_threads(), chunks);
    at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
        for (int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) fn(c);
    });
}

// Whether y = x·wᵀ + b can run in an own kernel: float32 CPU operands of matching shapes, and no
// gradient wanted through them.
bool kernelOperands(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    if (!x.defined() || !w.defined() || w.dim() != 2 || x.dim() < 1) return false;
    const int64_t in = w.size(1), out = w.size(0);
    return x.device().is_cpu() && w.device().is_cpu() && x.scalar_type() == at::kFloat &&
           w.scalar_type() == at::kFloat && x.size(-1) == in && in > 0 &&
           (!b.defined() ||
            (b.device().is_cpu() && b.is_contiguous() && b.scalar_type() == at::kFloat && b.numel() == out)) &&
           !(at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad())));
}

#ifdef LOWCLIP_BERT_AVX512
// y [..., out] (x's leading shape) from the kernels' output yt [out, lanes], whose first `rows`
// columns are y's rows.
at::Tensor fromTransposed(const at::Tensor& yt, const at::Tensor& x, int64_t rows) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = yt.size(0);
    return yt.narrow(1, 0, rows).t().contiguous().view(shape);
}

// yt[j, 0:16·MV] = b[j] + Σ_k w[j, k]·xt[k, 0:16·MV] for j < NR.
template <int MV, int NR>
__attribute__((target("avx512f,fma"))) void broadcastTile(const float* xt, const float* w, int64_t ldw, const float* b,
                                                          float* yt, int64_t k) {
    __m512 acc[NR][MV];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_set1_ps(b ? b[j] : 0.0f);
    for (int64_t p = 0; p < k; ++p) {
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
template <int MV, int NR>
void broadcastRange(const float* xt, const float* w, const float* b, float* yt, int64_t k, int64_t n0, int64_t n1) {
    int64_t n = n0;
    for (; n + NR <= n1; n += NR) broadcastTile<MV, NR>(xt, w + n * k, k, b ? b + n : nullptr, yt + n * MV * 16, k);
    for (; n < n1; ++n) broadcastTile<MV, 1>(xt, w + n * k, k, b ? b + n : nullptr, yt + n * MV * 16, k);
}

bool cpuHasAvx512() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    return has;
}
#endif

std::atomic<bool>& kernelEnabled() {
    static std::atomic<bool> enabled{[] {
        const char* env = std::getenv("LOWCLIP_BERT_KERNEL");
        return !(env && std::string(env) == "0");
    }()};
    return enabled;
}

}  // namespace

void setFastLinearEnabled(bool enabled) { kernelEnabled() = enabled; }

bool fastLinearKernelUsed(int64_t rows) {
#ifdef LOWCLIP_BERT_AVX512
    return rows > 0 && rows <= kMaxKernelRows && kernelEnabled() && cpuHasAvx512();
#else
    (void)rows;
    return false;
#endif
}

torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    if (!kernelOperands(x, w, b) || !w.is_contiguous()) return at::linear(x, w, b);
    const int64_t in = w.size(1), out = w.size(0);
    const int64_t rows = x.numel() / in;
    if (!fastLinearKernelUsed(rows)) return at::linear(x, w, b);
#ifdef LOWCLIP_BERT_AVX512
    const int64_t mv = (rows + 15) / 16, padded = mv * 16;
    // xt [in, padded]: column r = input row r, zeros beyond `rows`.
    at::Tensor xt = at::zeros({in, padded}, x.options());
    xt.narrow(1, 0, rows).copy_(x.reshape({rows, in}).t());
    at::Tensor yt = at::empty({out, padded}, x.options());
    const float* xp = xt.data_ptr<float>();
    const float* wp = w.data_ptr<float>();
    const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
    float* yp = yt.data_ptr<float>();
    // Output features in chunks of 32.
    constexpr int64_t kChunk = 32;
    forChunksOnDemand((out + kChunk - 1) / kChunk, [&](int64_t c) {
        const int64_t n0 = c * kChunk, n1 = std::min(out, n0 + kChunk);
        switch (mv) {
            case 1: broadcastRange<1, 8>(xp, wp, bp, yp, in, n0, n1); break;
            case 2: broadcastRange<2, 8>(xp, wp, bp, yp, in, n0, n1); break;
            case 3: broadcastRange<3, 8>(xp, wp, bp, yp, in, n0, n1); break;
            default: broadcastRange<4, 6>(xp, wp, bp, yp, in, n0, n1); break;
        }
    });
    return fromTransposed(yt, x, rows);
#else
    return at::linear(x, w, b);
#endif
}

// ---------------------------------------------------------------------------------------------
// bfloat16 variant: the same broadcast scheme with vdpbf16ps, which multiplies two bfloat16 pairs
// and adds both products to a float32 lane. xt holds, for each pair of input features (2p, 2p+1),
// 16·MV 32-bit lanes {x[r, 2p], x[r, 2p+1]} (r = input row); w's row j supplies the pair
// {w[j, 2p], w[j, 2p+1]} broadcast to every lane. Half the weight bytes of the float32 kernel and
// two products per lane per instruction.

namespace {

constexpr int64_t kPack = 8;  // output features per block of the packed bfloat16 weight
// How far ahead (in input pairs: 32 bytes each) the kernel prefetches the packed weights. mBERT-base
// query on the dev machine, one thread: no prefetch 25.7 ms, 32 -> 21.9, 128 -> 18.9, 512 -> 19.3 ms.
constexpr int64_t kPrefetchPairs = 128;

uint16_t toBf16(float f) { return c10::BFloat16(f).x; }  // round to nearest even, as the packed weights

#ifdef LOWCLIP_BERT_AVX512
// The packed copy: blocks of kPack output features; within a block, for each input pair p, the kPack
// pairs {w[j, 2p], w[j, 2p+1]} side by side, so a tile streams one contiguous run of memory.
// NR features starting at `j0` of the block at `wb`.
template <int MV, int NR>
__attribute__((target("avx512f,avx512bf16"))) void bf16Tile(const uint32_t* xt, const uint32_t* wb, int j0,
                                                            const float* b, float* yt, int64_t pairs, int valid) {
    __m512 acc[NR][MV];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_set1_ps(b && j < valid ? b[j] : 0.0f);
    for (int64_t p = 0; p < pairs; ++p) {
        __m512i xv[MV];
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v) xv[v] = _mm512_loadu_si512(xt + (p * MV + v) * 16);
        const uint32_t* wp = wb + p * kPack + j0;
        // The stream is contiguous: fetch ahead of the hardware prefetcher (weights come from DRAM).
        _mm_prefetch(reinterpret_cast<const char*>(wp + kPrefetchPairs * kPack), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int j = 0; j < NR; ++j) {
            const __m512i wj = _mm512_set1_epi32(static_cast<int>(wp[j]));
#pragma GCC unroll 4
            for (int v = 0; v < MV; ++v) acc[j][v] = _mm512_dpbf16_ps(acc[j][v], (__m512bh)wj, (__m512bh)xv[v]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j)
        if (j < valid)
#pragma GCC unroll 4
            for (int v = 0; v < MV; ++v) _mm512_storeu_ps(yt + (j * MV + v) * 16, acc[j][v]);
}

// Blocks [blk0, blk1) of the packed weight.
template <int MV>
void bf16Blocks(const uint32_t* xt, const uint32_t* w, const float* b, float* yt, int64_t pairs, int64_t out,
                int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; ++blk) {
        const int64_t n = blk * kPack;
        const int valid = static_cast<int>(std::min<int64_t>(kPack, out - n));
        const uint32_t* wb = w + blk * pairs * kPack;
        if constexpr (MV <= 3) {
            bf16Tile<MV, kPack>(xt, wb, 0, b ? b + n : nullptr, yt + n * MV * 16, pairs, valid);
        } else {  // 4 registers of rows: half a block at a time keeps the accumulators in registers
            bf16Tile<MV, kPack / 2>(xt, wb, 0, b ? b + n : nullptr, yt + n * MV * 16, pairs, valid);
            if (valid > kPack / 2)
                bf16Tile<MV, kPack / 2>(xt, wb, kPack / 2, b ? b + n + kPack / 2 : nullptr,
                                        yt + (n + kPack / 2) * MV * 16, pairs, valid - kPack / 2);
        }
    }
}

bool cpuHasAvx512Bf16() {
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
    return has;
}
#endif

}  // namespace

bool bf16KernelAvailable() {
#ifdef LOWCLIP_BERT_AVX512
    return kernelEnabled() && cpuHasAvx512Bf16();
#else
    return false;
#endif
}

bool bf16KernelUsed(int64_t rows, int64_t in) {
    return rows > 0 && rows <= kMaxKernelRows && in > 0 && in % 2 == 0 && bf16KernelAvailable();
}

torch::Tensor Bf16Weight::of(const torch::Tensor& w, const std::vector<torch::Tensor>& sources) {
    std::vector<std::pair<const void*, int64_t>> key;
    for (const auto& t : sources.empty() ? std::vector<torch::Tensor>{w} : sources)
        key.emplace_back(t.data_ptr(), t.is_inference() ? -1 : static_cast<int64_t>(t._version()));  // no counter
    const int64_t out = w.size(0), in = w.size(1), blocks = (out + kPack - 1) / kPack;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!copy_.defined() || key != key_ || copy_.size(0) != blocks || copy_.size(1) * 2 != in) {
        c10::InferenceMode guard;
        if (in % 2) throw Error("bfloat16 weights need an even number of input features, got " + std::to_string(in));
        // [out, in] -> zero rows up to blocks·kPack -> [blocks, kPack, in/2, 2] -> [blocks, in/2, kPack, 2]
        at::Tensor padded = at::zeros({blocks * kPack, in}, at::kBFloat16);
        padded.narrow(0, 0, out).copy_(w.detach());
        copy_ = padded.view({blocks, kPack, in / 2, 2}).permute({0, 2, 1, 3}).contiguous();
        key_ = std::move(key);
    }
    return copy_;
}

void Bf16Weight::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    copy_ = at::Tensor();
    key_.clear();
}

torch::Tensor fastLinearBf16(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Bf16Weight& cache,
                             const std::vector<torch::Tensor>& sources) {
    if (!kernelOperands(x, w, b)) return fastLinear(x, w, b);
    const int64_t in = w.size(1), out = w.size(0);
    const int64_t rows = x.numel() / in;
    if (!bf16KernelUsed(rows, in)) return fastLinear(x, w, b);
#ifdef LOWCLIP_BERT_AVX512
    const at::Tensor packed = cache.of(w, sources);
    const int64_t mv = (rows + 15) / 16, lanes = mv * 16, pairs = in / 2;
    // xt [pairs, lanes] of {x[r, 2p], x[r, 2p+1]} as bfloat16, zeros beyond `rows`.
    std::vector<uint32_t> xt(static_cast<size_t>(pairs * lanes), 0u);
    const at::Tensor xc = x.reshape({rows, in}).contiguous();
    const float* xp = xc.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t p = 0; p < pairs; ++p)
            xt[static_cast<size_t>(p * lanes + r)] =
                static_cast<uint32_t>(toBf16(xp[r * in + 2 * p])) | (static_cast<uint32_t>(toBf16(xp[r * in + 2 * p + 1])) << 16);
    at::Tensor yt = at::empty({out, lanes}, x.options());
    const auto* wp = reinterpret_cast<const uint32_t*>(packed.data_ptr<at::BFloat16>());
    const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
    float* yp = yt.data_ptr<float>();
    // Chunks of 4 blocks (32 features), as in fastLinear.
    constexpr int64_t kChunkBlocks = 4;
    const int64_t blocks = (out + kPack - 1) / kPack;
    forChunksOnDemand((blocks + kChunkBlocks - 1) / kChunkBlocks, [&](int64_t c) {
        const int64_t b0 = c * kChunkBlocks, b1 = std::min(blocks, b0 + kChunkBlocks);
        switch (mv) {
            case 1: bf16Blocks<1>(xt.data(), wp, bp, yp, pairs, out, b0, b1); break;
            case 2: bf16Blocks<2>(xt.data(), wp, bp, yp, pairs, out, b0, b1); break;
            case 3: bf16Blocks<3>(xt.data(), wp, bp, yp, pairs, out, b0, b1); break;
            default: bf16Blocks<4>(xt.data(), wp, bp, yp, pairs, out, b0, b1); break;
        }
    });
    return fromTransposed(yt, x, rows);
#else
    (void)cache;
    (void)sources;
    return fastLinear(x, w, b);
#endif
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Modules (names follow modeling_bert.py)

namespace {

constexpr double kInitStd = 0.02;  // Hugging Face's initializer_range default

// How a forward pass computes: differentiable ops (grad mode), or inference with the small-batch
// kernels reading float32 or bfloat16 weights.
enum class Path { Autograd, Fast, FastBf16 };

// Parameter holders named like torch.nn.Linear / LayerNorm / Embedding ("weight", "bias"); the
// math lives in the modules that use them. Big matrices are left unset when `init` is false (a
// checkpoint is about to be copied in), which saves seconds on an mBERT-sized model.
class DenseImpl : public torch::nn::Module {
public:
    DenseImpl(int64_t in, int64_t out, bool init) {
        weight = register_parameter("weight", at::empty({out, in}));
        bias = register_parameter("bias", at::zeros({out}));
        if (init) {
            torch::NoGradGuard noGrad;
            weight.normal_(0.0, kInitStd);
        }
    }
    at::Tensor weight, bias;
    mutable detail::Bf16Weight bf16;  // the bfloat16 copy of `weight` for Path::FastBf16
};
TORCH_MODULE(Dense);

class NormImpl : public torch::nn::Module {
public:
    explicit NormImpl(int64_t size) {
        weight = register_parameter("weight", at::ones({size}));
        bias = register_parameter("bias", at::zeros({size}));
    }
    at::Tensor weight, bias;
};
TORCH_MODULE(Norm);

class TableImpl : public torch::nn::Module {
public:
    TableImpl(int64_t count, int64_t dim, bool init) {
        weight = register_parameter("weight", at::empty({count, dim}));
        if (init) {
            torch::NoGradGuard noGrad;
            weight.normal_(0.0, kInitStd);
        }
    }
    at::Tensor weight;
};
TORCH_MODULE(Table);

at::Tensor activation(const at::Tensor& x, const std::string& act) {
    if (act == "gelu") return at::gelu(x);
    if (act == "gelu_new" || act == "gelu_pytorch_tanh") return at::gelu(x, "tanh");
    if (act == "relu") return at::relu(x);
    return at::silu(x);  // "silu" / "swish" (validated in BertConfig)
}

// One dense layer: the small-batch kernel without autograd, at::linear with it.
at::Tensor applyDense(const Dense& l, const at::Tensor& x, Path path) {
    switch (path) {
        case Path::Fast: return detail::fastLinear(x, l->weight, l->bias);
        case Path::FastBf16: return detail::fastLinearBf16(x, l->weight, l->bias, l->bf16);
        case Path::Autograd: break;
    }
    return at::linear(x, l->weight, l->bias);
}

}  // namespace

class BertEmbeddingsImpl : public torch::nn::Module {
public:
    BertEmbeddingsImpl(const BertConfig& c, bool init) : config_(c) {
        word_embeddings = register_module("word_embeddings", Table(c.vocabSize, c.hiddenSize, init));
        position_embeddings = register_module("position_embeddings", Table(c.maxPositions, c.hiddenSize, init));
        token_type_embeddings = register_module("token_type_embeddings", Table(c.typeVocabSize, c.hiddenSize, init));
        LayerNorm = register_module("LayerNorm", Norm(c.hiddenSize));
    }

    at::Tensor forward(const at::Tensor& ids, const at::Tensor& types, bool dropout) {
        const int64_t seq = ids.size(1);
        at::Tensor x = at::embedding(word_embeddings->weight, ids);
        // Positions are arange(seq): the first `seq` rows, broadcast over the batch.
        const at::Tensor pos = position_embeddings->weight.narrow(0, 0, seq);
        const at::Tensor typ = types.defined() ? at::embedding(token_type_embeddings->weight, types)
                                               : token_type_embeddings->weight.select(0, 0);
        const bool inplace = !at::GradMode::is_enabled();
        if (inplace) {
            x.add_(pos).add_(typ);
        } else {
            x = x + pos + typ;
        }
        x = at::layer_norm(x, {config_.hiddenSize}, LayerNorm->weight, LayerNorm->bias, config_.layerNormEps);
        return dropout ? at::dropout(x, config_.hiddenDropout, true) : x;
    }

    Table word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
    Norm LayerNorm{nullptr};

private:
    BertConfig config_;
};

class BertSelfAttentionImpl : public torch::nn::Module {
public:
    BertSelfAttentionImpl(const BertConfig& c, bool init) : config_(c) {
        const int64_t h = c.hiddenSize;
        query = register_module("query", Dense(h, h, false));
        key = register_module("key", Dense(h, h, false));
        value = register_module("value", Dense(h, h, false));
        // query/key/value weights (and biases) live side by side in one buffer, so inference can
        // run them as one [3h, h] product; each parameter is still its own [h, h] tensor.
        torch::NoGradGuard noGrad;
        at::Tensor w = at::empty({3 * h, h}), b = at::zeros({3 * h});
        if (init) w.normal_(0.0, kInitStd);
        query->weight.set_data(w.narrow(0, 0, h));
        key->weight.set_data(w.narrow(0, h, h));
        value->weight.set_data(w.narrow(0, 2 * h, h));
        query->bias.set_data(b.narrow(0, 0, h));
        key->bias.set_data(b.narrow(0, h, h));
        value->bias.set_data(b.narrow(0, 2 * h, h));
    }

    // [batch, seq, hidden] -> context [batch, seq, hidden]. `mask` is the additive [batch, 1, 1, seq]
    // mask or undefined.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout) {
        const int64_t batch = x.size(0), seq = x.size(1), heads = config_.numHeads, hs = config_.headSize();
        at::Tensor q, k, v;
        if (path != Path::Autograd) {
            at::Tensor qkv;
            if (at::Tensor w = fusedWeight(), b = fusedBias(); w.defined() && b.defined()) {
                qkv = path == Path::FastBf16
                          ? detail::fastLinearBf16(x, w, b, fusedBf16, {query->weight, key->weight, value->weight})
                          : detail::fastLinear(x, w, b);
            } else {
                qkv = at::cat({applyDense(query, x, path), applyDense(key, x, path), applyDense(value, x, path)}, -1);
            }
            // [b, s, 3, heads, hs] -> [3, b, heads, s, hs]
            at::Tensor parts = qkv.view({batch, seq, 3, heads, hs}).permute({2, 0, 3, 1, 4});
            q = parts.select(0, 0);
            k = parts.select(0, 1);
            v = parts.select(0, 2);
        } else {
            auto split = [&](const at::Tensor& t) { return t.view({batch, seq, heads, hs}).permute({0, 2, 1, 3}); };
            q = split(at::linear(x, query->weight, query->bias));
            k = split(at::linear(x, key->weight, key->bias));
            v = split(at::linear(x, value->weight, value->bias));
        }
        at::Tensor scores = at::matmul(q, k.transpose(-1, -2));
        const double scale = 1.0 / std::sqrt(static_cast<double>(hs));
        if (path != Path::Autograd) {
            scores.mul_(scale);
            if (mask.defined()) scores.add_(mask);
        } else {
            scores = scores * scale;
            if (mask.defined()) scores = scores + mask;
        }
        at::Tensor probs = at::softmax(scores, -1);
        if (dropout) probs = at::dropout(probs, config_.attentionDropout, true);
        at::Tensor context = at::matmul(probs, v);  // [b, heads, s, hs]
        return context.permute({0, 2, 1, 3}).reshape({batch, seq, config_.hiddenSize});
    }

    Dense query{nullptr}, key{nullptr}, value{nullptr};
    detail::Bf16Weight fusedBf16;  // bfloat16 copy of the fused [3h, h] weight

private:
    // The [3h, h] weight spanning query, key and value when they still sit side by side in one
    // buffer (as built; loading copies in place), else undefined (e.g. after Module::to()).
    at::Tensor fusedWeight() const { return adjacent(query->weight, key->weight, value->weight); }
    at::Tensor fusedBias() const { return adjacent(query->bias, key->bias, value->bias); }

    static at::Tensor adjacent(const at::Tensor& a, const at::Tensor& b, const at::Tensor& c) {
        if (!a.is_contiguous() || !b.is_contiguous() || !c.is_contiguous()) return {};
        if (a.scalar_type() != b.scalar_type() || a.scalar_type() != c.scalar_type()) return {};
        if (a.sizes() != b.sizes() || a.sizes() != c.sizes()) return {};
        if (!a.is_alias_of(b) || !a.is_alias_of(c)) return {};
        const int64_t n = a.numel();
        if (b.storage_offset() != a.storage_offset() + n || c.storage_offset() != a.storage_offset() + 2 * n) return {};
        std::vector<int64_t> size(a.sizes().begin(), a.sizes().end());
        size[0] *= 3;
        std::vector<int64_t> stride(a.strides().begin(), a.strides().end());
        return a.as_strided(size, stride, a.storage_offset());
    }

    BertConfig config_;
};

// "attention.output" and "output": dense -> dropout -> + residual -> LayerNorm.
class BertAddNormImpl : public torch::nn::Module {
public:
    BertAddNormImpl(const BertConfig& c, int64_t in, bool init) : config_(c) {
        dense = register_module("dense", Dense(in, c.hiddenSize, init));
        LayerNorm = register_module("LayerNorm", Norm(c.hiddenSize));
    }

    at::Tensor forward(const at::Tensor& h, const at::Tensor& residual, Path path, bool dropout) {
        at::Tensor y = applyDense(dense, h, path);
        if (dropout) y = at::dropout(y, config_.hiddenDropout, true);
        if (path != Path::Autograd) {
            y.add_(residual);
        } else {
            y = y + residual;
        }
        return at::layer_norm(y, {config_.hiddenSize}, LayerNorm->weight, LayerNorm->bias, config_.layerNormEps);
    }

    Dense dense{nullptr};
    Norm LayerNorm{nullptr};

private:
    BertConfig config_;
};

class BertAttentionImpl : public torch::nn::Module {
public:
    BertAttentionImpl(const BertConfig& c, bool init) {
        self = register_module("self", std::make_shared<BertSelfAttentionImpl>(c, init));
        output = register_module("output", std::make_shared<BertAddNormImpl>(c, c.hiddenSize, init));
    }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout) {
        return output->forward(self->forward(x, mask, path, dropout), x, path, dropout);
    }
    std::shared_ptr<BertSelfAttentionImpl> self;
    std::shared_ptr<BertAddNormImpl> output;
};

class BertIntermediateImpl : public torch::nn::Module {
public:
    BertIntermediateImpl(const BertConfig& c, bool init) : act_(c.hiddenAct) {
        dense = register_module("dense", Dense(c.hiddenSize, c.intermediateSize, init));
    }
    at::Tensor forward(const at::Tensor& x, Path path) { return activation(applyDense(dense, x, path), act_); }
    Dense dense{nullptr};

private:
    std::string act_;
};

class BertLayerImpl : public torch::nn::Module {
public:
    BertLayerImpl(const BertConfig& c, bool init) {
        attention = register_module("attention", std::make_shared<BertAttentionImpl>(c, init));
        intermediate = register_module("intermediate", std::make_shared<BertIntermediateImpl>(c, init));
        output = register_module("output", std::make_shared<BertAddNormImpl>(c, c.intermediateSize, init));
    }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout) {
        at::Tensor a = attention->forward(x, mask, path, dropout);
        return output->forward(intermediate->forward(a, path), a, path, dropout);
    }
    std::shared_ptr<BertAttentionImpl> attention;
    std::shared_ptr<BertIntermediateImpl> intermediate;
    std::shared_ptr<BertAddNormImpl> output;
};

class BertPoolerImpl : public torch::nn::Module {
public:
    BertPoolerImpl(const BertConfig& c, bool init) { dense = register_module("dense", Dense(c.hiddenSize, c.hiddenSize, init)); }
    at::Tensor forward(const at::Tensor& hidden, Path path) {
        return at::tanh(applyDense(dense, hidden.select(1, 0), path));
    }
    Dense dense{nullptr};
};

// ---------------------------------------------------------------------------------------------
// BertModel

BertModelImpl::BertModelImpl(const BertConfig& config, BertInit init) : config_(config) {
    config_.validate();
    const bool random = init == BertInit::Random;
    embeddings_ = register_module("embeddings", std::make_shared<BertEmbeddingsImpl>(config_, random));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>("BertEncoder"));
    torch::nn::ModuleList list;
    for (int64_t i = 0; i < config_.numLayers; ++i) {
        layers_.push_back(std::make_shared<BertLayerImpl>(config_, random));
        list->push_back(layers_.back());
    }
    encoder->register_module("layer", list);
    pooler_ = register_module("pooler", std::make_shared<BertPoolerImpl>(config_, random));
}

void BertModelImpl::setInferencePrecision(BertPrecision precision) {
    precision_ = precision;
    if (precision == BertPrecision::BFloat16) return;  // copies are made on first use
    for (const auto& m : modules(/*include_self=*/false)) {
        if (auto* d = m->as<DenseImpl>()) d->bf16.clear();
        if (auto* a = m->as<BertSelfAttentionImpl>()) a->fusedBf16.clear();
    }
}

BertOutput BertModelImpl::forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                  const torch::Tensor& tokenTypeIds) {
    return run(inputIds, attentionMask, tokenTypeIds, is_training());
}

BertOutput BertModelImpl::infer(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                const torch::Tensor& tokenTypeIds) {
    c10::InferenceMode guard;
    return run(inputIds, attentionMask, tokenTypeIds, /*dropout=*/false);
}

std::vector<torch::Tensor> BertModelImpl::hiddenStates(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                                      const torch::Tensor& tokenTypeIds) {
    std::vector<torch::Tensor> states;
    run(inputIds, attentionMask, tokenTypeIds, is_training(), &states);
    return states;
}

BertOutput BertModelImpl::run(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                              const torch::Tensor& tokenTypeIds, bool dropout, std::vector<torch::Tensor>* states) {
    if (!inputIds.defined() || inputIds.dim() != 2)
        throw Error("BERT: input_ids must be a [batch, sequence] tensor, got " +
                    (inputIds.defined() ? shapeOf(inputIds) : std::string("nothing")));
    const int64_t batch = inputIds.size(0), seq = inputIds.size(1);
    if (seq == 0 || batch == 0) throw Error("BERT: empty input " + shapeOf(inputIds));
    if (seq > config_.maxPositions)
        throw Error("BERT: a sequence of " + std::to_string(seq) + " tokens is longer than the model's " +
                    std::to_string(config_.maxPositions) + " positions; truncate it");
    if (at::isFloatingType(inputIds.scalar_type()) || inputIds.scalar_type() == at::kBool)
        throw Error("BERT: input_ids must be integer token ids");
    auto checkShape = [&](const at::Tensor& t, const char* what) {
        if (t.defined() && (t.dim() != 2 || t.size(0) != batch || t.size(1) != seq))
            throw Error(std::string("BERT: ") + what + " has shape " + shapeOf(t) + " but input_ids has " +
                        shapeOf(inputIds));
    };
    checkShape(attentionMask, "attention_mask");
    checkShape(tokenTypeIds, "token_type_ids");

    const at::Tensor ids = inputIds.to(at::kLong);
    {
        const auto range = at::aminmax(ids);
        const int64_t lo = std::get<0>(range).item<int64_t>(), hi = std::get<1>(range).item<int64_t>();
        if (lo < 0 || hi >= config_.vocabSize)
            throw Error("BERT: token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary of " +
                        std::to_string(config_.vocabSize) + " (do the tokenizer's vocabulary and the model match?)");
    }
    at::Tensor types;
    if (tokenTypeIds.defined()) {
        types = tokenTypeIds.to(at::kLong);
        const auto range = at::aminmax(types);
        const int64_t lo = std::get<0>(range).item<int64_t>(), hi = std::get<1>(range).item<int64_t>();
        if (lo < 0 || hi >= config_.typeVocabSize)
            throw Error("BERT: token type id " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " +
                        std::to_string(config_.typeVocabSize) + ")");
    }

    const at::Tensor& wordWeight = embeddings_->word_embeddings->weight;
    // Additive mask [batch, 1, 1, seq]: 0 for tokens, -10000 for padding (as modeling_bert.py).
    at::Tensor mask;
    if (attentionMask.defined()) {
        mask = (1.0 - attentionMask.to(wordWeight.scalar_type())).mul_(-10000.0).view({batch, 1, 1, seq});
        mask = mask.to(wordWeight.device());
    }
    const Path path = at::GradMode::is_enabled()                  ? Path::Autograd
                      : precision_ == BertPrecision::BFloat16 ? Path::FastBf16
                                                              : Path::Fast;
    at::Tensor x = embeddings_->forward(ids.to(wordWeight.device()),
                                        types.defined() ? types.to(wordWeight.device()) : types, dropout);
    if (states) states->push_back(x);
    for (const auto& layer : layers_) {
        x = layer->forward(x, mask, path, dropout);
        if (states) states->push_back(x);
    }
    BertOutput out;
    out.pooled = pooler_->forward(x, path);
    out.lastHiddenState = x;
    return out;
}

// ---------------------------------------------------------------------------------------------
// Loading and freezing

void loadBertWeights(BertModel& model, const io::TensorMap& weights) {
    loadStateDict(*model, huggingFaceBertKeys(weights), /*strict=*/true, "BERT text encoder");
}

BertModel loadBertFolder(const std::string& folder) {
    namespace fs = std::filesystem;
    const fs::path dir(folder);
    if (!fs::is_directory(dir)) throw Error("BERT folder " + folder + " does not exist or is not a folder");
    const fs::path config = dir / "config.json";
    if (!fs::exists(config)) throw Error("BERT folder " + folder + " has no config.json");
    fs::path weights;
    for (const char* name : {"model.safetensors", "pytorch_model.bin"})
        if (fs::exists(dir / name)) {
            weights = dir / name;
            break;
        }
    if (weights.empty())
        throw Error("BERT folder " + folder + " has neither model.safetensors nor pytorch_model.bin");
    BertModel model(BertConfig::fromJsonFile(config.string()), BertInit::Empty);
    try {
        loadBertWeights(model, io::loadWeights(weights.string()));
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + "\n  (weights: " + weights.string() + ")");
    }
    model->eval();
    return model;
}

void setBertTrainable(BertModel& model, BertTrainable mode, int lastLayers) {
    const int64_t layers = model->numLayers();
    if (mode == BertTrainable::LastLayers && (lastLayers < 0 || lastLayers > layers))
        throw Error("BERT: cannot train the last " + std::to_string(lastLayers) + " layers of a model with " +
                    std::to_string(layers));
    const std::string layerPrefix = "encoder.layer.";
    for (auto& p : model->named_parameters(/*recurse=*/true)) {
        const std::string& name = p.key();
        bool train = false;
        switch (mode) {
            case BertTrainable::None: train = false; break;
            case BertTrainable::All: train = true; break;
            case BertTrainable::AttentionOnly:
                train = name.rfind(layerPrefix, 0) == 0 && name.find(".attention.") != std::string::npos;
                break;
            case BertTrainable::LastLayers:
                if (name.rfind("pooler.", 0) == 0) {
                    train = true;
                } else if (name.rfind(layerPrefix, 0) == 0) {
                    const int64_t index = std::stoll(name.substr(layerPrefix.size()));
                    train = index >= layers - lastLayers;
                }
                break;
        }
        p.value().set_requires_grad(train);
    }
}

}  // namespace lowclip::nn
