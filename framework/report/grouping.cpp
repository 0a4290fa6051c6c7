#include "report/grouping.h"

namespace gansweep::report {

std::vector<std::string> grouping_settings(const query::RunTable& runs) {
  std::vector<std::string> by{"train.loss", "train.lr", "train.d_steps"};
  for (const auto& path : runs.settings) {
    if (path != "train.loss" && path != "train.lr" && path != "train.d_steps" &&
        path != "train.seed") {
      by.push_back(path);
    }
  }
  return by;
}

}  // namespace gansweep::report
