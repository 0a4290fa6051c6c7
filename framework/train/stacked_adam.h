// Adam for R stacked runs whose parameters are the rows of one (R, T)
// buffer: each run has its own learning rate, betas and step count (a
// random search draws beta1 per run), and the
// update of all runs is one pass over the buffers on the CPU (adam_rows.h)
// or ten element-wise operations on the whole buffer elsewhere, whatever the
// number of layers.
//
// The arithmetic is LibTorch's Adam (no weight decay, no AMSGrad), written
// with the same operations in the same order, so a stacked run follows a
// separate run to float rounding of the gradients it is given.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "train/adam_rows.h"

namespace gansweep {

// One run's Adam hyperparameters.
struct AdamSettings {
  double lr = 0;
  double beta1 = 0;
  double beta2 = 0;
};

class StackedAdam {
 public:
  // parameters and gradients are (R, T) on one device; settings has R
  // entries.
  StackedAdam(torch::Tensor parameters, torch::Tensor gradients, std::vector<AdamSettings> settings,
              double eps = 1e-8);

  // One update of the runs with active[r]; the others keep their
  // parameters, moments and step counts exactly (their gradients must be
  // finite: 0 * inf would not be 0). Returns each run's sum of its
  // gradients in double, (R) on the CPU: finite exactly when all of them are.
  torch::Tensor step(const std::vector<bool>& active);

  // Zeroes run r's moments and step count (with its parameters reset by the
  // caller, the run starts afresh; used to park a diverged run).
  void reset_run(std::int64_t run);

  // The state: first and second moments (R, T) and the step counts (R),
  // int64 on the CPU.
  const torch::Tensor& first_moments() const { return exp_avg_; }
  const torch::Tensor& second_moments() const { return exp_avg_sq_; }
  torch::Tensor step_counts() const;
  // Throws std::invalid_argument when the shapes do not match.
  void load(const torch::Tensor& first, const torch::Tensor& second, const torch::Tensor& steps);

 private:
  torch::Tensor parameters_;
  torch::Tensor gradients_;
  std::vector<AdamSettings> settings_;
  double eps_;
  torch::Tensor exp_avg_;
  torch::Tensor exp_avg_sq_;
  std::vector<std::int64_t> steps_;
};

}  // namespace gansweep
