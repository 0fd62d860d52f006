#include "core/nn/state_dict.h"

#include <set>
#include <sstream>

#include <torch/torch.h>

#include "core/error.h"

namespace lowclip::nn {

namespace {
std::string shapeString(const at::Tensor& t) {
    std::ostringstream os;
    os << "[";
    for (int64_t i = 0; i < t.dim(); ++i) os << (i ? ", " : "") << t.size(i);
    os << "]";
    return os.str();
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
            report.mismatched.push_back(name + ": checkpoint " + shapeString(src) + " vs model " + shapeString(target));
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

}  // namespace lowclip::nn
