#include "runner/run_groups.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace gansweep {

std::optional<std::string> stacking_signature(const Experiment& e) {
  if (e.model_kind != ModelKind::kMlp) return std::nullopt;
  // Phases (a frozen generator, a fresh discriminator) are not stacked.
  if (!e.phases.empty()) return std::nullopt;
  return fmt::format(
      "data={}:{} mlp={}x{} z={} steps={} batch={} g_steps={} device={} "
      "log={}/{}/{} eval_samples={} samples={} gradient_penalty={}",
      name_of(e.data_kind), e.data_path, e.hidden, e.depth, e.z_dim, e.steps, e.batch, e.g_steps,
      e.device, e.log_every, e.eval_every, e.layer_every, e.eval_samples, e.sample_count,
      e.loss == LossKind::kWassersteinGp);
}

std::string stacking_problem(const Experiment& a, const Experiment& b) {
  for (const Experiment* e : {&a, &b}) {
    if (e->model_kind != ModelKind::kMlp) {
      return fmt::format("run {} cannot be stacked: only MLP runs can (it is a {})", run_key_of(*e),
                         name_of(e->model_kind));
    }
    if (!e->phases.empty()) {
      return fmt::format("run {} cannot be stacked: it has train.phases", run_key_of(*e));
    }
  }
  const auto sa = stacking_signature(a);
  const auto sb = stacking_signature(b);
  if (sa == sb) return "";
  // The signature is "name=value" fields; name the first that differs.
  std::istringstream fa(*sa);
  std::istringstream fb(*sb);
  std::string x;
  std::string y;
  while (fa >> x && fb >> y) {
    if (x != y) {
      return fmt::format(
          "runs {} and {} cannot train as one stacked model: they differ in {} ({} against {})",
          run_key_of(a), run_key_of(b), x.substr(0, x.find('=')), x.substr(x.find('=') + 1),
          y.substr(y.find('=') + 1));
    }
  }
  return fmt::format("runs {} and {} cannot train as one stacked model", run_key_of(a),
                     run_key_of(b));
}

std::vector<std::vector<std::size_t>> form_stacked_groups(
    const std::vector<const Experiment*>& experiments, std::size_t max_group) {
  max_group = std::max<std::size_t>(1, max_group);
  std::vector<std::string> order;  // signatures in order of first appearance
  std::map<std::string, std::vector<std::size_t>> by_signature;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < experiments.size(); ++i) {
    const auto signature = stacking_signature(*experiments[i]);
    if (!signature) {
      groups.push_back({i});
      continue;
    }
    auto [it, added] = by_signature.try_emplace(*signature);
    if (added) order.push_back(*signature);
    it->second.push_back(i);
  }
  for (const auto& signature : order) {
    auto& members = by_signature[signature];
    // Runs with more D steps make the whole group take them (the others
    // wait, masked): grouping runs of equal d_steps wastes nothing.
    std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return experiments[a]->d_steps < experiments[b]->d_steps;
    });
    const std::size_t count = (members.size() + max_group - 1) / max_group;
    // Even sizes: 20 runs with at most 16 a group make 10 + 10, not 16 + 4.
    std::size_t begin = 0;
    for (std::size_t g = 0; g < count; ++g) {
      const std::size_t size = (members.size() - begin) / (count - g);
      groups.emplace_back(members.begin() + begin, members.begin() + begin + size);
      begin += size;
    }
  }
  return groups;
}

}  // namespace gansweep
