#pragma once
// BERT text encoder (Hugging Face BertModel semantics and weight names).
//
// The module tree *is* Hugging Face's name tree: embeddings.{word_embeddings, position_embeddings,
// token_type_embeddings, LayerNorm}, encoder.layer.{i}.attention.self.{query,key,value},
// encoder.layer.{i}.attention.output.{dense,LayerNorm}, encoder.layer.{i}.intermediate.dense,
// encoder.layer.{i}.output.{dense,LayerNorm}, pooler.dense — so stateDict(model) has exactly a
// Hugging Face checkpoint's keys (without the "bert." prefix, heads and position_ids buffers).
//
// Semantics (as modeling_bert.py): embeddings = word + position(arange) + token type, LayerNorm;
// post-LN blocks; attention scores QKᵀ/sqrt(head) + (1 - mask)·(-10000); GELU in its exact erf form
// for hidden_act "gelu"; pooler = tanh(dense(hidden[:, 0])).
//
// Speed: forward() without autograd (eval mode and torch::NoGradGuard / c10::InferenceMode, or use
// infer()) takes a path that runs query/key/value as one matrix product and computes the linear
// layers of small batches with the kernels of core/nn/kernels (AVX2 or AVX-512, chosen at run time;
// the table is picked once, when the model is built, from kernels::activeIsa()).
// Training (or any forward under grad mode) uses plain differentiable ops.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/io/formats/safetensors.h"
#include "core/nn/kernels/linear.h"

namespace lowclip::nn {

struct BertConfig {
    int64_t vocabSize = 119547, hiddenSize = 768, numLayers = 12, numHeads = 12, intermediateSize = 3072,
            maxPositions = 512, typeVocabSize = 2;
    double layerNormEps = 1e-12, hiddenDropout = 0.1, attentionDropout = 0.1;
    std::string hiddenAct = "gelu";  // "gelu" (erf), "gelu_new"/"gelu_pytorch_tanh" (tanh form), "relu", "silu"

    // Hugging Face config.json field names (vocab_size, hidden_size, num_hidden_layers, ...). Fields
    // that are absent take Hugging Face's defaults except the five that fix the shape (vocab_size,
    // hidden_size, num_hidden_layers, num_attention_heads, intermediate_size), which are required.
    // Throws lowclip::Error naming the field for a missing, mistyped or impossible value.
    // Sizes are range-checked (exact integers); errors are lowclip::Error InvalidFile naming `file`
    // and the key path under `where`. Keys that Hugging Face writes beside these are ignored.
    static BertConfig fromJson(const nlohmann::json& json, const std::string& file = "", const std::string& where = "");
    static BertConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;  // Hugging Face field names, readable by fromJson and by transformers
    static BertConfig mbertBase();  // bert-base-multilingual-cased: 119547 / 768 / 12 layers / 12 heads / 3072

    int64_t headSize() const { return hiddenSize / numHeads; }
    void validate() const;  // throws lowclip::Error for an impossible configuration
};

struct BertOutput {
    torch::Tensor lastHiddenState;  // [batch, seq, hidden]
    torch::Tensor pooled;           // [batch, hidden] = tanh(pooler.dense(lastHiddenState[:, 0]))
};

// Random: Hugging Face's initialisation (normal(0, 0.02) matrices, zero biases, unit LayerNorms).
// Empty: the big matrices are allocated but not set (undefined values) — for a checkpoint that is
// copied in next (loadBertWeights), which saves seconds on an mBERT-sized model.
enum class BertInit { Random, Empty };

// The precision of the weights the inference path reads for small batches (a typed query). Float32
// is exact (the parity tests' mode). BFloat16 keeps a bfloat16 copy of every encoder and pooler matrix
// (half the bytes) and multiplies it with bfloat16-rounded activations, accumulating in float32,
// with AVX-512 BF16 instructions; about 3 significant digits per product, so embeddings differ from
// float32 by a few 1e-3 relative. It applies only where the CPU has AVX-512 BF16 (else float32 runs).
// Int8 keeps an int8 copy of every encoder and pooler matrix (per-output-channel scales, 7-bit
// weights) and quantizes each layer's input per row to 8 bits when it runs; the products are
// summed exactly in int32 (AVX2 vpmaddubsw/vpmaddwd, VNNI vpdpbusd, or scalar code) and scaled back
// to float32. On the paper-sized model query vectors stay within cosine 0.99 of float32 (bench_bert
// prints the figure; tests assert it on a small model).
enum class BertPrecision { Float32, BFloat16, Int8 };

// "float32", "bfloat16", "int8" (throws lowclip::Error for anything else) and back.
BertPrecision parseBertPrecision(const std::string& text);
const char* bertPrecisionName(BertPrecision precision);
// The fastest precision on this CPU (at the active dispatch level) that keeps queries within the
// bounds stated above: Int8 where an int8 SIMD kernel runs (AVX2 and up), else Float32.
BertPrecision fastestBertPrecision();

class BertEmbeddingsImpl;
class BertLayerImpl;
class BertPoolerImpl;

class BertModelImpl : public torch::nn::Module {
public:
    explicit BertModelImpl(const BertConfig& config, BertInit init = BertInit::Random);

    // inputIds [batch, seq] int64; attentionMask [batch, seq] (1 = token, 0 = padding; any dtype),
    // undefined = all ones; tokenTypeIds [batch, seq] int64, undefined = all zeros.
    // Dropout is active in train mode. Throws lowclip::Error for bad shapes, ids outside the
    // vocabulary and sequences longer than maxPositions.
    BertOutput forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                       const torch::Tensor& tokenTypeIds = {});

    // forward() for inference: under c10::InferenceMode and without dropout whatever the module's mode.
    // The results are inference tensors (not usable in autograd; clone() them to keep them around
    // for that).
    BertOutput infer(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                     const torch::Tensor& tokenTypeIds = {});

    // lastHiddenState[:, 0] of forward() ([batch, hidden], what [CLS] pooling reads), with the last
    // layer computed for the first token only: its attention still reads every token's key and value,
    // but the other rows' attention outputs and feed-forward products are skipped (for mBERT-base at
    // 32 tokens, 6.7 % of the encoder's products, in training and inference alike). Same modes as
    // forward().
    torch::Tensor firstTokenState(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                                  const torch::Tensor& tokenTypeIds = {});

    // Hugging Face's output_hidden_states: the embedding output, then each encoder layer's output
    // (numLayers + 1 tensors [batch, seq, hidden]; the last one is lastHiddenState). Same modes as forward().
    std::vector<torch::Tensor> hiddenStates(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                                            const torch::Tensor& tokenTypeIds = {});

    const BertConfig& config() const { return config_; }
    int64_t numLayers() const { return config_.numLayers; }

    // See BertPrecision. The bfloat16 / int8 copies are made on first use and remade when a weight changes
    // (training steps and loading are noticed); another precision frees them. Training is always float32.
    void setInferencePrecision(BertPrecision precision);
    BertPrecision inferencePrecision() const { return precision_; }
    // The kernel table this model runs (kernels::linearKernels of the level active when it was built).
    const kernels::LinearKernels& kernels() const { return *kernels_; }

private:
    BertOutput run(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                   const torch::Tensor& tokenTypeIds, bool dropout, std::vector<torch::Tensor>* states = nullptr,
                   bool firstOnly = false);

    BertConfig config_;
    BertPrecision precision_ = BertPrecision::Float32;
    const kernels::LinearKernels* kernels_;  // chosen at construction
    std::shared_ptr<BertEmbeddingsImpl> embeddings_;
    std::vector<std::shared_ptr<BertLayerImpl>> layers_;
    std::shared_ptr<BertPoolerImpl> pooler_;
};
TORCH_MODULE(BertModel);

// Whether training passes of the [CLS] state (firstTokenState with gradients) run the token-wise
// steps on the batch's real tokens alone, leaving the padding out (same result; see bert.cpp's
// Packing). On unless LOWCLIP_PACKED_TEXT=0; returns the previous setting (tests, benchmarks).
bool setPackedTextTraining(bool on);

// Copies a BERT checkpoint into `model`. Accepts bare Hugging Face names or a "bert." prefix
// (BertForPreTraining & co.), old "LayerNorm.gamma/beta" names, and ignores pre-training heads
// (cls.*) and position_ids buffers. Anything missing or mis-shaped throws lowclip::Error naming it.
void loadBertWeights(BertModel& model, const io::TensorMap& weights);

// A Hugging Face folder: config.json plus model.safetensors (preferred) or pytorch_model.bin.
// The tokenizer files are not read. The model is returned in eval mode, on the CPU.
BertModel loadBertFolder(const std::string& folder);

// Which parameters have requires_grad (everything else is frozen):
//   None           nothing
//   AttentionOnly  encoder.layer.*.attention.* (query/key/value and the attention output dense + LayerNorm)
//   LastLayers     the last `lastLayers` encoder layers and the pooler (0 <= lastLayers <= numLayers)
//   All            everything
enum class BertTrainable { None, AttentionOnly, LastLayers, All };
void setBertTrainable(BertModel& model, BertTrainable mode, int lastLayers = 0);

namespace detail {
// The kernel table of the active dispatch level (kernels::activeIsa()).
const kernels::LinearKernels& activeKernels();

// y = x·wᵀ + b for a float32 CPU x [..., in] and w [out, in] (b may be undefined): the kernel the
// inference path uses for small batches (AVX-512 or AVX2 float32), at::linear otherwise.
// Exposed for tests and benchmarks. Without a table, activeKernels().
torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                         const kernels::LinearKernels& k);
// Whether fastLinear uses its own kernel on this machine for `rows` input rows.
bool fastLinearKernelUsed(int64_t rows);
bool fastLinearKernelUsed(int64_t rows, const kernels::LinearKernels& k);
// Switches the own kernel off (at::linear everywhere) or back on; the default is on unless the
// environment has LOWCLIP_BERT_KERNEL=0. For benchmarks and for ruling the kernel out.
void setFastLinearEnabled(bool enabled);

// Whether this build and CPU run the bfloat16 kernel (AVX-512 BF16) and it is not switched off.
bool bf16KernelAvailable();

// A bfloat16 copy of a float32 weight, remade when any of its source tensors changed (another
// storage, or an in-place update: the tensors' version counters; inference tensors have none, so for
// them only a new storage is noticed). Thread-safe.
class Bf16Weight {
public:
    // The bfloat16 copy of `w` [out, in] (even `in`), packed for the kernel as [ceil(out/8), in/2, 8, 2]:
    // element [b, p, j, i] = w[8b + j, 2p + i], zero for rows past `out`. `sources` are the tensors `w`
    // is made of (w itself when empty), checked for changes.
    torch::Tensor of(const torch::Tensor& w, const std::vector<torch::Tensor>& sources = {});
    void clear();

private:
    std::mutex mutex_;
    torch::Tensor copy_;
    std::vector<std::pair<const void*, int64_t>> key_;
};

// y = x·wᵀ + b like fastLinear, computed from the bfloat16 copy of w in `cache` and x rounded to
// bfloat16 (float32 sums) when the bf16 kernel is available and the shape suits it (rows <= 64,
// even `in`); otherwise exactly fastLinear(x, w, b).
torch::Tensor fastLinearBf16(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Bf16Weight& cache,
                             const std::vector<torch::Tensor>& sources = {});
torch::Tensor fastLinearBf16(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Bf16Weight& cache,
                             const std::vector<torch::Tensor>& sources, const kernels::LinearKernels& k);
// Whether fastLinearBf16 uses the bfloat16 kernel for `rows` input rows and `in` input features.
bool bf16KernelUsed(int64_t rows, int64_t in);
bool bf16KernelUsed(int64_t rows, int64_t in, const kernels::LinearKernels& k);

// An int8 copy of a float32 weight (kernels::S8Weight), remade like Bf16Weight's. Thread-safe.
class Int8Weight {
public:
    std::shared_ptr<const kernels::S8Weight> of(const torch::Tensor& w, const std::vector<torch::Tensor>& sources = {});
    void clear();

private:
    std::mutex mutex_;
    std::shared_ptr<const kernels::S8Weight> packed_;
    std::vector<std::pair<const void*, int64_t>> key_;
};

// y = x·wᵀ + b from the int8 copy of w and x quantized per row (int32 sums, k.s8), for rows <= 64;
// otherwise, or when w or x holds inf or NaN, exactly fastLinear(x, w, b, k).
torch::Tensor fastLinearInt8(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, Int8Weight& cache,
                             const std::vector<torch::Tensor>& sources, const kernels::LinearKernels& k);
// Scratch of int8Product (kept between calls to reuse its memory).
struct Int8Buffers {
    std::vector<uint8_t> xu;
    std::vector<float> xs;
    std::vector<int32_t> acc;
};
// y [rows, q.out] = x·wᵀ + bias (+ residual, which may be y; bias and residual may be null) from the
// int8 copy q of w, x [rows, q.in] quantized per row; false (y unspecified) when x holds inf or NaN.
bool int8Product(const kernels::S8Weight& q, const float* x, int64_t rows, const float* bias, const float* residual,
                 float* y, const kernels::LinearKernels& k, Int8Buffers& buf);
// Whether fastLinearInt8 uses the int8 kernels for `rows` input rows and `in` input features.
bool int8KernelUsed(int64_t rows, int64_t in);
// Whether an int8 inference of `rows` tokens (batch·seq) of a model of config c runs each encoder layer
// whole on raw buffers (int8 linears and the steps of kernels/rows.h), else module by module.
bool int8RowsPathUsed(const BertConfig& c, int64_t rows);
}  // namespace detail

}  // namespace lowclip::nn
