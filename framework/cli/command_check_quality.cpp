// `gansweep check-quality` (hidden): checks the image quality instrument.
// Prints the classifier's test accuracy and the Frechet distance and class
// coverage of held-out images, degraded images and noise against the
// training set, each timed, so the README's numbers can be redone.
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "quality/quality_check.h"

namespace gansweep::cli {
namespace {

struct CheckQualityArguments {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string classifier_dir = "results/classifiers";
  std::int64_t samples = 1000;
  int threads = 1;
  quality::ClassifierRecipe recipe;
};

std::string number(double x) { return std::isnan(x) ? "" : fmt::format("{:.4g}", x); }

}  // namespace

void add_check_quality_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "check-quality",
      "Check the Fashion-MNIST image quality scores on real images, degraded images and noise");
  // Hidden from the help: a tool for checking gansweep, not for sweeps.
  command->group("");
  auto args = std::make_shared<CheckQualityArguments>();
  command->add_option("--data", args->data, "Folder with the Fashion-MNIST files")
      ->capture_default_str();
  command
      ->add_option("--classifier-dir", args->classifier_dir,
                   "Classifier cache (trained there when absent)")
      ->capture_default_str();
  command->add_option("--samples", args->samples, "Images per case")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  // Other recipes train classifiers of their own (the recipe is part of the
  // cache file's name); runs are always scored with the default one.
  command
      ->add_option("--train-images", args->recipe.train_images, "Recipe: training images (0: all)")
      ->capture_default_str();
  command->add_option("--epochs", args->recipe.epochs, "Recipe: epochs")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option("--threads", args->threads, "LibTorch threads for scoring")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command->callback([&exit_code, args] {
    quality::QualityCheckOptions options;
    options.data_dir = args->data;
    options.cache_dir = args->classifier_dir;
    options.samples = args->samples;
    options.threads = args->threads;
    options.recipe = args->recipe;
    const auto report = quality::check_image_quality(
        options, [](const std::string& line) { fmt::print(stderr, "gansweep: {}\n", line); });

    fmt::print(
        "classifier: {} ({})\n", report.classifier_path.string(),
        report.classifier_from_cache
            ? fmt::format("from the cache; training took {:.1f} s", report.classifier_train_seconds)
            : fmt::format("trained now in {:.1f} s", report.classifier_train_seconds));
    fmt::print("recipe: {}\n", report.recipe);
    fmt::print("test accuracy: {:.4f}\n", report.test_accuracy);
    fmt::print("training-set statistics: {} ({} in {:.2f} s)\n", report.reference_path.string(),
               report.reference_from_cache ? "loaded" : "computed", report.reference_seconds);
    fmt::print(
        "\nAgainst the training set, on {} thread{}: Frechet distance in the classifier's "
        "features (lower is better), classes covered (of 10), KL of the predicted classes "
        "from uniform, and the time to score:\n",
        args->threads, args->threads == 1 ? "" : "s");
    Table table;
    table.set_header({"images", "n", "frechet_distance", "classes_covered", "class_kl", "ms"});
    for (const auto& c : report.cases) {
      table.add_row({c.name, std::to_string(c.images), number(c.frechet_distance),
                     number(c.classes_covered), number(c.class_kl),
                     fmt::format("{:.0f}", c.seconds * 1000)});
    }
    table.print(stdout);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
