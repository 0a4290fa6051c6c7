#include "train/losses.h"

namespace gansweep {
namespace {

// softplus(x) = log(1 + e^x); LibTorch's returns x itself above 20, where
// the two agree to float precision, and its gradient is sigmoid(x) computed
// without overflow. log sigma(l) = -softplus(-l), log(1 - sigma(l)) = -softplus(l).
torch::Tensor stable_softplus(const torch::Tensor& x) { return at::softplus(x, 1.0, 20.0); }

}  // namespace

torch::Tensor discriminator_loss(LossKind loss, const torch::Tensor& real_logits,
                                 const torch::Tensor& fake_logits) {
  switch (loss) {
    case LossKind::kMinimax:
    case LossKind::kNonSaturating:
      // -E log D(x) - E log(1 - D(G(z)))
      return stable_softplus(-real_logits).mean() + stable_softplus(fake_logits).mean();
    case LossKind::kLeastSquares:
      return 0.5 * (real_logits - 1.0).pow(2).mean() + 0.5 * fake_logits.pow(2).mean();
    case LossKind::kWassersteinGp:
      return fake_logits.mean() - real_logits.mean();
    case LossKind::kHinge:
      return torch::relu(1.0 - real_logits).mean() + torch::relu(1.0 + fake_logits).mean();
  }
  TORCH_CHECK(false, "unknown loss kind");
}

torch::Tensor generator_loss(LossKind loss, const torch::Tensor& fake_logits) {
  switch (loss) {
    case LossKind::kMinimax:
      return -stable_softplus(fake_logits).mean();  // E log(1 - D(G(z)))
    case LossKind::kNonSaturating:
      return stable_softplus(-fake_logits).mean();  // -E log D(G(z))
    case LossKind::kLeastSquares:
      return 0.5 * (fake_logits - 1.0).pow(2).mean();
    case LossKind::kWassersteinGp:
    case LossKind::kHinge:
      return -fake_logits.mean();
  }
  TORCH_CHECK(false, "unknown loss kind");
}

torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& mix) {
  TORCH_CHECK(real.sizes() == fake.sizes(), "gradient_penalty: real and fake shapes differ");
  TORCH_CHECK(mix.dim() == 1 && mix.size(0) == real.size(0), "gradient_penalty: mix must be (B)");
  std::vector<int64_t> mix_shape(real.dim(), 1);
  mix_shape[0] = real.size(0);
  const auto weight = mix.to(real.dtype()).view(mix_shape);  // (B, 1, ...)
  auto mixed = (weight * real.detach() + (1.0 - weight) * fake.detach()).requires_grad_(true);

  const auto scores = critic(mixed);
  const auto grads = torch::autograd::grad({scores.sum()}, {mixed},
                                           /*grad_outputs=*/{},
                                           /*retain_graph=*/true,
                                           /*create_graph=*/true)[0];
  // sqrt(sum g^2 + 1e-12): the tiny constant keeps the norm's own gradient
  // finite where a sample's input gradient is exactly zero, and moves the
  // penalty by under 1e-6 elsewhere.
  const auto norms = (grads.flatten(1).pow(2).sum(1) + 1e-12).sqrt();  // (B)
  return (norms - 1.0).pow(2).mean();
}

}  // namespace gansweep
