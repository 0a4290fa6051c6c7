// What an evaluation records for one run, from the generator's samples on the
// run's fixed evaluation noise: toy-data quality (modes, high-quality
// fraction, KL), image quality (Frechet distance, class coverage) when an
// ImageQuality is given, and the kept samples. Shared by the trainer of one
// run and the stacked trainer, so both store exactly the same rows.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "config/experiment.h"
#include "data/real_data.h"
#include "train/run_recorder.h"

namespace gansweep {

namespace quality {
class ImageQuality;
}  // namespace quality

// `samples` is (N, ...) on the CPU, N >= the experiment's eval_samples and
// sample_count. `mixture` is the run's toy mixture (null for images).
void record_evaluation(const Experiment& experiment, const torch::Tensor& samples,
                       const data::ToyMixture* mixture, const quality::ImageQuality* image_quality,
                       std::int64_t steps_done, RunRecorder& recorder);

// How many evaluation samples a run draws: enough to score (toy data, or
// images with an ImageQuality) and to keep its sample_count.
std::int64_t evaluation_sample_count(const Experiment& experiment, bool scored);

}  // namespace gansweep
