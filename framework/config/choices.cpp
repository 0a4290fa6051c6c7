#include "config/choices.h"

#include <algorithm>
#include <array>
#include <utility>

#include "util/text.h"

namespace gansweep {
namespace {

constexpr std::array<std::pair<LossKind, std::string_view>, 5> kLossNames{{
    {LossKind::kMinimax, "minimax"},
    {LossKind::kNonSaturating, "non_saturating"},
    {LossKind::kLeastSquares, "least_squares"},
    {LossKind::kWassersteinGp, "wasserstein_gp"},
    {LossKind::kHinge, "hinge"},
}};
constexpr std::array<std::pair<DataKind, std::string_view>, 3> kDataNames{{
    {DataKind::kRing8, "ring8"},
    {DataKind::kGrid25, "grid25"},
    {DataKind::kFashionMnist, "fashion_mnist"},
}};
constexpr std::array<std::pair<ModelKind, std::string_view>, 2> kModelNames{{
    {ModelKind::kMlp, "mlp"},
    {ModelKind::kDcgan, "dcgan"},
}};

template <typename Kind, std::size_t N>
std::string_view find_name(const std::array<std::pair<Kind, std::string_view>, N>& table,
                           Kind kind) {
  for (const auto& [k, name] : table) {
    if (k == kind) return name;
  }
  return "?";
}

template <typename Kind, std::size_t N>
std::optional<Kind> find_kind(const std::array<std::pair<Kind, std::string_view>, N>& table,
                              std::string_view name) {
  for (const auto& [k, n] : table) {
    if (n == name) return k;
  }
  return std::nullopt;
}

template <typename Kind, std::size_t N>
std::vector<std::string> all_names(const std::array<std::pair<Kind, std::string_view>, N>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.second);
  return names;
}

}  // namespace

std::string_view name_of(LossKind kind) { return find_name(kLossNames, kind); }
std::string_view name_of(DataKind kind) { return find_name(kDataNames, kind); }
std::string_view name_of(ModelKind kind) { return find_name(kModelNames, kind); }

std::optional<LossKind> parse_loss_kind(std::string_view name) {
  return find_kind(kLossNames, name);
}
std::optional<DataKind> parse_data_kind(std::string_view name) {
  return find_kind(kDataNames, name);
}
std::optional<ModelKind> parse_model_kind(std::string_view name) {
  return find_kind(kModelNames, name);
}

std::vector<std::string> loss_names() { return all_names(kLossNames); }
std::vector<std::string> data_names() { return all_names(kDataNames); }
std::vector<std::string> model_names() { return all_names(kModelNames); }

bool loss_forbids_batch_norm(LossKind kind) { return kind == LossKind::kWassersteinGp; }

bool is_toy_data(DataKind kind) { return kind != DataKind::kFashionMnist; }

std::string device_setting_problem(const std::string& setting) {
  if (setting == "auto" || setting == "cpu" || setting == "cuda") return "";
  if (setting.rfind("cuda:", 0) == 0) {
    const std::string index = setting.substr(5);
    const bool digits =
        !index.empty() && index.size() <= 3 &&
        std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; });
    return digits ? "" : quote_for_message(setting) + " is not cuda:N with N a device number";
  }
  return "unknown device " + quote_for_message(setting) + "; expected auto, cpu, cuda or cuda:N";
}

}  // namespace gansweep
