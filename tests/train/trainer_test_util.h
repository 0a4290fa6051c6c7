// Helpers for trainer tests: tiny runs from inline settings, parameter
// snapshots, exact row comparison, and a run stopped and resumed from its
// checkpoint beside the same run never stopped.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "config/sweep_plan.h"
#include "train/trainer.h"

namespace gansweep::testing {

// A ring8 run of 30 steps with a 16-unit MLP; `extra` adds or replaces
// train settings (", loss: hinge, lr: 1e-2").
inline Experiment tiny(const std::string& extra = "") {
  std::string train = "batch: 32" + extra;
  if (extra.find("steps:") == std::string::npos) train += ", steps: 30";
  if (extra.find(" lr:") == std::string::npos) train += ", lr: 1e-3";
  const std::string yaml =
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
      "train: {" +
      train +
      "}\n"
      "log: {eval_every: 10, layer_every: 10, eval_samples: 200, sample_count: 8}\n";
  return plan_sweep(parse_sweep_definition(yaml, "tiny.yaml")).runs.at(0).experiment;
}

// A DCGAN of width 4 on Fashion-MNIST, 6 steps unless `extra` says
// otherwise: batch norm in both networks, in well under a second a step.
inline Experiment tiny_images(const std::string& extra = "") {
  std::string train = "batch: 8" + extra;
  if (extra.find("steps:") == std::string::npos) train += ", steps: 6";
  const std::string yaml =
      "data: {kind: fashion_mnist}\n"
      "model: {kind: dcgan, width: 4, z_dim: 8}\n"
      "train: {" +
      train +
      "}\n"
      "log: {eval_every: 2, sample_count: 4}\n";
  return plan_sweep(parse_sweep_definition(yaml, "images.yaml")).runs.at(0).experiment;
}

inline std::vector<torch::Tensor> snapshot(torch::nn::Module& module) {
  std::vector<torch::Tensor> copies;
  for (const auto& p : module.parameters()) copies.push_back(p.detach().clone());
  return copies;
}

inline std::vector<torch::Tensor> snapshot_buffers(torch::nn::Module& module) {
  std::vector<torch::Tensor> copies;
  for (const auto& b : module.buffers()) copies.push_back(b.detach().clone());
  return copies;
}

inline bool same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

inline void expect_same_rows(const MemoryRecorder& a, const MemoryRecorder& b) {
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const auto& x = a.steps[i];
    const auto& y = b.steps[i];
    EXPECT_EQ(x.step, y.step);
    // Bit-identical: exact equality, not a tolerance.
    EXPECT_EQ(x.d_loss, y.d_loss);
    EXPECT_EQ(x.g_loss, y.g_loss);
    EXPECT_EQ(x.g_grad_norm, y.g_grad_norm);
    EXPECT_EQ(x.d_grad_norm, y.d_grad_norm);
    EXPECT_EQ(x.d_real, y.d_real);
    EXPECT_EQ(x.d_fake, y.d_fake);
    EXPECT_EQ(x.dg_dp, y.dg_dp);
    EXPECT_EQ(x.dg_dlogit, y.dg_dlogit);
  }
  ASSERT_EQ(a.evals.size(), b.evals.size());
  for (std::size_t i = 0; i < a.evals.size(); ++i) {
    EXPECT_EQ(a.evals[i].high_quality_fraction, b.evals[i].high_quality_fraction);
  }
}

// Trains `experiment` to the end in one go, and again stopped after
// `stop_at` steps (which writes a checkpoint) and finished by a fresh
// trainer resumed from it; returns (uninterrupted, both parts' rows).
inline std::pair<MemoryRecorder, MemoryRecorder> uninterrupted_and_resumed(
    const Experiment& experiment, std::int64_t stop_at) {
  const std::filesystem::path checkpoint =
      std::filesystem::temp_directory_path() /
      ("gansweep-test-checkpoint-" + std::to_string(::getpid()) + ".pt");
  MemoryRecorder whole;
  Trainer(experiment, {}).train(whole);

  MemoryRecorder parts;
  std::atomic<bool> stop{false};
  TrainOptions options;
  options.stop_requested = &stop;
  options.checkpoint_path = checkpoint;
  options.checkpoint_seconds = 1e9;  // only the one written on stopping
  options.on_step = [&](std::int64_t steps) {
    if (steps == stop_at) stop = true;
  };
  {
    Trainer first(experiment, options);
    EXPECT_EQ(first.train(parts).status, store::RunStatus::kInterrupted);
  }
  EXPECT_EQ(read_checkpoint_step(checkpoint), stop_at);
  options.stop_requested = nullptr;
  Trainer second(experiment, options);
  EXPECT_EQ(second.resume_from(checkpoint), stop_at);
  const TrainResult rest = second.train(parts);
  EXPECT_EQ(rest.status, store::RunStatus::kDone);
  EXPECT_EQ(rest.steps_done, experiment.steps);
  std::filesystem::remove(checkpoint);
  return {whole, parts};
}

}  // namespace gansweep::testing
