#include "quality/classifier_recipe.h"

#include <fmt/format.h>

namespace gansweep::quality {

std::string recipe_text(const ClassifierRecipe& recipe) {
  // {:.17g} keeps the rate exact, so two rates never share a text.
  return fmt::format("{} train_images={} epochs={} batch={} lr={:.17g} seed={} feature_width={}",
                     kClassifierRecipeVersion, recipe.train_images, recipe.epochs, recipe.batch,
                     recipe.lr, recipe.seed, recipe.feature_width);
}

}  // namespace gansweep::quality
