#include "cli/run_selection.h"

#include <algorithm>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "util/text.h"

namespace gansweep::cli {

std::vector<std::string> select_keys(const std::vector<std::string>& known,
                                     const std::vector<std::string>& typed,
                                     const std::string& option) {
  std::vector<std::string> selected;
  for (const std::string& want : typed) {
    std::vector<std::string> matches;
    for (const std::string& key : known) {
      if (key == want) {
        matches = {key};
        break;
      }
      if (!want.empty() && key.compare(0, want.size(), want) == 0) matches.push_back(key);
    }
    if (matches.empty()) {
      throw CLI::ValidationError(
          option, fmt::format("{} is not a run key here ({} runs; `gansweep status` lists them)",
                              quote_for_message(want), known.size()));
    }
    if (matches.size() > 1) {
      throw CLI::ValidationError(
          option,
          fmt::format("{} matches {} runs ({}, {}{}); give more of it", quote_for_message(want),
                      matches.size(), matches[0], matches[1], matches.size() > 2 ? ", ..." : ""));
    }
    if (std::find(selected.begin(), selected.end(), matches[0]) == selected.end()) {
      selected.push_back(matches[0]);
    }
  }
  return selected;
}

std::vector<std::string> select_runs(const SweepPlan& plan, const std::vector<std::string>& typed,
                                     const std::string& option) {
  std::vector<std::string> known;
  known.reserve(plan.runs.size());
  for (const auto& run : plan.runs) known.push_back(run.run_key);
  return select_keys(known, typed, option);
}

}  // namespace gansweep::cli
