// Which runs of a sweep may train together as one stacked model
// (train/stacked_trainer.h), and how the scheduler splits them into groups.
// Torch-free.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"

namespace gansweep {

// What runs must share to be stacked: the data, the model's shape, the batch,
// the length, g_steps, the device and what is recorded when. They may
// differ in seed, learning rates, Adam's betas, loss and d_steps (and
// lambda).
// Runs of wasserstein_gp stack only with each other (the penalty's second
// backward pass would be wasted on the others). Nothing when the run cannot
// be stacked at all: only MLPs can; a DCGAN's convolutions and batch norm
// are not stacked, nor are runs with train.phases.
std::optional<std::string> stacking_signature(const Experiment& experiment);

// Why run b cannot train in one stacked model with run a ("" when it
// can), naming the runs and the first setting that keeps them apart.
std::string stacking_problem(const Experiment& a, const Experiment& b);

// The most runs in one stacked group.
inline constexpr std::size_t kMaxStackedRuns = 64;

// Splits runs (indices into `experiments`, in the order given) into stacked
// groups: runs with one signature, ordered by d_steps (a group takes its
// largest d_steps each step, so mixing wastes work) and then as given, in
// groups of at most `max_group` (each signature's runs are spread evenly
// over the fewest groups of that size). Runs that cannot be stacked, and groups that would
// hold one run, come back as groups of one.
std::vector<std::vector<std::size_t>> form_stacked_groups(
    const std::vector<const Experiment*>& experiments, std::size_t max_group);

}  // namespace gansweep
