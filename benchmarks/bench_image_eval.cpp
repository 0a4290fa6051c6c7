// Cost of one evaluation of a Fashion-MNIST run of
// experiments/fashion_mnist_ns_vs_mm.yaml (DCGAN width 16, z_dim 64), on one
// thread: the generator's pass over the fixed noise batch and the stored
// samples alone, then with the image scores over log.eval_samples images
// (a classifier pass, feature statistics, Frechet distance, coverage).
//   build/bin/bench_image_eval
// The classifier here is freshly initialised, not trained: what it costs
// does not depend on its weights, and no benchmark should train one.
#include <benchmark/benchmark.h>

#include "config/sweep_plan.h"
#include "quality/image_quality.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

Experiment image_run(std::int64_t eval_samples) {
  const std::string yaml =
      "data: {kind: fashion_mnist}\nmodel: {kind: dcgan, width: 16, z_dim: 64}\n"
      "log: {sample_count: 64, eval_samples: " +
      std::to_string(eval_samples) + "}\n";
  return plan_sweep(parse_sweep_definition(yaml, "bench.yaml")).runs.at(0).experiment;
}

std::shared_ptr<const quality::ImageQuality> untrained_quality() {
  quality::CachedClassifier classifier;
  classifier.model = quality::FashionClassifier(64);
  classifier.model->eval();
  quality::ReferenceStatistics reference;
  reference.train = quality::feature_statistics(torch::rand({1000, 64}));
  return std::make_shared<const quality::ImageQuality>(classifier, reference);
}

void BM_EvaluateSamplesOnly(benchmark::State& state) {
  at::set_num_threads(1);
  Trainer trainer(image_run(1000), {});
  NullRecorder recorder;
  for (auto _ : state) trainer.evaluate(0, recorder);
}

void BM_EvaluateWithImageScores(benchmark::State& state) {
  at::set_num_threads(1);
  TrainOptions options;
  options.image_quality = untrained_quality();
  Trainer trainer(image_run(state.range(0)), options);
  NullRecorder recorder;
  for (auto _ : state) trainer.evaluate(0, recorder);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_EvaluateSamplesOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateWithImageScores)->Arg(1000)->Arg(2500)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
