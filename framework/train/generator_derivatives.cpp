#include "train/generator_derivatives.h"

#include <cmath>

namespace gansweep {

double stable_sigmoid(double logit) {
  if (logit >= 0) return 1.0 / (1.0 + std::exp(-logit));
  const double e = std::exp(logit);
  return e / (1.0 + e);
}

double generator_dj_dlogit(LossKind loss, double logit) {
  switch (loss) {
    case LossKind::kMinimax:
      return -stable_sigmoid(logit);  // J = log(1 - p) = -softplus(l)
    case LossKind::kNonSaturating:
      return -stable_sigmoid(-logit);  // J = -log p = softplus(-l)
    case LossKind::kLeastSquares:
      return logit - 1.0;  // J = (l - 1)^2 / 2
    case LossKind::kWassersteinGp:
    case LossKind::kHinge:
      return -1.0;  // J = -l
  }
  return std::nan("");
}

double generator_dj_dp(LossKind loss, double logit) {
  if (std::isnan(logit)) return std::nan("");
  switch (loss) {
    // 1 / (1 - p) = 1 + e^l and 1 / p = 1 + e^-l exactly, and these forms
    // overflow to +inf only where the true value exceeds the double range.
    case LossKind::kMinimax:
      return -(1.0 + std::exp(logit));
    case LossKind::kNonSaturating:
      return -(1.0 + std::exp(-logit));
    case LossKind::kLeastSquares:
    case LossKind::kWassersteinGp:
    case LossKind::kHinge: {
      const double dj_dl = generator_dj_dlogit(loss, logit);
      if (dj_dl == 0.0) return 0.0;
      // 1 / (p (1 - p)) = (1 + e^-l)(1 + e^l) = 2 + e^l + e^-l.
      return dj_dl * (2.0 + std::exp(logit) + std::exp(-logit));
    }
  }
  return std::nan("");
}

GeneratorSensitivity generator_sensitivity(LossKind loss, const std::vector<double>& fake_logits) {
  GeneratorSensitivity out;
  if (fake_logits.empty()) return out;
  double sum_dp = 0;
  double sum_dl = 0;
  for (double l : fake_logits) {
    sum_dp += std::fabs(generator_dj_dp(loss, l));
    sum_dl += std::fabs(generator_dj_dlogit(loss, l));
  }
  const auto n = static_cast<double>(fake_logits.size());
  out.mean_abs_dj_dp = sum_dp / n;
  out.mean_abs_dj_dlogit = sum_dl / n;
  return out;
}

}  // namespace gansweep
