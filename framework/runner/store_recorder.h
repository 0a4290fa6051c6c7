// Connects a training run to the result database: rows go into the store's
// buffers, which write them in batched transactions.
#pragma once

#include <string>
#include <vector>

#include "store/result_store.h"
#include "train/run_recorder.h"

namespace gansweep {

class StoreRecorder : public RunRecorder {
 public:
  StoreRecorder(store::ResultStore& store, std::string run_key)
      : store_(store), run_key_(std::move(run_key)) {}

  void record_step(const store::StepRow& row) override { store_.append_step(run_key_, row); }
  void record_eval(const store::EvalRow& row) override { store_.append_eval(run_key_, row); }
  void record_layer_grads(const std::vector<store::LayerGradRow>& rows) override {
    store_.append_layer_grads(run_key_, rows);
  }
  void record_sample(const store::SampleRow& row) override { store_.append_sample(run_key_, row); }
  void flush() override { store_.flush(); }

 private:
  store::ResultStore& store_;
  std::string run_key_;
};

}  // namespace gansweep
