#include "quality/classifier_cache.h"

#include <chrono>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/process.h"
#include "util/stable_hash.h"

namespace gansweep::quality {
namespace {

std::string_view bytes_of(const torch::Tensor& contiguous) {
  return {static_cast<const char*>(contiguous.data_ptr()),
          static_cast<std::size_t>(contiguous.numel() * contiguous.element_size())};
}

std::string text_of(const c10::IValue& value) {
  return value.isString() ? value.toStringRef() : std::string();
}

CachedClassifier read_cached(const std::filesystem::path& path, const ClassifierRecipe& recipe) {
  CachedClassifier cached;
  cached.path = path;
  cached.loaded_from_cache = true;
  cached.model = FashionClassifier(recipe.feature_width);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue stored_recipe;
    archive.read("recipe", stored_recipe);
    if (text_of(stored_recipe) != recipe_text(recipe)) {
      throw QualityError(fmt::format(
          "{}: holds a classifier trained by '{}', expected '{}'; delete it to train it again",
          path.string(), text_of(stored_recipe), recipe_text(recipe)));
    }
    cached.model->load(archive);
    torch::Tensor accuracy;
    torch::Tensor seconds;
    archive.read("test_accuracy", accuracy);
    archive.read("train_seconds", seconds);
    cached.test_accuracy = accuracy.item<double>();
    cached.train_seconds = seconds.item<double>();
  } catch (const c10::Error& e) {
    throw QualityError(
        fmt::format("{}: cannot read the cached classifier ({}); delete it to train "
                    "it again",
                    path.string(), e.what_without_backtrace()));
  }
  cached.model->eval();
  return cached;
}

}  // namespace

std::string classifier_key(const data::ImageSet& train, const ClassifierRecipe& recipe) {
  const torch::Tensor images = train.images.to(torch::kCPU, torch::kUInt8).contiguous();
  const torch::Tensor labels = train.labels.to(torch::kCPU, torch::kLong).contiguous();
  const std::string content =
      fmt::format("{}\nimages {} {}\nlabels {} {}\n", recipe_text(recipe),
                  fmt::join(images.sizes(), "x"), stable_hash_hex(bytes_of(images)),
                  fmt::join(labels.sizes(), "x"), stable_hash_hex(bytes_of(labels)));
  return stable_hash_hex(content);
}

std::filesystem::path classifier_path(const std::filesystem::path& cache_dir,
                                      const std::string& key) {
  return cache_dir / ("fashion-classifier-" + key + ".pt");
}

void save_archive_atomically(torch::serialize::OutputArchive& archive,
                             const std::filesystem::path& path) {
  // The process id keeps two processes that train at once from writing into
  // one temporary file; each renames its own whole copy into place.
  const std::filesystem::path temporary = path.string() + fmt::format(".partial.{}", current_pid());
  try {
    std::filesystem::create_directories(path.parent_path());
    archive.save_to(temporary.string());
    std::filesystem::rename(temporary, path);
  } catch (const std::filesystem::filesystem_error& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw QualityError(fmt::format("{}: cannot write: {}", path.string(), e.what()));
  } catch (const c10::Error& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw QualityError(
        fmt::format("{}: cannot write: {}", path.string(), e.what_without_backtrace()));
  }
}

CachedClassifier load_or_train_classifier(
    const std::filesystem::path& data_dir, const data::ImageSet& train,
    const std::filesystem::path& cache_dir, const ClassifierRecipe& recipe,
    const std::function<void(const std::string&)>& on_training) {
  const std::string key = classifier_key(train, recipe);
  const std::filesystem::path path = classifier_path(cache_dir, key);
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    CachedClassifier cached = read_cached(path, recipe);
    cached.key = key;
    return cached;
  }

  if (on_training) {
    on_training(fmt::format(
        "training the Fashion-MNIST classifier that scores images ({}), once; it is cached "
        "as {}",
        recipe_text(recipe), path.string()));
  }
  CachedClassifier trained;
  trained.key = key;
  trained.path = path;
  const auto started = std::chrono::steady_clock::now();
  trained.model = train_classifier(train, recipe);
  trained.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  trained.test_accuracy =
      classifier_accuracy(trained.model, data::load_fashion_mnist(data_dir, data::Split::kTest));

  torch::serialize::OutputArchive archive;
  trained.model->save(archive);
  archive.write("recipe", c10::IValue(recipe_text(recipe)));
  archive.write("test_accuracy", torch::tensor(trained.test_accuracy, torch::kDouble));
  archive.write("train_seconds", torch::tensor(trained.train_seconds, torch::kDouble));
  save_archive_atomically(archive, path);
  return trained;
}

}  // namespace gansweep::quality
