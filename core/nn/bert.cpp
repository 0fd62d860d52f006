#include "core/nn/bert.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/BFloat16.h>
#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/utils.h>

#include "core/error.h"
#include "core/nn/attention_train.h"
#include "core/nn/keyed_random.h"
#include "core/nn/kernels/rows.h"
#include "core/io/formats/torch_archive.h"
#include "core/nn/state_dict.h"
#include "core/util/json_config.h"


namespace lowclip::nn {

// ---------------------------------------------------------------------------------------------
// Configuration

namespace {

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

BertConfig BertConfig::fromJson(const nlohmann::json& json, const std::string& file, const std::string& where) {
    const util::JsonObject j(json, file, where);
    const std::string modelType = j.string("model_type", "bert", 256);
    if (modelType != "bert")
        j.fail("model_type", "is \"" + modelType + "\"; only \"bert\" models (BertModel weight names) are supported");
    const std::string positions = j.string("position_embedding_type", "absolute", 256);
    if (positions != "absolute")
        j.fail("position_embedding_type", "is \"" + positions + "\"; only \"absolute\" is supported");
    // Sizes far above any real BERT and far below what overflows; the weights decide the rest.
    BertConfig c;
    for (const char* key : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"})
        j.require(key);
    c.vocabSize = j.integer("vocab_size", c.vocabSize, 1, int64_t{1} << 24);
    c.hiddenSize = j.integer("hidden_size", c.hiddenSize, 1, int64_t{1} << 16);
    c.numLayers = j.integer("num_hidden_layers", c.numLayers, 1, 1024);
    c.numHeads = j.integer("num_attention_heads", c.numHeads, 1, 4096);
    c.intermediateSize = j.integer("intermediate_size", c.intermediateSize, 1, int64_t{1} << 18);
    c.maxPositions = j.integer("max_position_embeddings", 512, 1, int64_t{1} << 20);
    c.typeVocabSize = j.integer("type_vocab_size", 2, 1, 1 << 16);
    c.layerNormEps = j.number("layer_norm_eps", 1e-12, 0.0, 1.0);
    c.hiddenDropout = j.number("hidden_dropout_prob", 0.1, 0.0, 1.0);
    c.attentionDropout = j.number("attention_probs_dropout_prob", 0.1, 0.0, 1.0);
    c.hiddenAct = j.string("hidden_act", "gelu", 256);
    try {
        c.validate();
    } catch (const Error& e) {
        std::string reason = e.what();
        Error::Details d{{"reason", reason}};
        if (!file.empty()) d["path"] = file;
        throw Error(ErrorCode::InvalidFile, file.empty() ? reason : "'" + file + "': " + reason, std::move(d));
    }
    return c;
}

BertConfig BertConfig::fromJsonFile(const std::string& path) { return fromJson(util::readJsonFile(path), path); }

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

BertPrecision parseBertPrecision(const std::string& text) {
    if (text == "float32" || text == "fp32") return BertPrecision::Float32;
    if (text == "bfloat16" || text == "bf16") return BertPrecision::BFloat16;
    if (text == "int8") return BertPrecision::Int8;
    throw Error(ErrorCode::InvalidArgument, "unknown text precision \"" + text + "\" (use float32, bfloat16 or int8)",
                {{"what", "text precision"}, {"value", text}});
}

const char* bertPrecisionName(BertPrecision precision) {
    switch (precision) {
        case BertPrecision::Float32: return "float32";
        case BertPrecision::BFloat16: return "bfloat16";
        case BertPrecision::Int8: return "int8";
    }
    return "?";
}

BertPrecision fastestBertPrecision() {
    // int8 meets the bounds (cosine >= 0.99 to float32: tests/nn; top-10 overlap >= 0.9: bench_bert)
    // and is faster than float32 wherever a SIMD int8 kernel runs; the scalar one is slower.
    return std::string(detail::activeKernels().s8Name) != "scalar" ? BertPrecision::Int8 : BertPrecision::Float32;
}

// ---------------------------------------------------------------------------------------------
// Small-batch linear layers (inference only)
//
// y = x·wᵀ + b for few input rows (a query: 16 tokens), computed by the kernels of
// core/nn/kernels (one table per dispatch level, see kernels/linear.h). The input is transposed once
// to xt [in, lanes·mv] (zero-padded rows) for the float32 and bfloat16 kernels, or quantized per row
// to unsigned 8 bits for the int8 kernels. Larger batches go to at::linear.

namespace detail {
namespace {

constexpr int64_t kMaxKernelRows = 64;  // rows the bfloat16 and int8 paths take (a query, a few texts)
constexpr int64_t kMaxInt8In = 65536;   // keeps 255·63·in inside int32

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

// y [..., out] (x's leading shape) from the kernels' output yt [out, lanes], whose first `rows`
// columns are y's rows.
at::Tensor fromTransposed(const at::Tensor& yt, const at::Tensor& x, int64_t rows) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = yt.size(0);
    return yt.narrow(1, 0, rows).t().contiguous().view(shape);
}

std::atomic<bool>& kernelEnabled() {
    static std::atomic<bool> enabled{[] {
        const char* env = std::getenv("LOWCLIP_BERT_KERNEL");
        return !(env && std::string(env) == "0");
    }()};
    return enabled;
}

uint16_t toBf16(float f) { return c10::BFloat16(f).x; }  // round to nearest even, as the packed weights

// The key that notices a changed source tensor (another storage, or an in-place update).
std::vector<std::pair<const void*, int64_t>> versionKey(const torch::Tensor& w, const std::vector<torch::Tensor>& sources) {
    std::vector<std::pair<const void*, int64_t>> key;
    for (const auto& t : sources.empty() ? std::vector<torch::Tensor>{w} : sources)
        key.emplace_back(t.data_ptr(), t.is_inference() ? -1 : static_cast<int64_t>(t._version()));  // no counter
    return key;
}

}  // namespace

const kernels::LinearKernels& activeKernels() { return kernels::linearKernels(kernels::activeIsa()); }

void setFastLinearEnabled(bool enabled) { kernelEnabled() = enabled; }

bool fastLinearKernelUsed(int64_t rows) { return fastLinearKernelUsed(rows, activeKernels()); }

bool fastLinearKernelUsed(int64_t rows, const kernels::LinearKernels& k) {
    return rows > 0 && k.f32 && rows <= k.f32MaxRows && kernelEnabled();
}

torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    return fastLinear(x, w, b, activeKernels());
}

torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                         const kernels::LinearKernels& k) {
    if (!kernelOperands(x, w, b) || !w.is_contiguous()) return at::linear(x, w, b);
    const int64_t in = w.size(1), out = w.size(0);
    const int64_t rows = x.numel() / in;
    if (!fastLinearKernelUsed(rows, k)) return at::linear(x, w, b);
    const int64_t lanes = k.f32Lanes, mv = (rows + lanes - 1) / lanes, padded = mv * lanes;
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
        k.f32(xp, wp, bp, yp, in, mv, n0, n1);
    });
    return fromTransposed(yt, x, rows);
}

// ---------------------------------------------------------------------------------------------
// bfloat16 variant (see kernels/linear_bf16.cpp)

bool bf16KernelAvailable() { return kernelEnabled() && activeKernels().bf16 != nullptr; }

bool bf16KernelUsed(int64_t rows, int64_t in) { return bf16KernelUsed(rows, in, activeKernels()); }

bool bf16KernelUsed(int64_t rows, int64_t in, const kernels::LinearKernels& k) {
    return rows > 0 && rows <= kMaxKernelRows && in > 0 && in % 2 == 0 && kernelEnabled() && k.bf16 != nullptr;
}

torch::Tensor Bf16Weight::of(const torch::Tensor& w, const std::vector<torch::Tensor>& sources) {
    auto key = versionKey(w, sources);
    constexpr int64_t kPack = kernels::kBf16Pack;
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
    return fastLinearBf16(x, w, b, cache, sources, activeKernels());
}

torch::Tensor fastLinearBf16(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Bf16Weight& cache,
                             const std::vector<torch::Tensor>& sources, const kernels::LinearKernels& k) {
    if (!kernelOperands(x, w, b)) return fastLinear(x, w, b, k);
    const int64_t in = w.size(1), out = w.size(0);
    const int64_t rows = x.numel() / in;
    if (!bf16KernelUsed(rows, in, k)) return fastLinear(x, w, b, k);
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
    const int64_t blocks = (out + kernels::kBf16Pack - 1) / kernels::kBf16Pack;
    forChunksOnDemand((blocks + kChunkBlocks - 1) / kChunkBlocks, [&](int64_t c) {
        const int64_t b0 = c * kChunkBlocks, b1 = std::min(blocks, b0 + kChunkBlocks);
        k.bf16(xt.data(), wp, bp, yp, pairs, out, mv, b0, b1);
    });
    return fromTransposed(yt, x, rows);
}

// ---------------------------------------------------------------------------------------------
// int8 variant (see kernels/gemm_s8.cpp): per-output-channel weight scales, activations quantized
// per row when the layer runs.

namespace {
// acc = the int8 products of every block, on LibTorch's threads in chunks of contiguous blocks: about
// 4 chunks per thread (some balance on a busy machine), each long enough that the kernel's prefetch of
// the next block covers all but the chunk's first.
void runS8Chunks(const kernels::S8Weight& q, const uint8_t* xu, int64_t rows, int32_t* acc,
                 const kernels::LinearKernels& k) {
    const int64_t ldc = q.blocks * kernels::kS8Block;
    const int64_t per = std::max<int64_t>(2, q.blocks / (4 * std::max<int64_t>(1, at::get_num_threads())));
    forChunksOnDemand((q.blocks + per - 1) / per, [&](int64_t c) {
        const int64_t b0 = c * per, b1 = std::min(q.blocks, b0 + per);
        k.s8(xu, rows, q.data.data(), q.groups, b0, b1, acc, ldc);
    });
}
}  // namespace

bool int8Product(const kernels::S8Weight& q, const float* x, int64_t rows, const float* bias, const float* residual,
                 float* y, const kernels::LinearKernels& k, Int8Buffers& buf) {
    const int64_t ld = 4 * q.groups, ldc = q.blocks * kernels::kS8Block;
    buf.xu.resize(static_cast<size_t>(rows * ld));
    buf.xs.resize(static_cast<size_t>(rows));
    if (!kernels::quantizeRowsU8(x, rows, q.in, buf.xu.data(), buf.xs.data(), k.level)) return false;
    buf.acc.resize(static_cast<size_t>(rows * ldc));
    runS8Chunks(q, buf.xu.data(), rows, buf.acc.data(), k);
    kernels::dequantizeS8Rows(buf.acc.data(), ldc, rows, q, buf.xs.data(), bias, residual, y, k.level);
    return true;
}

bool int8KernelUsed(int64_t rows, int64_t in) {
    return rows > 0 && rows <= kMaxKernelRows && in > 0 && in <= kMaxInt8In && kernelEnabled();
}

std::shared_ptr<const kernels::S8Weight> Int8Weight::of(const torch::Tensor& w, const std::vector<torch::Tensor>& sources) {
    auto key = versionKey(w, sources);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!packed_ || key != key_ || packed_->out != w.size(0) || packed_->in != w.size(1)) {
        c10::InferenceMode guard;
        const at::Tensor wc = w.detach().contiguous();
        auto q = std::make_shared<kernels::S8Weight>();
        kernels::quantizeWeightS8(wc.data_ptr<float>(), wc.size(0), wc.size(1), *q);
        packed_ = std::move(q);
        key_ = std::move(key);
    }
    return packed_;
}

void Int8Weight::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    packed_.reset();
    key_.clear();
}

torch::Tensor fastLinearInt8(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Int8Weight& cache,
                             const std::vector<torch::Tensor>& sources, const kernels::LinearKernels& k) {
    if (!kernelOperands(x, w, b)) return fastLinear(x, w, b, k);
    const int64_t in = w.size(1), out = w.size(0);
    const int64_t rows = x.numel() / in;
    if (!int8KernelUsed(rows, in)) return fastLinear(x, w, b, k);
    const auto packed = cache.of(w, sources);
    if (!packed->finite) return fastLinear(x, w, b, k);  // no scale represents inf or NaN weights
    const at::Tensor xc = x.reshape({rows, in}).contiguous();
    at::Tensor y = at::empty({rows, out}, x.options());
    Int8Buffers buf;
    if (!int8Product(*packed, xc.data_ptr<float>(), rows, b.defined() ? b.data_ptr<float>() : nullptr, nullptr,
                     y.data_ptr<float>(), k, buf))
        return fastLinear(x, w, b, k);
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = out;
    return y.view(shape);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Modules (names follow modeling_bert.py)

namespace {

constexpr double kInitStd = 0.02;  // Hugging Face's initializer_range default

// How a forward pass computes: differentiable ops (grad mode), or inference with the small-batch
// kernels reading float32 or bfloat16 weights.
enum class Mode { Autograd, Fast, FastBf16, FastInt8 };
// The mode and the kernel table the model chose when it was built.
struct Path {
    Mode mode;
    const kernels::LinearKernels* kernels;
    bool operator==(Mode m) const { return mode == m; }
    bool operator!=(Mode m) const { return mode != m; }
};

// Training on a batch's real tokens alone: the layers' token-wise steps (linear layers, layer
// norm, activation, dropout) run on [tokens, hidden] rows with the padding left out, and attention
// puts keys and values back into [batch, seq, hidden] (zeros where padding was). The result is the
// padded computation's: a padding key's additive mask of -10000 gives it a weight of exactly 0 next
// to the first token's 0, and a padding token's own output is never read (the [CLS] state is).
// Dropout draws the padded computation's masks (keyed ones at the padded shape, then packed), and
// every dropout site is counted as there, so the masks of the sites after these do not move.
struct Packing {
    at::Tensor rows;    // [tokens] flat positions (b·seq + t) of the kept tokens, ascending
    at::Tensor firsts;  // [batch] the row of each sequence's first token
    int64_t batch = 0, seq = 0;
    // [tokens, width] -> [batch, seq, width], zeros at the padding.
    at::Tensor unpack(const at::Tensor& t) const {
        return at::zeros({batch * seq, t.size(-1)}, t.options()).index_copy(0, rows, t).view({batch, seq, t.size(-1)});
    }
    // [batch, seq, width] -> [tokens, width]
    at::Tensor pack(const at::Tensor& t) const { return t.reshape({batch * seq, t.size(-1)}).index_select(0, rows); }
    // lowclip::nn::dropout of packed rows x [tokens, width] as of the padded [batch, seq, width].
    at::Tensor dropout(const at::Tensor& x, double p, bool training) const {
        if (!training || p == 0.0 || !keyedRandomActive()) return lowclip::nn::dropout(x, p, training);
        return x * pack(keyedDropoutMask({batch, seq, x.size(-1)}, x.options(), p));
    }
};

std::atomic<bool>& packedTextTraining() {
    static std::atomic<bool> on{[] {
        const char* v = std::getenv("LOWCLIP_PACKED_TEXT");
        return !(v && std::string(v) == "0");
    }()};
    return on;
}

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
    mutable detail::Bf16Weight bf16;  // the bfloat16 copy of `weight` for Mode::FastBf16
    mutable detail::Int8Weight int8;  // the int8 copy of `weight` for Mode::FastInt8
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
    switch (path.mode) {
        case Mode::Fast: return detail::fastLinear(x, l->weight, l->bias, *path.kernels);
        case Mode::FastBf16: return detail::fastLinearBf16(x, l->weight, l->bias, l->bf16, {}, *path.kernels);
        case Mode::FastInt8: return detail::fastLinearInt8(x, l->weight, l->bias, l->int8, {}, *path.kernels);
        case Mode::Autograd: break;
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

    at::Tensor forward(const at::Tensor& ids, const at::Tensor& types, bool dropout, const Packing* packed = nullptr) {
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
        if (packed) x = packed->pack(x);
        x = at::layer_norm(x, {config_.hiddenSize}, LayerNorm->weight, LayerNorm->bias, config_.layerNormEps);
        if (packed) return packed->dropout(x, config_.hiddenDropout, dropout);
        return dropout ? lowclip::nn::dropout(x, config_.hiddenDropout, true) : x;
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

    // [batch, seq, hidden] -> context [batch, seq, hidden], or [batch, 1, hidden] for the first token's
    // query alone (firstOnly: keys and values still come from every token). `mask` is the additive
    // [batch, 1, 1, seq] mask or undefined.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout, bool firstOnly = false,
                       const Packing* packed = nullptr) {
        if (packed) return forwardPacked(x, mask, *packed, dropout, firstOnly);
        const int64_t batch = x.size(0), seq = x.size(1), heads = config_.numHeads, hs = config_.headSize();
        const int64_t queries = firstOnly ? 1 : seq;
        at::Tensor q, k, v;
        if (path != Mode::Autograd) {
            at::Tensor qkv;
            if (at::Tensor w = fusedWeight(), b = fusedBias(); w.defined() && b.defined()) {
                const std::vector<at::Tensor> sources{query->weight, key->weight, value->weight};
                qkv = path == Mode::FastBf16   ? detail::fastLinearBf16(x, w, b, fusedBf16, sources, *path.kernels)
                      : path == Mode::FastInt8 ? detail::fastLinearInt8(x, w, b, fusedInt8, sources, *path.kernels)
                                               : detail::fastLinear(x, w, b, *path.kernels);
            } else {
                qkv = at::cat({applyDense(query, x, path), applyDense(key, x, path), applyDense(value, x, path)}, -1);
            }
            // [b, s, 3, heads, hs] -> [3, b, heads, s, hs]
            at::Tensor parts = qkv.view({batch, seq, 3, heads, hs}).permute({2, 0, 3, 1, 4});
            q = parts.select(0, 0);
            if (firstOnly) q = q.narrow(2, 0, 1);
            k = parts.select(0, 1);
            v = parts.select(0, 2);
        } else {
            // Query, key, value in this order (their gradients into x add up in the order they were made).
            const at::Tensor ql = at::linear(firstOnly ? x.narrow(1, 0, 1) : x, query->weight, query->bias);
            const at::Tensor kl = at::linear(x, key->weight, key->bias), vl = at::linear(x, value->weight, value->bias);
            return attendTraining(ql, kl, vl, mask, dropout);
        }
        // The inference path: in place.
        at::Tensor scores = at::matmul(q, k.transpose(-1, -2));
        scores.mul_(1.0 / std::sqrt(static_cast<double>(hs)));
        if (mask.defined()) scores.add_(mask);
        at::Tensor probs = at::softmax(scores, -1);
        if (dropout) probs = lowclip::nn::dropout(probs, config_.attentionDropout, true);
        at::Tensor context = at::matmul(probs, v);  // [b, heads, s, hs]
        return context.permute({0, 2, 1, 3}).reshape({batch, queries, config_.hiddenSize});
    }

    // Training on packed rows x [tokens, hidden] (see Packing): context [tokens, hidden], or [batch,
    // hidden] for the first tokens' queries alone. Attention itself runs padded, dropout included.
    at::Tensor forwardPacked(const at::Tensor& x, const at::Tensor& mask, const Packing& p, bool dropout, bool firstOnly) {
        const at::Tensor ql = at::linear(firstOnly ? x.index_select(0, p.firsts) : x, query->weight, query->bias);
        const at::Tensor q = firstOnly ? ql.view({p.batch, 1, config_.hiddenSize}) : p.unpack(ql);
        const at::Tensor k = p.unpack(at::linear(x, key->weight, key->bias));
        const at::Tensor v = p.unpack(at::linear(x, value->weight, value->bias));
        const at::Tensor context = attendTraining(q, k, v, mask, dropout);
        return firstOnly ? context.reshape({p.batch, config_.hiddenSize}) : p.pack(context);
    }

    // Differentiable attention: q [batch, queries, hidden], k and v [batch, seq, hidden] (heads side
    // by side, as the linear layers give them) -> context [batch, queries, hidden]. The training
    // kernel where it runs, else the same function from tensor operations.
    at::Tensor attendTraining(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                              bool dropout) {
        const int64_t batch = q.size(0), queries = q.size(1), seq = k.size(1), heads = config_.numHeads,
                      hs = config_.headSize();
        const double scale = 1.0 / std::sqrt(static_cast<double>(hs));
        if (trainAttentionUsable(q, seq)) {
            const at::Tensor drop =
                dropout ? dropoutMultipliers({batch, heads, queries, seq}, q.options(), config_.attentionDropout) : at::Tensor();
            return trainAttention(q, k, v, mask.defined() ? mask.view({batch, seq}) : mask, drop, heads, scale);
        }
        auto split = [&](const at::Tensor& t) { return t.view({batch, t.size(1), heads, hs}).permute({0, 2, 1, 3}); };
        at::Tensor scores = at::matmul(split(q), split(k).transpose(-1, -2)) * scale;
        if (mask.defined()) scores = scores + mask;
        at::Tensor probs = at::softmax(scores, -1);
        if (dropout) probs = lowclip::nn::dropout(probs, config_.attentionDropout, true);
        return at::matmul(probs, split(v)).permute({0, 2, 1, 3}).reshape({batch, queries, config_.hiddenSize});
    }

    Dense query{nullptr}, key{nullptr}, value{nullptr};
    detail::Bf16Weight fusedBf16;  // bfloat16 copy of the fused [3h, h] weight
    detail::Int8Weight fusedInt8;  // int8 copy of the fused [3h, h] weight

    // The [3h, h] weight spanning query, key and value when they still sit side by side in one
    // buffer (as built; loading copies in place), else undefined (e.g. after Module::to()).
    at::Tensor fusedWeight() const { return adjacent(query->weight, key->weight, value->weight); }
    at::Tensor fusedBias() const { return adjacent(query->bias, key->bias, value->bias); }

private:
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

    // packed: h holds the packed rows [tokens, width] of the padded [batch, seq, width] (see
    // Packing); undefined for padded input and for one row per sequence.
    at::Tensor forward(const at::Tensor& h, const at::Tensor& residual, Path path, bool dropout,
                       const Packing* packed = nullptr) {
        at::Tensor y = applyDense(dense, h, path);
        if (packed) y = packed->dropout(y, config_.hiddenDropout, dropout);
        else if (dropout) y = lowclip::nn::dropout(y, config_.hiddenDropout, true);
        if (path != Mode::Autograd) {
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
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout, bool firstOnly = false,
                       const Packing* packed = nullptr) {
        const at::Tensor residual = !firstOnly ? x : packed ? x.index_select(0, packed->firsts) : x.narrow(1, 0, 1);
        return output->forward(self->forward(x, mask, path, dropout, firstOnly, packed), residual, path, dropout,
                               firstOnly ? nullptr : packed);
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
    const std::string& act() const { return act_; }
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
    // firstOnly: the first token's output alone, [batch, 1, hidden] (what [CLS] pooling reads of the
    // last layer; every other row's attention output and feed-forward are skipped).
    // packed: x is [tokens, hidden] (see Packing), and so is the result ([batch, hidden] with firstOnly).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, Path path, bool dropout, bool firstOnly = false,
                       const Packing* packed = nullptr) {
        at::Tensor a = attention->forward(x, mask, path, dropout, firstOnly, packed);
        return output->forward(intermediate->forward(a, path), a, path, dropout, firstOnly ? nullptr : packed);
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
// The encoder layers for a few rows (a typed query) at int8: every layer on raw buffers, with the
// int8 linear kernels and the row-wise steps of kernels/rows.h, and no tensor operation between them
// but the activation. Same arithmetic as the module path at Mode::FastInt8 except for the order of
// float32 sums in layer norm and attention.

namespace {

// y [rows, out] = x·wᵀ + b (+ residual [rows, out], which may be y) from w's int8 copy; where w or x
// holds inf or NaN, with at::linear in float32 (as fastLinearInt8).
void denseRows(const at::Tensor& w, const at::Tensor& b, detail::Int8Weight& cache, const std::vector<at::Tensor>& sources,
               const float* x, int64_t rows, const float* residual, float* y, const kernels::LinearKernels& k,
               detail::Int8Buffers& buf) {
    const int64_t out = w.size(0), in = w.size(1);
    const auto q = cache.of(w, sources);
    const at::Tensor bc = b.defined() ? b.contiguous() : b;
    if (q->finite && detail::int8Product(*q, x, rows, bc.defined() ? bc.data_ptr<float>() : nullptr, residual, y, k, buf))
        return;
    const at::Tensor xt = at::from_blob(const_cast<float*>(x), {rows, in}, at::TensorOptions().dtype(at::kFloat));
    at::Tensor r = at::linear(xt, w, b);
    if (residual) r.add_(at::from_blob(const_cast<float*>(residual), {rows, out}, at::TensorOptions().dtype(at::kFloat)));
    std::copy(r.data_ptr<float>(), r.data_ptr<float>() + rows * out, y);
}

// Whether encodeRowsInt8 runs `rows` rows of a model of config c with these activations.
bool rowsPathUsable(const BertConfig& c, int64_t rows, const at::Tensor& sample) {
    return detail::int8RowsPathUsed(c, rows) && sample.device().is_cpu() && sample.scalar_type() == at::kFloat;
}

}  // namespace

bool detail::int8RowsPathUsed(const BertConfig& c, int64_t rows) {
    return int8KernelUsed(rows, c.hiddenSize) && int8KernelUsed(rows, c.intermediateSize) &&
           c.hiddenSize == c.numHeads * c.headSize();
}

// x [batch, seq, hidden] (the embeddings' output) through every layer; mask the additive
// [batch, 1, 1, seq] mask or undefined.
at::Tensor encodeRowsInt8(const std::vector<std::shared_ptr<BertLayerImpl>>& layers, const BertConfig& c,
                          const at::Tensor& x0, const at::Tensor& mask, const kernels::LinearKernels& k) {
    const int64_t batch = x0.size(0), seq = x0.size(1), rows = batch * seq, h = c.hiddenSize;
    const int64_t heads = c.numHeads, hs = c.headSize(), inter = c.intermediateSize;
    const kernels::Isa level = k.level;
    at::Tensor x = x0.clone(at::MemoryFormat::Contiguous);
    float* xp = x.data_ptr<float>();
    const at::Tensor maskc = mask.defined() ? mask.to(at::kFloat).contiguous() : at::Tensor();
    const float* mp = maskc.defined() ? maskc.data_ptr<float>() : nullptr;
    std::vector<float> qkv(static_cast<size_t>(rows * 3 * h)), ctx(static_cast<size_t>(rows * h)),
        a(static_cast<size_t>(rows * h)), mid(static_cast<size_t>(rows * inter)), part;
    detail::Int8Buffers buf;
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hs)));
    const float eps = static_cast<float>(c.layerNormEps);
    auto norm = [&](float* p, const NormImpl& n) {
        const at::Tensor g = n.weight.contiguous(), be = n.bias.contiguous();
        kernels::layerNormRows(p, rows, h, g.data_ptr<float>(), be.data_ptr<float>(), eps, level);
    };
    for (const auto& layer : layers) {
        auto& self = *layer->attention->self;
        if (at::Tensor w = self.fusedWeight(), b = self.fusedBias(); w.defined() && b.defined()) {
            denseRows(w, b, self.fusedInt8, {self.query->weight, self.key->weight, self.value->weight}, xp, rows, nullptr,
                      qkv.data(), k, buf);
        } else {
            part.resize(static_cast<size_t>(rows * h));
            int64_t offset = 0;
            for (const Dense* d : {&self.query, &self.key, &self.value}) {
                denseRows((*d)->weight, (*d)->bias, (*d)->int8, {}, xp, rows, nullptr, part.data(), k, buf);
                for (int64_t r = 0; r < rows; ++r)
                    std::copy(part.begin() + r * h, part.begin() + (r + 1) * h, qkv.begin() + r * 3 * h + offset);
                offset += h;
            }
        }
        kernels::attentionRows(qkv.data(), batch, seq, heads, hs, scale, mp, ctx.data(), level);
        auto& ao = *layer->attention->output;
        denseRows(ao.dense->weight, ao.dense->bias, ao.dense->int8, {}, ctx.data(), rows, xp, a.data(), k, buf);
        norm(a.data(), *ao.LayerNorm);
        auto& im = *layer->intermediate;
        denseRows(im.dense->weight, im.dense->bias, im.dense->int8, {}, a.data(), rows, nullptr, mid.data(), k, buf);
        const at::Tensor act =
            activation(at::from_blob(mid.data(), {rows, inter}, at::TensorOptions().dtype(at::kFloat)), im.act())
                .contiguous();
        auto& out = *layer->output;
        denseRows(out.dense->weight, out.dense->bias, out.dense->int8, {}, act.data_ptr<float>(), rows, a.data(), xp, k,
                  buf);
        norm(xp, *out.LayerNorm);
    }
    return x;
}

// ---------------------------------------------------------------------------------------------
// BertModel

BertModelImpl::BertModelImpl(const BertConfig& config, BertInit init)
    : config_(config), kernels_(&detail::activeKernels()) {
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
    // Copies are made on first use; the other precision's are freed.
    for (const auto& m : modules(/*include_self=*/false)) {
        if (auto* d = m->as<DenseImpl>()) {
            if (precision != BertPrecision::BFloat16) d->bf16.clear();
            if (precision != BertPrecision::Int8) d->int8.clear();
        }
        if (auto* a = m->as<BertSelfAttentionImpl>()) {
            if (precision != BertPrecision::BFloat16) a->fusedBf16.clear();
            if (precision != BertPrecision::Int8) a->fusedInt8.clear();
        }
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

torch::Tensor BertModelImpl::firstTokenState(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                             const torch::Tensor& tokenTypeIds) {
    return run(inputIds, attentionMask, tokenTypeIds, is_training(), nullptr, /*firstOnly=*/true).lastHiddenState.select(1, 0);
}

std::vector<torch::Tensor> BertModelImpl::hiddenStates(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                                      const torch::Tensor& tokenTypeIds) {
    std::vector<torch::Tensor> states;
    run(inputIds, attentionMask, tokenTypeIds, is_training(), &states);
    return states;
}

BertOutput BertModelImpl::run(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                              const torch::Tensor& tokenTypeIds, bool dropout, std::vector<torch::Tensor>* states,
                              bool firstOnly) {
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
    const Mode mode = at::GradMode::is_enabled()                  ? Mode::Autograd
                      : precision_ == BertPrecision::BFloat16 ? Mode::FastBf16
                      : precision_ == BertPrecision::Int8     ? Mode::FastInt8
                                                              : Mode::Fast;
    const Path path{mode, kernels_};
    // Training the [CLS] state: on the real tokens alone when padding is at least a tenth of the
    // batch (see Packing). Every sequence's first token must be a real one.
    std::optional<Packing> packing;
    if (mode == Mode::Autograd && firstOnly && !states && mask.defined() && !layers_.empty() && packedTextTraining()) {
        const at::Tensor keep = attentionMask.ne(0).to(at::kCPU).contiguous();  // [batch, seq]
        const at::Tensor counts = keep.sum(1);
        if (10 * counts.sum().item<int64_t>() <= 9 * batch * seq && attentionMask.select(1, 0).eq(1).all().item<bool>()) {
            Packing p;
            p.batch = batch;
            p.seq = seq;
            p.rows = keep.view({-1}).nonzero().view({-1}).to(wordWeight.device());
            p.firsts = counts.cumsum(0).sub_(counts).to(wordWeight.device());
            packing = std::move(p);
        }
    }
    const Packing* packed = packing ? &*packing : nullptr;
    at::Tensor x = embeddings_->forward(ids.to(wordWeight.device()),
                                        types.defined() ? types.to(wordWeight.device()) : types, dropout, packed);
    if (states) states->push_back(x);
    if (packed) {
        for (size_t i = 0; i < layers_.size(); ++i) x = layers_[i]->forward(x, mask, path, dropout, i + 1 == layers_.size(), packed);
        x = x.view({batch, 1, config_.hiddenSize});
    } else if (mode == Mode::FastInt8 && !states && rowsPathUsable(config_, batch * seq, x)) {
        x = encodeRowsInt8(layers_, config_, x, mask, *kernels_);
    } else {
        for (size_t i = 0; i < layers_.size(); ++i) {
            x = layers_[i]->forward(x, mask, path, dropout, firstOnly && i + 1 == layers_.size());
            if (states) states->push_back(x);
        }
    }
    BertOutput out;
    out.pooled = pooler_->forward(x, path);
    out.lastHiddenState = x;
    return out;
}

bool setPackedTextTraining(bool on) { return packedTextTraining().exchange(on); }

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
