#include "train/losses.h"

namespace gansweep {
namespace {

// softplus(x) = log(1 + e^x); LibTorch's returns x itself above 20, where
// the two agree to float precision, and its gradient is sigmoid(x) computed
// without overflow. log sigma(l) = -softplus(-l), log(1 - sigma(l)) = -softplus(l).
torch::Tensor stable_softplus(const torch::Tensor& x) { return at::softplus(x, 1.0, 20.0); }

// Mean over everything but the leading run dimension: (R, B, ...) -> (R).
torch::Tensor per_run_mean(const torch::Tensor& x) { return x.flatten(1).mean(1); }

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

torch::Tensor discriminator_loss_per_run(LossKind loss, const torch::Tensor& real_logits,
                                         const torch::Tensor& fake_logits) {
  switch (loss) {
    case LossKind::kMinimax:
    case LossKind::kNonSaturating:
      return per_run_mean(stable_softplus(-real_logits)) +
             per_run_mean(stable_softplus(fake_logits));
    case LossKind::kLeastSquares:
      return 0.5 * per_run_mean((real_logits - 1.0).pow(2)) +
             0.5 * per_run_mean(fake_logits.pow(2));
    case LossKind::kWassersteinGp:
      return per_run_mean(fake_logits) - per_run_mean(real_logits);
    case LossKind::kHinge:
      return per_run_mean(torch::relu(1.0 - real_logits)) +
             per_run_mean(torch::relu(1.0 + fake_logits));
  }
  TORCH_CHECK(false, "unknown loss kind");
}

torch::Tensor generator_loss_per_run(LossKind loss, const torch::Tensor& fake_logits) {
  switch (loss) {
    case LossKind::kMinimax:
      return -per_run_mean(stable_softplus(fake_logits));
    case LossKind::kNonSaturating:
      return per_run_mean(stable_softplus(-fake_logits));
    case LossKind::kLeastSquares:
      return 0.5 * per_run_mean((fake_logits - 1.0).pow(2));
    case LossKind::kWassersteinGp:
    case LossKind::kHinge:
      return -per_run_mean(fake_logits);
  }
  TORCH_CHECK(false, "unknown loss kind");
}

torch::Tensor gradient_penalty_per_run(
    const std::function<torch::Tensor(const torch::Tensor&)>& critic, const torch::Tensor& real,
    const torch::Tensor& fake, const torch::Tensor& mix) {
  TORCH_CHECK(real.sizes() == fake.sizes(),
              "gradient_penalty_per_run: real and fake shapes differ");
  TORCH_CHECK(mix.dim() == 2 && mix.size(0) == real.size(0) && mix.size(1) == real.size(1),
              "gradient_penalty_per_run: mix must be (R, B)");
  std::vector<int64_t> mix_shape(real.dim(), 1);
  mix_shape[0] = real.size(0);
  mix_shape[1] = real.size(1);
  const auto weight = mix.to(real.dtype()).view(mix_shape);  // (R, B, 1, ...)
  auto mixed = (weight * real.detach() + (1.0 - weight) * fake.detach()).requires_grad_(true);
  // Each run's scores depend only on its own inputs, so the gradient of the
  // sum over all runs is each run's own input gradient.
  const auto scores = critic(mixed);
  const auto grads = torch::autograd::grad({scores.sum()}, {mixed}, {}, true, true)[0];
  const auto norms = (grads.flatten(2).pow(2).sum(2) + 1e-12).sqrt();  // (R, B)
  return (norms - 1.0).pow(2).mean(1);
}

}  // namespace gansweep
