// How the Fashion-MNIST classifier behind the image quality scores is
// trained. The recipe's text is part of the cached classifier's file name,
// so changing any field (or kClassifierRecipeVersion, when the code that
// trains changes) trains a new classifier instead of reusing an old one.
// Torch-free, so runner and CLI options can carry a recipe.
#pragma once

#include <cstdint>
#include <string>

namespace gansweep::quality {

// Raise when the architecture or the training code changes in a way the
// fields below do not capture.
inline constexpr const char* kClassifierRecipeVersion = "fashion-classifier-v1";

// The defaults train on all 60000 images for 3 epochs: about a minute on
// one core of a small machine, for 0.89-0.90 test accuracy (2 epochs: 0.885,
// 4: 0.902, 30000 images for 2: 0.868).
struct ClassifierRecipe {
  // The first this-many images of a fixed shuffle of the training set; 0 or
  // more than the set holds means all of them.
  std::int64_t train_images = 0;
  std::int64_t epochs = 3;
  std::int64_t batch = 64;
  double lr = 1e-3;  // Adam, betas (0.9, 0.999)
  std::uint64_t seed = 20170825;
  // Width of the penultimate layer, the feature space of the Frechet
  // distance.
  std::int64_t feature_width = 64;
};

// One line naming every field and the recipe version, e.g.
// "fashion-classifier-v1 train_images=0 epochs=3 ...".
std::string recipe_text(const ClassifierRecipe& recipe);

}  // namespace gansweep::quality
