#include "train/evaluation.h"

#include <algorithm>

#include "data/toy_quality.h"
#include "quality/image_quality.h"

namespace gansweep {

std::int64_t evaluation_sample_count(const Experiment& experiment, bool scored) {
  return scored ? std::max(experiment.eval_samples, experiment.sample_count)
                : experiment.sample_count;
}

void record_evaluation(const Experiment& experiment, const torch::Tensor& samples,
                       const data::ToyMixture* mixture, const quality::ImageQuality* image_quality,
                       std::int64_t steps_done, RunRecorder& recorder) {
  if (mixture != nullptr) {
    const auto quality =
        data::evaluate_toy_quality(samples.narrow(0, 0, experiment.eval_samples), *mixture);
    store::EvalRow row;
    row.step = steps_done;
    row.modes_covered = quality.modes_covered;
    row.high_quality_fraction = quality.high_quality_fraction;
    row.mode_kl = quality.mode_kl;
    recorder.record_eval(row);
  }
  if (mixture == nullptr && image_quality != nullptr) {
    const quality::ImageScores scores =
        image_quality->score(samples.narrow(0, 0, experiment.eval_samples));
    store::EvalRow row;
    row.step = steps_done;
    row.frechet_distance = scores.frechet_distance;
    row.classes_covered = scores.classes_covered;
    row.class_kl = scores.class_kl;
    recorder.record_eval(row);
  }
  if (experiment.sample_count > 0) {
    const torch::Tensor kept =
        samples.narrow(0, 0, experiment.sample_count).to(torch::kFloat).contiguous();
    store::SampleRow sample;
    sample.step = steps_done;
    sample.shape.assign(kept.sizes().begin(), kept.sizes().end());
    sample.values.assign(kept.data_ptr<float>(), kept.data_ptr<float>() + kept.numel());
    recorder.record_sample(sample);
  }
}

}  // namespace gansweep
