#include "train/adam_rows.h"

#include <cmath>

namespace gansweep {

// AVX2 where the CPU has it (chosen when the program loads), SSE2 otherwise:
// same operations, same rounding (no fused multiply-add in either).
__attribute__((target_clones("avx2", "default"))) void adam_rows(
    float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
    std::int64_t rows, std::int64_t cols, std::int64_t row_stride,
    const AdamRowCoefficients* coefficients, float eps, double* gradient_sums) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const AdamRowCoefficients c = coefficients[r];
    float* __restrict pr = p + r * row_stride;
    const float* __restrict gr = g + r * row_stride;
    float* __restrict mr = m + r * row_stride;
    float* __restrict vr = v + r * row_stride;
    // Four partial sums: one chain of dependent additions would take
    // longer than the update itself.
    double sums[4] = {0, 0, 0, 0};
    std::int64_t i = 0;
    for (; i + 4 <= cols; i += 4) {
      sums[0] += gr[i];
      sums[1] += gr[i + 1];
      sums[2] += gr[i + 2];
      sums[3] += gr[i + 3];
    }
    for (; i < cols; ++i) sums[0] += gr[i];
    gradient_sums[r] = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    for (std::int64_t i = 0; i < cols; ++i) {
      const float gi = gr[i];
      const float mi = mr[i] * c.decay1 + gi * c.weight1;
      const float vi = vr[i] * c.decay2 + (gi * c.weight2) * gi;
      mr[i] = mi;
      vr[i] = vi;
      pr[i] = pr[i] + (mi * c.step) / (std::sqrt(vi) / c.correction2 + eps);
    }
  }
}

}  // namespace gansweep
