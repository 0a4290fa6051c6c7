#include "models/model_factory.h"

#include <ATen/CPUGeneratorImpl.h>

#include "models/dcgan.h"
#include "models/init.h"
#include "models/mlp.h"
#include "util/seed_tree.h"

namespace gansweep {

namespace {

DcganOptions dcgan_options(const Experiment& e) {
  DcganOptions options;
  options.z_dim = e.z_dim;
  options.width = e.width;
  options.batch_norm = !loss_forbids_batch_norm(e.loss);
  return options;
}

// The discriminator's layers, not yet initialised.
NetworkPtr make_discriminator(const Experiment& e) {
  const bool images = !is_toy_data(e.data_kind);
  if (e.model_kind == ModelKind::kMlp) {
    const std::int64_t sample_features = images ? 28 * 28 : 2;
    return std::make_shared<MlpDiscriminator>(MlpOptions{sample_features, e.hidden, e.depth, 1},
                                              /*leaky=*/images);
  }
  return std::make_shared<DcganDiscriminator>(dcgan_options(e));
}

}  // namespace

GanPair build_models(const Experiment& e, const torch::Device& device) {
  const bool images = !is_toy_data(e.data_kind);
  GanPair pair;
  if (e.model_kind == ModelKind::kMlp) {
    const std::int64_t sample_features = images ? 28 * 28 : 2;
    pair.generator = std::make_shared<MlpGenerator>(
        MlpOptions{e.z_dim, e.hidden, e.depth, sample_features}, images);
  } else {
    pair.generator = std::make_shared<DcganGenerator>(dcgan_options(e));
  }
  pair.discriminator = make_discriminator(e);

  at::Generator g_stream =
      at::detail::createCPUGenerator(derive_seed(e.seed, streams::kGeneratorInit));
  at::Generator d_stream =
      at::detail::createCPUGenerator(derive_seed(e.seed, streams::kDiscriminatorInit));
  initialize_parameters(*pair.generator, g_stream);
  initialize_parameters(*pair.discriminator, d_stream);
  pair.generator->to(device);
  pair.discriminator->to(device);
  return pair;
}

std::uint64_t fresh_discriminator_seed(std::uint64_t run_seed, std::size_t phase) {
  return derive_seed(derive_seed(run_seed, streams::kFreshDiscriminatorInit),
                     static_cast<std::uint64_t>(phase));
}

NetworkPtr build_fresh_discriminator(const Experiment& e, std::size_t phase,
                                     const torch::Device& device) {
  NetworkPtr discriminator = make_discriminator(e);
  at::Generator stream = at::detail::createCPUGenerator(fresh_discriminator_seed(e.seed, phase));
  initialize_parameters(*discriminator, stream);
  discriminator->to(device);
  return discriminator;
}

}  // namespace gansweep
