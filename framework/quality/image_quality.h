// Image quality of generated Fashion-MNIST samples, the image counterpart of
// the toy data's mode coverage: the Frechet distance between the samples and
// the training set in the classifier's feature space (lower is better), and
// class coverage. The training set's feature statistics are computed once
// per classifier and cached beside it.
//
// Threading: score() only runs inference and changes no state; one object
// serves every run of a process, one after another.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "data/fashion_mnist.h"
#include "quality/class_coverage.h"
#include "quality/classifier_cache.h"
#include "quality/classifier_recipe.h"
#include "quality/frechet_distance.h"

namespace gansweep::quality {

struct ImageScores {
  // Empty when a sample is NaN or infinite.
  std::optional<double> frechet_distance;
  std::optional<double> classes_covered;
  std::optional<double> class_kl;
};

struct ReferenceStatistics {
  FeatureStatistics train;  // every training image
  std::filesystem::path path;
  bool loaded_from_cache = false;
  double seconds = 0;  // computing or loading them
};

class ImageQuality {
 public:
  ImageQuality(CachedClassifier classifier, ReferenceStatistics reference,
               CoverageOptions coverage = {});

  // `images`: (N, 1, 28, 28) in [-1, 1], N >= 2, on any device.
  ImageScores score(const torch::Tensor& images) const;

  // The statistics of `images` in the classifier's feature space.
  FeatureStatistics statistics(const torch::Tensor& images) const;

  const CachedClassifier& classifier() const { return classifier_; }
  const ReferenceStatistics& reference() const { return reference_; }

 private:
  CachedClassifier classifier_;
  ReferenceStatistics reference_;
  CoverageOptions coverage_;
};

// <cache_dir>/fashion-train-statistics-<hash of the classifier's key>.pt
std::filesystem::path reference_path(const std::filesystem::path& cache_dir,
                                     const std::string& classifier_key);

// Loads the training set's feature statistics for `classifier` from
// `cache_dir`, or computes them over all of `train` (on one thread) and
// writes them there. Throws QualityError.
ReferenceStatistics load_or_compute_reference(const CachedClassifier& classifier,
                                              const data::ImageSet& train,
                                              const std::filesystem::path& cache_dir);

// The classifier and reference statistics for the training split of
// `data_dir` (`train`, already read) under `recipe`, loaded from or written
// to `cache_dir`; built on the first call for these arguments and shared by
// every later call in this process. `on_training`, when set, hears a line
// before the classifier is trained (a minute or two) rather than loaded.
// Throws QualityError, data::DataError.
std::shared_ptr<const ImageQuality> shared_image_quality(
    const std::filesystem::path& data_dir, const data::ImageSet& train,
    const std::filesystem::path& cache_dir, const ClassifierRecipe& recipe,
    const std::function<void(const std::string&)>& on_training = {});

}  // namespace gansweep::quality
