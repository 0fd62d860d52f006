#pragma once
// One optimizer step of training: the gradients' global norm clipped, then AdamW, as
// torch::nn::utils::clip_grad_norm_ followed by torch::optim::AdamW::step(), but for CPU float32
// parameters in two passes over memory instead of about ten: one reading every gradient for the
// norm, one updating parameter and moments together (core/nn/kernels/optim.h), with the clipping
// factor applied on the fly. The optimizer's own state tensors (step, exp_avg, exp_avg_sq) are the
// ones read and written, so checkpoints save and resume as before. Results agree with LibTorch's
// to float rounding (the norm is summed in double; fused multiply-adds round once).
// The gradients themselves are left as they were (unscaled). Other cases (CUDA, other dtypes,
// non-contiguous tensors, amsgrad) take LibTorch's clip_grad_norm_ and step().
namespace torch::optim {
class AdamW;
}

namespace lowclip::train {

// maxNorm <= 0: no clipping. Returns the gradients' total norm (before clipping), or -1 when not
// computed (maxNorm <= 0).
double clippedAdamWStep(torch::optim::AdamW& optimizer, double maxNorm);

}  // namespace lowclip::train
