#include "train/stacked_adam.h"

#include <cmath>
#include <stdexcept>

namespace gansweep {

StackedAdam::StackedAdam(torch::Tensor parameters, torch::Tensor gradients,
                         std::vector<AdamSettings> settings, double eps)
    : parameters_(std::move(parameters)),
      gradients_(std::move(gradients)),
      settings_(std::move(settings)),
      eps_(eps),
      exp_avg_(torch::zeros_like(parameters_)),
      exp_avg_sq_(torch::zeros_like(parameters_)),
      steps_(settings_.size(), 0) {
  if (parameters_.dim() != 2 || gradients_.sizes() != parameters_.sizes() ||
      !parameters_.is_contiguous() || !gradients_.is_contiguous() ||
      static_cast<std::int64_t>(settings_.size()) != parameters_.size(0)) {
    throw std::invalid_argument("StackedAdam: parameters, gradients and rates do not match");
  }
}

torch::Tensor StackedAdam::step(const std::vector<bool>& active) {
  const auto runs = static_cast<std::int64_t>(settings_.size());
  // Per-run coefficients: LibTorch's Adam turns its double scalars into
  // float for a float tensor, and so do these. An inactive run gets the
  // coefficients of "no change": m * 1 + g * 0, p + (m * 0) / d.
  std::vector<AdamRowCoefficients> coefficients(runs);
  for (std::int64_t r = 0; r < runs; ++r) {
    if (!active[r]) continue;  // the defaults change nothing
    const auto step = static_cast<double>(++steps_[r]);
    const AdamSettings& s = settings_[r];
    const double correction1 = 1 - std::pow(s.beta1, step);
    const double correction2 = 1 - std::pow(s.beta2, step);
    auto& c = coefficients[r];
    c.decay1 = static_cast<float>(s.beta1);
    c.weight1 = static_cast<float>(1 - s.beta1);
    c.decay2 = static_cast<float>(s.beta2);
    c.weight2 = static_cast<float>(1 - s.beta2);
    c.correction2 = static_cast<float>(std::sqrt(correction2));
    c.step = static_cast<float>(-(s.lr / correction1));
  }
  torch::NoGradGuard no_grad;
  if (parameters_.device().is_cpu()) {
    torch::Tensor sums = torch::empty({runs}, torch::kDouble);
    adam_rows(parameters_.data_ptr<float>(), gradients_.data_ptr<float>(),
              exp_avg_.data_ptr<float>(), exp_avg_sq_.data_ptr<float>(), runs, parameters_.size(1),
              parameters_.stride(0), coefficients.data(), static_cast<float>(eps_),
              sums.data_ptr<double>());
    return sums;
  }
  // Elsewhere the same arithmetic as tensor operations, with the
  // coefficients as (R, 1) columns.
  std::vector<float> host;
  for (const auto& c : coefficients) {
    host.insert(host.end(), {c.decay1, c.weight1, c.decay2, c.weight2, c.correction2, c.step});
  }
  const torch::Tensor columns = torch::from_blob(host.data(), {runs, 6}, torch::kFloat)
                                    .to(parameters_.device())
                                    .t()
                                    .unsqueeze(2);  // (6, R, 1)
  const torch::Tensor& g = gradients_;
  exp_avg_.mul_(columns[0]).addcmul_(g, columns[1]);
  exp_avg_sq_.mul_(columns[2]).addcmul_(g * columns[3], g);
  const torch::Tensor denom = (exp_avg_sq_.sqrt() / columns[4]).add_(eps_);
  parameters_.addcdiv_(exp_avg_ * columns[5], denom);
  return g.sum(1, false, torch::kDouble).to(torch::kCPU);
}

void StackedAdam::reset_run(std::int64_t run) {
  torch::NoGradGuard no_grad;
  exp_avg_[run].zero_();
  exp_avg_sq_[run].zero_();
  steps_[run] = 0;
}

torch::Tensor StackedAdam::step_counts() const { return torch::tensor(steps_, torch::kLong); }

void StackedAdam::load(const torch::Tensor& first, const torch::Tensor& second,
                       const torch::Tensor& steps) {
  if (first.sizes() != exp_avg_.sizes() || second.sizes() != exp_avg_sq_.sizes() ||
      steps.numel() != static_cast<std::int64_t>(steps_.size())) {
    throw std::invalid_argument("StackedAdam: the saved state has other shapes");
  }
  torch::NoGradGuard no_grad;
  exp_avg_.copy_(first);
  exp_avg_sq_.copy_(second);
  const torch::Tensor counts = steps.to(torch::kCPU, torch::kLong).contiguous();
  for (std::size_t r = 0; r < steps_.size(); ++r) steps_[r] = counts.data_ptr<std::int64_t>()[r];
}

}  // namespace gansweep
