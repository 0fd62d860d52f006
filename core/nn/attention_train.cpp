#include "core/nn/attention_train.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "core/error.h"
#include "core/nn/kernels/attention.h"

namespace lowclip::nn {

namespace {

constexpr int64_t kMaxKeys = 512;

kernels::AttentionShape shapeOf(const at::Tensor& q, const at::Tensor& k, int64_t heads, double scale) {
    kernels::AttentionShape s;
    s.batch = q.size(0);
    s.sq = q.size(1);
    s.sk = k.size(1);
    s.heads = heads;
    s.hs = q.size(2) / heads;
    s.ldq = s.ldk = s.ldv = s.ldo = q.size(2);
    s.scale = static_cast<float>(scale);
    return s;
}

class TrainAttentionFn : public torch::autograd::Function<TrainAttentionFn> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k,
                              const at::Tensor& v, const at::Tensor& mask, const at::Tensor& drop, int64_t heads,
                              double scale) {
        const auto s = shapeOf(q, k, heads, scale);
        at::Tensor out = at::empty({s.batch, s.sq, s.ldo}, q.options());
        at::Tensor probs = at::empty({s.batch, s.heads, s.sq, s.sk}, q.options());
        const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
        const float* mp = mask.numel() ? mask.data_ptr<float>() : nullptr;
        const float* dp = drop.numel() ? drop.data_ptr<float>() : nullptr;
        float *pp = probs.data_ptr<float>(), *op = out.data_ptr<float>();
        at::parallel_for(0, s.batch * s.heads, 1, [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) kernels::attentionTrainForward(s, t, qp, kp, vp, mp, dp, pp, op);
        });
        ctx->save_for_backward({q, k, v, probs, drop});
        ctx->saved_data["heads"] = heads;
        ctx->saved_data["scale"] = scale;
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3], &drop = saved[4];
        const auto s = shapeOf(q, k, ctx->saved_data["heads"].toInt(), ctx->saved_data["scale"].toDouble());
        const at::Tensor dout = grads[0].contiguous();
        at::Tensor dq = at::empty_like(q), dk = at::empty_like(k), dv = at::empty_like(v);
        const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
        const float* dp = drop.numel() ? drop.data_ptr<float>() : nullptr;
        const float *pp = probs.data_ptr<float>(), *gp = dout.data_ptr<float>();
        float *dqp = dq.data_ptr<float>(), *dkp = dk.data_ptr<float>(), *dvp = dv.data_ptr<float>();
        at::parallel_for(0, s.batch * s.heads, 1, [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t)
                kernels::attentionTrainBackward(s, t, qp, kp, vp, dp, pp, gp, dqp, dkp, dvp);
        });
        return {dq, dk, dv, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

bool trainAttentionUsable(const at::Tensor& q, int64_t keys) {
    return q.defined() && q.device().is_cpu() && q.scalar_type() == at::kFloat && keys > 0 && keys <= kMaxKeys &&
           kernels::attentionTrainSimd(kernels::activeIsa());
}

at::Tensor trainAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                          const at::Tensor& drop, int64_t heads, double scale) {
    if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || heads <= 0 || q.size(2) % heads != 0 ||
        k.sizes() != v.sizes() || k.size(0) != q.size(0) || k.size(2) != q.size(2) || !trainAttentionUsable(q, k.size(1)))
        throw Error("attention: operands of shapes that the training kernel does not take");
    const int64_t batch = q.size(0), sq = q.size(1), sk = k.size(1);
    if (mask.defined() && (mask.numel() != batch * sk || mask.scalar_type() != at::kFloat))
        throw Error("attention: the mask must be float [batch, keys]");
    if (drop.defined() && (drop.numel() != batch * heads * sq * sk || drop.scalar_type() != at::kFloat))
        throw Error("attention: the dropout multipliers must be float [batch, heads, queries, keys]");
    // Absent operands travel as empty tensors (autograd functions take defined ones).
    const at::Tensor none = at::empty({0}, q.options());
    return TrainAttentionFn::apply(q.contiguous(), k.contiguous(), v.contiguous(),
                                   mask.defined() ? mask.reshape({batch, sk}).contiguous() : none,
                                   drop.defined() ? drop.contiguous() : none, heads, scale);
}

}  // namespace lowclip::nn
