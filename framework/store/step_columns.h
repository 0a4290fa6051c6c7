// The metric columns of the `steps` table and their bits in `nan_mask`. SQLite
// stores NaN as NULL, so the mask is the only record that a value was NaN
// rather than missing; query code decodes it with these constants.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "store/records.h"

namespace gansweep::store {

// Bit positions in steps.nan_mask, equal to the column's index in
// kStepMetricColumns. Stored data depends on them: never renumber.
inline constexpr int kStepDLoss = 0;
inline constexpr int kStepGLoss = 1;
inline constexpr int kStepGGradNorm = 2;
inline constexpr int kStepDGradNorm = 3;
inline constexpr int kStepDReal = 4;
inline constexpr int kStepDFake = 5;
inline constexpr int kStepDRealLogit = 6;
inline constexpr int kStepDFakeLogit = 7;
inline constexpr int kStepDgDp = 8;
inline constexpr int kStepDgDlogit = 9;
inline constexpr int kStepWallMs = 10;
inline constexpr int kStepMetricCount = 11;

// Column names in bit order, which is also their order in the table.
inline constexpr std::array<std::string_view, kStepMetricCount> kStepMetricColumns = {
    "d_loss",       "g_loss",       "g_grad_norm", "d_grad_norm", "d_real",  "d_fake",
    "d_real_logit", "d_fake_logit", "dg_dp",       "dg_dlogit",   "wall_ms",
};

constexpr std::uint32_t nan_bit(int column) { return std::uint32_t{1} << column; }

// A row's metric values in column (and bit) order.
inline std::array<double, kStepMetricCount> step_metric_values(const StepRow& row) {
  return {row.d_loss, row.g_loss,    row.g_grad_norm,  row.d_grad_norm,
          row.d_real, row.d_fake,    row.d_real_logit, row.d_fake_logit,
          row.dg_dp,  row.dg_dlogit, row.wall_ms};
}

}  // namespace gansweep::store
