// Draws a search's values for the runs of a sweep. Each value comes from a
// random stream of its own, named by the search seed, the grid cell's values
// other than train.seed, the sample's number and the key:
//   derive_seed(derive_seed(derive_seed(derive_seed(seed, "search"),
//               cell), sample), key)
// so runs that differ only in train.seed share their draws (seeds are
// paired), a value depends neither on the order of the file nor on which
// other keys are drawn, and a value added to a grid axis leaves the draws of
// the existing cells as they were.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/search_space.h"
#include "config/sweep_definition.h"

namespace gansweep {

struct DrawnValue {
  const Distribution* distribution = nullptr;
  ParamValue value;
};

class SearchSampler {
 public:
  // `space` must outlive the sampler.
  SearchSampler(const SearchSpace& space, std::string file);

  // Starts a grid cell, given as (path, value) of each key on the grid.
  void start_cell(const std::vector<std::pair<std::string, ParamValue>>& cell);

  // Draws sample `sample` of the current cell for a run whose base and grid
  // settings are `settings`, and writes the values there, each at the
  // position of its distribution. Only keys the run reads are drawn: a loss's
  // own distribution (per_loss) replaces the common one for the same key.
  // Returns the values drawn, in file order.
  std::vector<DrawnValue> draw(std::int64_t sample, Assignment* settings);

  // Throws ConfigError for a distribution that no run of the sweep drew:
  // a key no run reads, or the distributions of a loss that no run trains.
  void check_every_distribution_drawn() const;

 private:
  const SearchSpace& space_;
  std::string file_;
  std::uint64_t search_seed_;
  std::uint64_t cell_seed_;
  // Per loss (by LossKind's value), the distributions its runs draw from.
  std::vector<std::vector<const Distribution*>> by_loss_;
  std::unordered_set<const Distribution*> drawn_;
  std::vector<bool> losses_trained_;  // by LossKind's value: runs drew for it
};

}  // namespace gansweep
