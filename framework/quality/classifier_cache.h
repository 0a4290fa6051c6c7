// The trained classifier on disk: one file per (training set, recipe), named
// by a content hash, written once and read by every later process. Also the
// atomic archive writer the reference statistics share.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "data/fashion_mnist.h"
#include "quality/classifier.h"
#include "quality/classifier_recipe.h"

namespace gansweep::quality {

// A cache file that cannot be written, read or trusted; the message names
// the file.
class QualityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CachedClassifier {
  FashionClassifier model{nullptr};  // in evaluation mode
  std::string key;                   // 16 hex digits, see classifier_key
  std::filesystem::path path;
  double test_accuracy = 0;  // on the test split, measured right after training
  double train_seconds = 0;  // how long training took, whenever it happened
  bool loaded_from_cache = false;
};

// XXH3 of the recipe text and of the training set's content as decoded
// (counts, every pixel and label), so a gzipped and a plain copy of the same
// files share a classifier, and a changed file or recipe gets a new one.
std::string classifier_key(const data::ImageSet& train, const ClassifierRecipe& recipe);

// <cache_dir>/fashion-classifier-<key>.pt
std::filesystem::path classifier_path(const std::filesystem::path& cache_dir,
                                      const std::string& key);

// Loads the classifier for `train` (the training split of `data_dir`,
// already read) and `recipe` from `cache_dir`, or trains it, measures its
// accuracy on the test split of `data_dir` and writes it there (creating the
// folder). Throws QualityError for a cache file that cannot be written or
// read, data::DataError for a missing test split.
// `on_training`, when set, is called with a line just before training.
CachedClassifier load_or_train_classifier(
    const std::filesystem::path& data_dir, const data::ImageSet& train,
    const std::filesystem::path& cache_dir, const ClassifierRecipe& recipe,
    const std::function<void(const std::string&)>& on_training = {});

// Writes `archive` to `path` through a temporary file in the same folder and
// a rename, so a reader never sees half a file and two processes writing the
// same file leave one whole copy. Creates the folder. Throws QualityError.
void save_archive_atomically(torch::serialize::OutputArchive& archive,
                             const std::filesystem::path& path);

}  // namespace gansweep::quality
