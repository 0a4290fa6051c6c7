// What `gansweep check-quality` measures: whether the image quality scores
// behave as an instrument should. Real images held out from training must
// score close to the training set, noise far from it, and a single class
// must cover one class. Torch-free, so the command-line front end can call
// it; the work happens in the engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "quality/classifier_recipe.h"

namespace gansweep::quality {

struct QualityCheckOptions {
  std::filesystem::path data_dir;   // the four Fashion-MNIST files
  std::filesystem::path cache_dir;  // classifier cache (trained there if absent)
  ClassifierRecipe recipe;
  std::int64_t samples = 1000;  // images per case, as an evaluation scores
  std::uint64_t seed = 0;       // which random images and noise
  int threads = 1;              // LibTorch intra-op threads while scoring
};

struct QualityCheckCase {
  std::string name;
  std::int64_t images = 0;
  double frechet_distance = 0;
  double classes_covered = 0;
  double class_kl = 0;
  double seconds = 0;  // scoring them: classifier pass, statistics, distance
};

struct QualityCheckReport {
  std::string recipe;
  std::filesystem::path classifier_path;
  bool classifier_from_cache = false;
  double classifier_train_seconds = 0;  // when it was trained, now or before
  double test_accuracy = 0;             // measured now, on the whole test split
  std::filesystem::path reference_path;
  bool reference_from_cache = false;
  double reference_seconds = 0;
  std::vector<QualityCheckCase> cases;
};

// Loads (or trains) the classifier and the training-set statistics, then
// scores each case against the training set. Throws data::DataError for
// missing data, QualityError for a cache that cannot be used.
QualityCheckReport check_image_quality(
    const QualityCheckOptions& options,
    const std::function<void(const std::string&)>& on_training = {});

}  // namespace gansweep::quality
