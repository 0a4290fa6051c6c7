// Builds the generator and discriminator an experiment asks for, each
// initialised from its own stream of the run's seed tree.
#pragma once

#include <cstddef>
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

// The seed of the new discriminator that phase `phase` starts with
// (fresh_discriminator): a child of its own stream, one per phase, so it
// never repeats the first D's weights nor another phase's.
std::uint64_t fresh_discriminator_seed(std::uint64_t run_seed, std::size_t phase);

// That discriminator, built and initialised like the first one (on the CPU,
// then moved to `device`), batch-norm statistics included.
NetworkPtr build_fresh_discriminator(const Experiment& experiment, std::size_t phase,
                                     const torch::Device& device);

}  // namespace gansweep
