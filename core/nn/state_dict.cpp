#include "core/nn/state_dict.h"

#include <cctype>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"

namespace lowclip::nn {

std::string shapeOf(const at::Tensor& t) {
    std::ostringstream os;
    os << "[";
    for (int64_t i = 0; i < t.dim(); ++i) os << (i ? ", " : "") << t.size(i);
    os << "]";
    return os.str();
}

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void appendNames(std::ostringstream& os, const char* label, const std::vector<std::string>& names, std::size_t maxNames) {
    if (names.empty()) return;
    os << "\n  " << label << " (" << names.size() << "): ";
    for (std::size_t i = 0; i < names.size() && i < maxNames; ++i) os << (i ? ", " : "") << names[i];
    if (names.size() > maxNames) os << ", ...";
}
}  // namespace

std::string LoadReport::describe(std::size_t maxNames) const {
    std::ostringstream os;
    appendNames(os, "missing", missing, maxNames);
    appendNames(os, "unexpected", unexpected, maxNames);
    appendNames(os, "mis-shaped", mismatched, maxNames);
    return os.str();
}

io::TensorMap stateDict(const torch::nn::Module& module) {
    io::TensorMap out;
    for (const auto& p : module.named_parameters(/*recurse=*/true)) out[p.key()] = p.value();
    for (const auto& b : module.named_buffers(/*recurse=*/true)) out[b.key()] = b.value();
    return out;
}

LoadReport loadStateDict(torch::nn::Module& module, const io::TensorMap& weights, bool strict, const std::string& what) {
    LoadReport report;
    std::set<std::string> seen;
    torch::NoGradGuard noGrad;
    auto copyInto = [&](const std::string& name, at::Tensor& target) {
        auto it = weights.find(name);
        if (it == weights.end()) {
            report.missing.push_back(name);
            return;
        }
        seen.insert(name);
        const at::Tensor& src = it->second;
        if (src.sizes() != target.sizes()) {
            report.mismatched.push_back(name + ": checkpoint " + shapeOf(src) + " vs model " + shapeOf(target));
            return;
        }
        target.copy_(src.to(target.dtype()));
    };
    for (auto& p : module.named_parameters(true)) copyInto(p.key(), p.value());
    for (auto& b : module.named_buffers(true)) copyInto(b.key(), b.value());
    for (const auto& [name, t] : weights)
        if (!seen.count(name)) report.unexpected.push_back(name);
    // A checkpoint key that matched but was mis-shaped was "seen"; keep it only under mis-shaped.
    if (strict && !report.ok()) throw Error("weights do not fit the " + what + ":" + report.describe());
    return report;
}

io::TensorMap selectPrefix(const io::TensorMap& weights, const std::string& prefix) {
    io::TensorMap out;
    for (const auto& [k, v] : weights)
        if (k.compare(0, prefix.size(), prefix) == 0) out[k.substr(prefix.size())] = v;
    return out;
}

io::TensorMap addPrefix(const io::TensorMap& weights, const std::string& prefix) {
    io::TensorMap out;
    for (const auto& [k, v] : weights) out[prefix + k] = v;
    return out;
}

io::TensorMap renameKeys(const io::TensorMap& weights, const std::function<std::string(const std::string&)>& rename) {
    io::TensorMap out;
    for (const auto& [k, v] : weights) {
        std::string n = rename(k);
        if (!n.empty()) out[n] = v;
    }
    return out;
}

io::TensorMap huggingFaceBertKeys(const io::TensorMap& weights) {
    bool prefixed = false;
    for (const auto& kv : weights)
        if (startsWith(kv.first, "bert.")) {
            prefixed = true;
            break;
        }
    return renameKeys(prefixed ? selectPrefix(weights, "bert.") : weights, [](const std::string& key) -> std::string {
        if (startsWith(key, "cls.")) return {};             // pre-training heads
        if (endsWith(key, "position_ids")) return {};       // a buffer, arange(max_positions)
        // Checkpoints converted from TensorFlow name LayerNorm parameters gamma/beta.
        if (endsWith(key, "LayerNorm.gamma")) return key.substr(0, key.size() - 5) + "weight";
        if (endsWith(key, "LayerNorm.beta")) return key.substr(0, key.size() - 4) + "bias";
        return key;
    });
}

std::set<int64_t> indicesUnder(const io::TensorMap& w, const std::string& prefix) {
    std::set<int64_t> out;
    for (const auto& [k, v] : w) {
        if (!startsWith(k, prefix)) continue;
        std::size_t pos = prefix.size(), end = pos;
        while (end < k.size() && std::isdigit(static_cast<unsigned char>(k[end]))) ++end;
        // At most 9 digits: an index from a hostile file cannot overflow.
        if (end > pos && end - pos <= 9 && end < k.size() && k[end] == '.')
            out.insert(std::stoll(k.substr(pos, end - pos)));
    }
    return out;
}

std::vector<int64_t> contiguousIndices(const io::TensorMap& w, const std::string& prefix, const std::string& what) {
    std::set<int64_t> s = indicesUnder(w, prefix);
    std::vector<int64_t> out(s.begin(), s.end());
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] != static_cast<int64_t>(i))
            throw Error(what + ": '" + prefix + "N' entries are not numbered 0.." + std::to_string(out.size() - 1));
    return out;
}

const at::Tensor& requireWeight(const io::TensorMap& w, const std::string& name, const std::string& what, int64_t dims) {
    auto it = w.find(name);
    if (it == w.end()) throw Error(what + ": weight '" + name + "' is missing");
    const at::Tensor& t = it->second;
    if (dims >= 0 && t.dim() != dims)
        throw Error(what + ": weight '" + name + "' has shape " + shapeOf(t) + ", expected " + std::to_string(dims) +
                    " dimensions");
    return t;
}

int64_t weightDim(const io::TensorMap& w, const std::string& name, int64_t dims, int64_t index, const std::string& what) {
    return requireWeight(w, name, what, dims).size(index);
}

}  // namespace lowclip::nn
