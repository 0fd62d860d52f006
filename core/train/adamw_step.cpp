#include "core/train/adamw_step.h"

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include "core/nn/kernels/optim.h"

namespace lowclip::train {

namespace {

constexpr int64_t kPiece = int64_t{1} << 16;  // elements per norm partial sum (fixed: the same sum at any thread count)

// The key LibTorch's AdamW files a parameter's state under: its TensorImpl's address, as text
// (LibTorch 1.x) or as the pointer itself (2.x).
template <typename Map>
typename Map::key_type stateKey(const Map&, const at::Tensor& p) {
    using Key = typename Map::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream text;
        text << p.unsafeGetTensorImpl();
        return text.str();
    } else {
        return Key(p.unsafeGetTensorImpl());
    }
}

bool fusable(const at::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() && !t.is_sparse() &&
           t.layout() == at::kStrided;
}

}  // namespace

double clippedAdamWStep(torch::optim::AdamW& optimizer, double maxNorm) {
    torch::NoGradGuard noGrad;
    struct Item {
        at::Tensor p, g;
        torch::optim::AdamWOptions* options;
    };
    std::vector<Item> items;
    bool fused = true;
    for (auto& group : optimizer.param_groups()) {
        auto& options = static_cast<torch::optim::AdamWOptions&>(group.options());
        if (options.amsgrad()) fused = false;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            const at::Tensor& g = p.grad();
            if (!fusable(p) || !fusable(g) || g.numel() != p.numel()) fused = false;
            items.push_back({p, g, &options});
        }
    }
    auto& state = optimizer.state();
    if (fused) {
        for (const auto& it : items) {
            auto found = state.find(stateKey(state, it.p));
            if (found == state.end()) continue;
            auto& s = static_cast<torch::optim::AdamWParamState&>(*found->second);
            if (!fusable(s.exp_avg()) || !fusable(s.exp_avg_sq()) || s.exp_avg().numel() != it.p.numel() ||
                s.exp_avg_sq().numel() != it.p.numel())
                fused = false;
        }
    }
    if (!fused) {
        double norm = -1;
        if (maxNorm > 0) {
            std::vector<at::Tensor> params;
            for (const auto& it : items) params.push_back(it.p);
            norm = torch::nn::utils::clip_grad_norm_(params, maxNorm);
        }
        optimizer.step();
        return norm;
    }

    const auto level = nn::kernels::activeIsa();
    double total = -1;
    float gradScale = 1.0f;
    if (maxNorm > 0) {
        std::vector<std::pair<const float*, int64_t>> pieces;
        for (const auto& it : items) {
            const float* g = it.g.data_ptr<float>();
            for (int64_t i = 0, n = it.g.numel(); i < n; i += kPiece) pieces.emplace_back(g + i, std::min(kPiece, n - i));
        }
        std::vector<double> sums(pieces.size(), 0.0);
        at::parallel_for(0, static_cast<int64_t>(pieces.size()), 8, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i)
                sums[static_cast<size_t>(i)] = nn::kernels::sumOfSquares(pieces[static_cast<size_t>(i)].first,
                                                                         pieces[static_cast<size_t>(i)].second, level);
        });
        double squares = 0;
        for (double s : sums) squares += s;
        total = std::sqrt(squares);
        const double coef = maxNorm / (total + 1e-6);
        if (coef < 1) gradScale = static_cast<float>(coef);
    }

    for (const auto& it : items) {
        const auto& o = *it.options;
        auto key = stateKey(state, it.p);
        auto found = state.find(key);
        if (found == state.end()) {
            auto fresh = std::make_unique<torch::optim::AdamWParamState>();
            fresh->step(0);
            fresh->exp_avg(torch::zeros_like(it.p, at::MemoryFormat::Preserve));
            fresh->exp_avg_sq(torch::zeros_like(it.p, at::MemoryFormat::Preserve));
            found = state.emplace(key, std::move(fresh)).first;
        }
        auto& s = static_cast<torch::optim::AdamWParamState&>(*found->second);
        s.step(s.step() + 1);
        const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
        const double bc1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
        const double bc2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
        nn::kernels::AdamWScalars k;
        k.gradScale = gradScale;
        k.decay = static_cast<float>(1 - o.lr() * o.weight_decay());
        k.beta1 = static_cast<float>(beta1);
        k.oneMinusBeta1 = static_cast<float>(1 - beta1);
        k.beta2 = static_cast<float>(beta2);
        k.oneMinusBeta2 = static_cast<float>(1 - beta2);
        k.stepSize = static_cast<float>(o.lr() / bc1);
        k.invSqrtBc2 = static_cast<float>(1 / std::sqrt(bc2));
        k.eps = static_cast<float>(o.eps());
        float* p = it.p.data_ptr<float>();
        const float* g = it.g.data_ptr<float>();
        float* m = s.exp_avg().data_ptr<float>();
        float* v = s.exp_avg_sq().data_ptr<float>();
        at::parallel_for(0, it.p.numel(), kPiece, [&](int64_t b, int64_t e) {
            nn::kernels::adamwUpdate(p + b, g + b, m + b, v + b, e - b, k, level);
        });
    }
    return total;
}

}  // namespace lowclip::train
