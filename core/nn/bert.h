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
// infer()) takes a path that runs query/key/value as one matrix product and, on CPUs with AVX-512,
// computes the linear layers of small batches with a kernel that streams each weight matrix once.
// Training (or any forward under grad mode) uses plain differentiable ops.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/io/formats/safetensors.h"

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
    static BertConfig fromJson(const nlohmann::json& json);
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

    // Hugging Face's output_hidden_states: the embedding output, then each encoder layer's output
    // (numLayers + 1 tensors [batch, seq, hidden]; the last one is lastHiddenState). Same modes as forward().
    std::vector<torch::Tensor> hiddenStates(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                                            const torch::Tensor& tokenTypeIds = {});

    const BertConfig& config() const { return config_; }
    int64_t numLayers() const { return config_.numLayers; }

private:
    BertOutput run(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                   const torch::Tensor& tokenTypeIds, bool dropout, std::vector<torch::Tensor>* states = nullptr);

    BertConfig config_;
    std::shared_ptr<BertEmbeddingsImpl> embeddings_;
    std::vector<std::shared_ptr<BertLayerImpl>> layers_;
    std::shared_ptr<BertPoolerImpl> pooler_;
};
TORCH_MODULE(BertModel);

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
// y = x·wᵀ + b for a float32 CPU x [..., in] and w [out, in] (b may be undefined): the kernel the
// inference path uses for small batches (AVX-512 when the CPU has it), at::linear otherwise.
// Exposed for tests and benchmarks.
torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
// Whether fastLinear uses its own kernel on this machine for `rows` input rows.
bool fastLinearKernelUsed(int64_t rows);
// Switches the own kernel off (at::linear everywhere) or back on; the default is on unless the
// environment has LOWCLIP_BERT_KERNEL=0. For benchmarks and for ruling the kernel out.
void setFastLinearEnabled(bool enabled);
}  // namespace detail

}  // namespace lowclip::nn
