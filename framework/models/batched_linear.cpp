#include "models/batched_linear.h"

#include <cblas.h>

namespace gansweep {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Whether sgemm can read run r's matrix straight from `t` (R, rows, cols):
// float on the CPU, unit stride along the last dimension.
bool blas_readable(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.dim() == 3 &&
         t.stride(2) == 1 && t.stride(1) >= t.size(2);
}

// C_r = alpha * op(A_r) op(B_r) + beta * C_r for every run r, row-major.
void gemm_per_run(bool transpose_a, bool transpose_b, const torch::Tensor& a,
                  const torch::Tensor& b, float beta, torch::Tensor& c) {
  const std::int64_t runs = c.size(0);
  const auto m = static_cast<int>(c.size(1));
  const auto n = static_cast<int>(c.size(2));
  const auto k = static_cast<int>(transpose_a ? a.size(1) : a.size(2));
  const float* a_data = a.data_ptr<float>();
  const float* b_data = b.data_ptr<float>();
  float* c_data = c.data_ptr<float>();
  for (std::int64_t r = 0; r < runs; ++r) {
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                transpose_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a_data + r * a.stride(0),
                static_cast<int>(a.stride(1)), b_data + r * b.stride(0),
                static_cast<int>(b.stride(1)), beta, c_data + r * c.stride(0),
                static_cast<int>(c.stride(1)));
  }
}

class BatchedLinear : public torch::autograd::Function<BatchedLinear> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    const torch::Tensor input = x.contiguous();
    ctx->save_for_backward({input, weight});
    // As addmm does for one Linear: the bias first, then the product added.
    torch::Tensor y = bias.unsqueeze(1).expand({x.size(0), x.size(1), bias.size(1)}).contiguous();
    gemm_per_run(false, false, input, weight, 1.0f, y);
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& input = saved[0];             // (R, B, in)
    const torch::Tensor& weight = saved[1];            // (R, in, out)
    const torch::Tensor grad = grads[0].contiguous();  // (R, B, out)
    torch::Tensor grad_input;
    torch::Tensor grad_weight;
    torch::Tensor grad_bias;
    if (ctx->needs_input_grad(0)) {
      grad_input = torch::empty_like(input);
      gemm_per_run(false, true, grad, weight, 0.0f, grad_input);  // dy W^T
    }
    if (ctx->needs_input_grad(1)) {
      grad_weight = torch::empty({weight.size(0), weight.size(1), weight.size(2)}, grad.options());
      gemm_per_run(true, false, input, grad, 0.0f, grad_weight);  // x^T dy
    }
    if (ctx->needs_input_grad(2)) grad_bias = grad.sum(1);
    return {grad_input, grad_weight, grad_bias};
  }
};

}  // namespace

torch::Tensor batched_linear(const torch::Tensor& x, const torch::Tensor& weight,
                             const torch::Tensor& bias) {
  if (blas_readable(weight) && x.device().is_cpu() && x.scalar_type() == torch::kFloat) {
    return BatchedLinear::apply(x, weight, bias);
  }
  return torch::baddbmm(bias.unsqueeze(1), x, weight);
}

}  // namespace gansweep
