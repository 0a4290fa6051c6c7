// The named choices a sweep file can make (losses, data, models, devices),
// with their spellings in sweep files. Torch-free, so that the config layer
// and the store can use them without LibTorch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gansweep {

enum class LossKind {
  kMinimax,        // saturating: G minimises E log(1 - D(G(z)))
  kNonSaturating,  // G minimises -E log D(G(z))
  kLeastSquares,   // Mao et al. 2017, on raw outputs
  kWassersteinGp,  // Gulrajani et al. 2017
  kHinge,
};

enum class DataKind { kRing8, kGrid25, kFashionMnist };
enum class ModelKind { kMlp, kDcgan };

std::string_view name_of(LossKind kind);
std::string_view name_of(DataKind kind);
std::string_view name_of(ModelKind kind);

std::optional<LossKind> parse_loss_kind(std::string_view name);
std::optional<DataKind> parse_data_kind(std::string_view name);
std::optional<ModelKind> parse_model_kind(std::string_view name);

std::vector<std::string> loss_names();
std::vector<std::string> data_names();
std::vector<std::string> model_names();

// Whether the discriminator of this loss is a critic without batch norm:
// the gradient penalty is per sample, and batch norm would couple samples.
bool loss_forbids_batch_norm(LossKind kind);

bool is_toy_data(DataKind kind);

// Why a device setting is malformed ("" when it is auto, cpu, cuda or
// cuda:N). Whether that device exists is checked when a sweep starts.
std::string device_setting_problem(const std::string& setting);

}  // namespace gansweep
