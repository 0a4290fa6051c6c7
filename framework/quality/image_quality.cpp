#include "quality/image_quality.h"

#include <chrono>
#include <map>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "quality/prepare_image_quality.h"
#include "train/trainer.h"
#include "util/stable_hash.h"

namespace gansweep::quality {
namespace {

// Raise when the way the statistics are computed changes.
constexpr const char* kReferenceVersion = "fashion-train-statistics-v1";

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

ImageQuality::ImageQuality(CachedClassifier classifier, ReferenceStatistics reference,
                           CoverageOptions coverage)
    : classifier_(std::move(classifier)), reference_(std::move(reference)), coverage_(coverage) {}

FeatureStatistics ImageQuality::statistics(const torch::Tensor& images) const {
  // A copy of the module holder shares the weights; inference changes none.
  FashionClassifier model = classifier_.model;
  return feature_statistics(classify(model, images.to(torch::kCPU)).features);
}

ImageScores ImageQuality::score(const torch::Tensor& images) const {
  const torch::Tensor cpu = images.to(torch::kCPU, torch::kFloat);
  ImageScores scores;
  if (!torch::isfinite(cpu).all().item<bool>()) return scores;
  FashionClassifier model = classifier_.model;
  const ClassifierOutputs outputs = classify(model, cpu);
  scores.frechet_distance =
      frechet_distance(feature_statistics(outputs.features), reference_.train);
  const ClassCoverage coverage = class_coverage(outputs.probabilities, coverage_);
  scores.classes_covered = coverage.classes_covered;
  scores.class_kl = coverage.class_kl;
  return scores;
}

std::filesystem::path reference_path(const std::filesystem::path& cache_dir,
                                     const std::string& classifier_key) {
  const std::string key = stable_hash_hex(std::string(kReferenceVersion) + "\n" + classifier_key);
  return cache_dir / ("fashion-train-statistics-" + key + ".pt");
}

ReferenceStatistics load_or_compute_reference(const CachedClassifier& classifier,
                                              const data::ImageSet& train,
                                              const std::filesystem::path& cache_dir) {
  const auto started = Clock::now();
  ReferenceStatistics reference;
  reference.path = reference_path(cache_dir, classifier.key);
  std::error_code error;
  if (std::filesystem::exists(reference.path, error)) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(reference.path.string());
      torch::Tensor count;
      archive.read("mean", reference.train.mean);
      archive.read("covariance", reference.train.covariance);
      archive.read("count", count);
      reference.train.count = count.item<std::int64_t>();
    } catch (const c10::Error& e) {
      throw QualityError(
          fmt::format("{}: cannot read the cached training-set statistics ({}); "
                      "delete it to compute them again",
                      reference.path.string(), e.what_without_backtrace()));
    }
    const std::int64_t width = classifier.model->feature_width();
    if (reference.train.mean.sizes() != torch::IntArrayRef{width} ||
        reference.train.covariance.sizes() != torch::IntArrayRef{width, width}) {
      throw QualityError(
          fmt::format("{}: statistics of the wrong width for a classifier of {} "
                      "features; delete it to compute them again",
                      reference.path.string(), width));
    }
    reference.loaded_from_cache = true;
    reference.seconds = seconds_since(started);
    return reference;
  }

  {
    // One thread, as in training: the cached numbers then do not depend on
    // the core count of the machine that happened to compute them first.
    SingleThreadScope one_thread;
    FashionClassifier model = classifier.model;
    reference.train =
        feature_statistics(classify(model, data::to_unit_range(train.images)).features);
  }
  torch::serialize::OutputArchive archive;
  archive.write("mean", reference.train.mean);
  archive.write("covariance", reference.train.covariance);
  archive.write("count", torch::tensor(reference.train.count, torch::kLong));
  archive.write("classifier", c10::IValue(classifier.key));
  save_archive_atomically(archive, reference.path);
  reference.seconds = seconds_since(started);
  return reference;
}

std::shared_ptr<const ImageQuality> shared_image_quality(
    const std::filesystem::path& data_dir, const data::ImageSet& train,
    const std::filesystem::path& cache_dir, const ClassifierRecipe& recipe,
    const std::function<void(const std::string&)>& on_training) {
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::string, std::string>,
                  std::shared_ptr<const ImageQuality>>
      cache;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(data_dir.string(), cache_dir.string(), recipe_text(recipe));
  auto it = cache.find(key);
  if (it == cache.end()) {
    CachedClassifier classifier =
        load_or_train_classifier(data_dir, train, cache_dir, recipe, on_training);
    ReferenceStatistics reference = load_or_compute_reference(classifier, train, cache_dir);
    it = cache
             .emplace(key, std::make_shared<const ImageQuality>(std::move(classifier),
                                                                std::move(reference)))
             .first;
  }
  return it->second;
}

std::string prepare_image_quality(const std::filesystem::path& data_dir,
                                  const std::filesystem::path& cache_dir,
                                  const ClassifierRecipe& recipe,
                                  const std::function<void(const std::string&)>& on_training) {
  const auto quality = shared_image_quality(data_dir, preload_training_images(data_dir.string()),
                                            cache_dir, recipe, on_training);
  const CachedClassifier& classifier = quality->classifier();
  return fmt::format(
      "image quality: classifier {} ({}, test accuracy {:.4f}); training-set statistics {} ({})",
      classifier.path.string(),
      classifier.loaded_from_cache ? "from the cache"
                                   : fmt::format("trained in {:.0f} s", classifier.train_seconds),
      classifier.test_accuracy, quality->reference().path.string(),
      quality->reference().loaded_from_cache ? "loaded" : "computed");
}

}  // namespace gansweep::quality
