// y = x W + b for R runs at once: x (R, B, in), W (R, in, out), b (R, out)
// -> (R, B, out), differentiable in all three.
//
// LibTorch 1.13's CPU batched product without MKL (Debian's build) walks
// the batch through the dispatcher, three slicing operations and a matrix
// product per run, so stacking runs would save nothing at widths where the
// products dominate. On the CPU this calls BLAS's sgemm once per run
// directly, forward and backward, which is the arithmetic of R separate
// Linear layers without their overhead; elsewhere (CUDA) it uses baddbmm.
// W and b may be strided views (rows of a stacked parameter buffer) as long
// as each run's matrix has unit stride along `out`.
#pragma once

#include <torch/torch.h>

namespace gansweep {

torch::Tensor batched_linear(const torch::Tensor& x, const torch::Tensor& weight,
                             const torch::Tensor& bias);

}  // namespace gansweep
