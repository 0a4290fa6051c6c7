// Where a training run sends what it measured. The runner connects it to the
// result database; tests collect rows in memory. Torch-free.
#pragma once

#include <vector>

#include "store/records.h"

namespace gansweep {

class RunRecorder {
 public:
  virtual ~RunRecorder() = default;
  virtual void record_step(const store::StepRow& row) = 0;
  virtual void record_eval(const store::EvalRow& row) = 0;
  virtual void record_layer_grads(const std::vector<store::LayerGradRow>& rows) = 0;
  virtual void record_sample(const store::SampleRow& row) = 0;
  // Makes everything recorded so far durable. Called before a checkpoint
  // is written, so rows never lag behind the checkpoint they resume from.
  virtual void flush() {}
};

// Discards everything; the trainer still computes what it would record.
// For benchmarks of the step itself.
class NullRecorder : public RunRecorder {
 public:
  void record_step(const store::StepRow&) override {}
  void record_eval(const store::EvalRow&) override {}
  void record_layer_grads(const std::vector<store::LayerGradRow>&) override {}
  void record_sample(const store::SampleRow&) override {}
};

// Keeps everything in memory, for tests and small tools.
class MemoryRecorder : public RunRecorder {
 public:
  void record_step(const store::StepRow& row) override { steps.push_back(row); }
  void record_eval(const store::EvalRow& row) override { evals.push_back(row); }
  void record_layer_grads(const std::vector<store::LayerGradRow>& rows) override {
    layer_grads.insert(layer_grads.end(), rows.begin(), rows.end());
  }
  void record_sample(const store::SampleRow& row) override { samples.push_back(row); }

  std::vector<store::StepRow> steps;
  std::vector<store::EvalRow> evals;
  std::vector<store::LayerGradRow> layer_grads;
  std::vector<store::SampleRow> samples;
};

}  // namespace gansweep
