// Closed-form derivatives of each generator cost with respect to the
// discriminator's logit l and to its probability p = sigma(l), per sample
// (REFERENCE.md §1). They are what the product records as dg_dlogit and
// dg_dp, computed in double precision from the logit so that neither the
// saturation of minimax (dJ/dl = -sigma(l) -> 0) nor the blow-up of
// dJ/dp (-1/p at l = -200 is -7.2e86) is lost to float32 rounding.
// Torch-free: the formulas are scalar.
#pragma once

#include <vector>

#include "config/choices.h"

namespace gansweep {

// Numerically stable logistic function in double precision.
double stable_sigmoid(double logit);

// Signed dJ/dl of the generator's per-sample cost J (the cost the generator
// minimises, before the batch mean).
double generator_dj_dlogit(LossKind loss, double logit);

// Signed dJ/dp with p = sigma(l). For losses defined on raw outputs (least
// squares, Wasserstein, hinge) this is the chain rule through
// l = logit(p): dJ/dp = dJ/dl / (p (1 - p)). Overflow gives +-inf, never
// NaN: a zero dJ/dl stays zero.
double generator_dj_dp(LossKind loss, double logit);

struct GeneratorSensitivity {
  double mean_abs_dj_dp = 0;      // batch mean of |dJ/dp|
  double mean_abs_dj_dlogit = 0;  // batch mean of |dJ/dl|
};

// Batch means of the magnitudes over the fake logits of one generator update.
// A non-finite logit makes the corresponding mean non-finite, which marks the
// step as diverged.
GeneratorSensitivity generator_sensitivity(LossKind loss, const std::vector<double>& fake_logits);

}  // namespace gansweep
