#pragma once
// Moving weights between a name -> tensor map and a torch::nn::Module. The module tree uses the
// reference's names, so named_parameters()/named_buffers() *are* the checkpoint keys.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "core/io/formats/safetensors.h"

namespace lowclip::nn {

struct LoadReport {
    std::vector<std::string> missing;     // in the module, not in the map
    std::vector<std::string> unexpected;  // in the map, not in the module
    std::vector<std::string> mismatched;  // "name: checkpoint [a, b] vs model [c, d]"
    bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
    std::string describe(std::size_t maxNames = 20) const;
};

// Every parameter and buffer of `module` by its dotted name.
io::TensorMap stateDict(const torch::nn::Module& module);

// Copies tensors into the module's parameters and buffers (dtype converted, device kept).
// With strict, anything missing, unexpected or mis-shaped throws lowclip::Error naming `what`
// and the names; without it, matching tensors are copied and the rest reported.
LoadReport loadStateDict(torch::nn::Module& module, const io::TensorMap& weights, bool strict = true,
                         const std::string& what = "model");

// Keys under `prefix` with it removed (e.g. "bert." or "image_encoder.model.").
io::TensorMap selectPrefix(const io::TensorMap& weights, const std::string& prefix);
// Every key with `prefix` put in front.
io::TensorMap addPrefix(const io::TensorMap& weights, const std::string& prefix);
// Keys renamed by `rename`; an empty result drops the key.
io::TensorMap renameKeys(const io::TensorMap& weights, const std::function<std::string(const std::string&)>& rename);

// A Hugging Face BERT state dict in the names of BertModel: the "bert." prefix of task models
// removed (when some key has it; keys outside it are then dropped), pre-training heads (cls.*) and
// position_ids buffers dropped, TensorFlow-converted LayerNorm gamma/beta renamed weight/bias.
io::TensorMap huggingFaceBertKeys(const io::TensorMap& weights);

// ---- reading checkpoints ----

// "[2, 3]" (a tensor's sizes, as messages show them).
std::string shapeOf(const at::Tensor& t);

// The numbers n for which some key starts with prefix + n + ".".
std::set<int64_t> indicesUnder(const io::TensorMap& weights, const std::string& prefix);
// The same as a list that must be 0, 1, ..., n-1; throws lowclip::Error (prefixed with `what`) otherwise.
std::vector<int64_t> contiguousIndices(const io::TensorMap& weights, const std::string& prefix, const std::string& what);

// The tensor `name`, which must exist (and with dims >= 0, have that many dimensions); throws
// lowclip::Error prefixed with `what` otherwise.
const at::Tensor& requireWeight(const io::TensorMap& weights, const std::string& name, const std::string& what,
                                int64_t dims = -1);
// requireWeight(weights, name, what, dims).size(index).
int64_t weightDim(const io::TensorMap& weights, const std::string& name, int64_t dims, int64_t index,
                  const std::string& what);

}  // namespace lowclip::nn
