// The five GAN objectives of REFERENCE.md §1, all computed from the
// discriminator's raw outputs (logits) in numerically stable form: softplus
// instead of log(sigmoid), never a sigmoid followed by binary cross-entropy,
// whose clamping silently kills the generator's gradient at large |logit|.
#pragma once

#include <functional>

#include <torch/torch.h>

#include "config/choices.h"

namespace gansweep {

// What the discriminator minimises, without the gradient penalty.
// real_logits and fake_logits are (B, 1) or (B).
torch::Tensor discriminator_loss(LossKind loss, const torch::Tensor& real_logits,
                                 const torch::Tensor& fake_logits);

// What the generator minimises, from the discriminator's logits on fakes.
torch::Tensor generator_loss(LossKind loss, const torch::Tensor& fake_logits);

// Gulrajani et al.'s penalty, mean over the batch of (||grad_x D(x_hat)|| - 1)^2
// at x_hat = mix * real + (1 - mix) * fake. `mix` is (B) in [0, 1], drawn by
// the caller from its own random stream. The result keeps the graph
// (create_graph), so its gradient reaches the critic's parameters.
torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& mix);

// The same objectives for R runs trained as one stacked model: logits are
// (R, B, 1) and each run's loss is the mean over its own B samples, so the
// result is (R). Run r's loss depends only on run r's logits, so the
// gradient of the sum of the result reaches each run's parameters exactly as
// its own loss's gradient would.
torch::Tensor discriminator_loss_per_run(LossKind loss, const torch::Tensor& real_logits,
                                         const torch::Tensor& fake_logits);
torch::Tensor generator_loss_per_run(LossKind loss, const torch::Tensor& fake_logits);
// The penalty per run: real and fake are (R, B, ...), mix is (R, B).
torch::Tensor gradient_penalty_per_run(
    const std::function<torch::Tensor(const torch::Tensor&)>& critic, const torch::Tensor& real,
    const torch::Tensor& fake, const torch::Tensor& mix);

// lambda in Gulrajani et al. 2017.
inline constexpr double kDefaultPenaltyWeight = 10.0;

}  // namespace gansweep
