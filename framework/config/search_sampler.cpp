#include "config/search_sampler.h"

#include <algorithm>

#include <fmt/format.h>

#include "config/experiment.h"
#include "config/search_draws.h"
#include "util/seed_tree.h"

namespace gansweep {
namespace {

// A run's loss or model kind before it is resolved: as set by the file's
// fixed settings or grid, else the key's default. The search cannot draw
// these keys, so they are known before anything is drawn.
const std::string& kind_setting(const Assignment& settings, const std::string& path) {
  const auto it = settings.find(path);
  if (it != settings.end()) return std::get<std::string>(it->second.value);
  return std::get<std::string>(*find_parameter(path)->default_value);
}

ParamValue draw_value(const Distribution& distribution, RandomWords& words) {
  switch (distribution.kind) {
    case DistributionKind::kUniform:
      return draw_uniform(distribution.low, distribution.high, words);
    case DistributionKind::kLogUniform:
      return draw_log_uniform(distribution.low, distribution.high, words);
    case DistributionKind::kInteger:
      return draw_integer(distribution.integer_low, distribution.integer_high, words);
    case DistributionKind::kChoice: {
      const auto last = static_cast<std::int64_t>(distribution.choices.size()) - 1;
      return distribution.choices[static_cast<std::size_t>(draw_integer(0, last, words))];
    }
  }
  return ParamValue{};
}

}  // namespace

SearchSampler::SearchSampler(const SearchSpace& space, std::string file)
    : space_(space),
      file_(std::move(file)),
      search_seed_(derive_seed(space.seed, "search")),
      cell_seed_(derive_seed(search_seed_, "")) {
  for (const std::string& name : loss_names()) {
    const LossKind loss = *parse_loss_kind(name);
    std::vector<const Distribution*> distributions;
    for (const auto& distribution : space_.common) distributions.push_back(&distribution);
    for (const auto& group : space_.per_loss) {
      if (group.loss != loss) continue;
      for (const auto& own : group.distributions) {
        const auto same_key = std::find_if(distributions.begin(), distributions.end(),
                                           [&](const auto* d) { return d->path == own.path; });
        if (same_key != distributions.end()) {
          *same_key = &own;
        } else {
          distributions.push_back(&own);
        }
      }
    }
    const auto index = static_cast<std::size_t>(loss);
    if (by_loss_.size() <= index) by_loss_.resize(index + 1);
    by_loss_[index] = std::move(distributions);
  }
  losses_trained_.assign(by_loss_.size(), false);
}

void SearchSampler::start_cell(const std::vector<std::pair<std::string, ParamValue>>& cell) {
  // The cell is named by its values, not its place in the grid, so that
  // adding a value to an axis or reordering axes does not move the draws of
  // other cells. train.seed is left out: its runs repeat the same draws.
  std::vector<std::string> lines;
  for (const auto& [path, value] : cell) {
    if (path != "train.seed") lines.push_back(path + "=" + format_value(value));
  }
  std::sort(lines.begin(), lines.end());
  std::string name;
  for (const auto& line : lines) name += line + "\n";
  cell_seed_ = derive_seed(search_seed_, name);
}

std::vector<DrawnValue> SearchSampler::draw(std::int64_t sample, Assignment* settings) {
  const LossKind loss = *parse_loss_kind(kind_setting(*settings, "train.loss"));
  const ModelKind model = *parse_model_kind(kind_setting(*settings, "model.kind"));
  losses_trained_[static_cast<std::size_t>(loss)] = true;
  const std::uint64_t sample_seed = derive_seed(cell_seed_, static_cast<std::uint64_t>(sample));
  std::vector<DrawnValue> drawn;
  for (const Distribution* distribution : by_loss_[static_cast<std::size_t>(loss)]) {
    if (!run_reads_parameter(distribution->path, loss, model)) continue;
    RandomWords words(derive_seed(sample_seed, distribution->path));
    ParamValue value = draw_value(*distribution, words);

    // The bounds were checked against the key's range when the file was
    // read, so a drawn value outside it is a bug in the draws; it is still
    // reported as the file's problem rather than trained.
    const ParamSpec& spec = *find_parameter(distribution->path);
    if (spec.type == ParamType::kReal || spec.type == ParamType::kInteger) {
      const double number = std::holds_alternative<double>(value)
                                ? std::get<double>(value)
                                : static_cast<double>(std::get<std::int64_t>(value));
      if (const std::string problem = range_problem(spec, number); !problem.empty()) {
        throw ConfigError(file_, distribution->position, distribution->key_path,
                          fmt::format("sample {} drew {}, which is out of range: {}", sample,
                                      format_value(value), problem));
      }
    }

    (*settings)[distribution->path] = {value, distribution->position};
    drawn.push_back({distribution, std::move(value)});
    drawn_.insert(distribution);
  }
  return drawn;
}

void SearchSampler::check_every_distribution_drawn() const {
  const auto path_drawn = [&](const std::string& path) {
    return std::any_of(drawn_.begin(), drawn_.end(),
                       [&](const Distribution* d) { return d->path == path; });
  };
  // A common distribution replaced by a loss's own for every run is fine:
  // the key is drawn, only from another range.
  for (const auto& distribution : space_.common) {
    if (drawn_.count(&distribution) > 0 || path_drawn(distribution.path)) continue;
    throw ConfigError(file_, distribution.position, distribution.key_path,
                      fmt::format("is never drawn: no run of this sweep reads {} ({})",
                                  distribution.path, parameter_use_note(distribution.path)));
  }
  for (const auto& group : space_.per_loss) {
    if (!losses_trained_[static_cast<std::size_t>(group.loss)]) {
      throw ConfigError(file_, group.position, group.key_path,
                        fmt::format("no run of this sweep trains with {}, so these "
                                    "distributions would never be drawn; put {} on the grid or "
                                    "remove them",
                                    name_of(group.loss), name_of(group.loss)));
    }
    for (const auto& distribution : group.distributions) {
      if (drawn_.count(&distribution) > 0) continue;
      throw ConfigError(
          file_, distribution.position, distribution.key_path,
          fmt::format("is never drawn: no {} run of this sweep reads {} ({})", name_of(group.loss),
                      distribution.path, parameter_use_note(distribution.path)));
    }
  }
}

}  // namespace gansweep
