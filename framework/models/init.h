// Parameter initialisation from an explicit generator. LibTorch's default
// initialisers draw from the global generator, which would tie a run's
// weights to whatever else drew before; here G and D each get a stream of
// the run's seed tree.
#pragma once

#include <torch/torch.h>

namespace gansweep {

// Linear: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (LibTorch's
// default bounds). Conv and transposed conv: weight N(0, 0.02), bias 0;
// batch norm: weight N(1, 0.02), bias 0 (Radford et al. 2016).
void initialize_parameters(torch::nn::Module& module, at::Generator& generator);

}  // namespace gansweep
