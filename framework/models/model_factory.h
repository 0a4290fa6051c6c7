// Builds the generator and discriminator an experiment asks for, each
// initialised from its own stream of the run's seed tree.
#pragma once

#include <cstdint>

#include "config/experiment.h"
#include "models/network.h"

namespace gansweep {

struct GanPair {
  NetworkPtr generator;
  NetworkPtr discriminator;
};

// Built on the CPU and initialised there (so CPU and GPU runs start from the
// same weights), then moved to `device`.
GanPair build_models(const Experiment& experiment, const torch::Device& device);

}  // namespace gansweep
