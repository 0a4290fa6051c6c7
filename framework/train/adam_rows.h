// One pass of Adam over rows of float buffers, one row per run with its own
// coefficients: the CPU kernel behind StackedAdam. LibTorch's Adam takes ten
// passes over memory (one per tensor operation); at the sizes of a stacked
// group (megabytes, beyond the L2 cache) those passes cost more than the
// arithmetic. Torch-free, so it compiles with the flags that let GCC
// vectorise the square root (-fno-math-errno).
#pragma once

#include <cstdint>

namespace gansweep {

struct AdamRowCoefficients {
  float decay1 = 1, weight1 = 0;  // m = m * decay1 + g * weight1
  float decay2 = 1, weight2 = 0;  // v = v * decay2 + (g * weight2) * g
  float correction2 = 1;          // d = sqrt(v) / correction2 + eps
  float step = 0;                 // p = p + (m * step) / d
};

// Updates rows [0, rows) of p, m and v (each row `cols` long, rows
// `row_stride` apart) from g, in the order of operations of LibTorch's
// Adam, and returns through gradient_sums[r] the sum of row r of g in
// double (finite exactly when every element is).
void adam_rows(float* p, const float* g, float* m, float* v, std::int64_t rows, std::int64_t cols,
               std::int64_t row_stride, const AdamRowCoefficients* coefficients, float eps,
               double* gradient_sums);

}  // namespace gansweep
