// Readying the image quality instrument before a sweep's run processes
// start: the classifier is trained (about a minute, once per cache folder)
// and the training set's statistics computed here, in one process, so that
// parallel runs find them cached instead of each training its own.
// Torch-free, for the command line; defined in image_quality.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "quality/classifier_recipe.h"

namespace gansweep::quality {

// Returns a line saying which classifier and statistics are in use. Throws
// QualityError, data::DataError. `on_training` hears a line before a
// classifier is trained rather than loaded.
std::string prepare_image_quality(const std::filesystem::path& data_dir,
                                  const std::filesystem::path& cache_dir,
                                  const ClassifierRecipe& recipe,
                                  const std::function<void(const std::string&)>& on_training);

}  // namespace gansweep::quality
