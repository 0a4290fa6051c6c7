#include "models/model_factory.h"

#include <ATen/CPUGeneratorImpl.h>

#include "models/dcgan.h"
#include "models/init.h"
#include "models/mlp.h"
#include "util/seed_tree.h"

namespace gansweep {

GanPair build_models(const Experiment& e, const torch::Device& device) {
  const bool images = !is_toy_data(e.data_kind);
  GanPair pair;
  if (e.model_kind == ModelKind::kMlp) {
    const std::int64_t sample_features = images ? 28 * 28 : 2;
    pair.generator = std::make_shared<MlpGenerator>(
        MlpOptions{e.z_dim, e.hidden, e.depth, sample_features}, images);
    pair.discriminator = std::make_shared<MlpDiscriminator>(
        MlpOptions{sample_features, e.hidden, e.depth, 1}, /*leaky=*/images);
  } else {
    DcganOptions options;
    options.z_dim = e.z_dim;
    options.width = e.width;
    options.batch_norm = !loss_forbids_batch_norm(e.loss);
    pair.generator = std::make_shared<DcganGenerator>(options);
    pair.discriminator = std::make_shared<DcganDiscriminator>(options);
  }

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

}  // namespace gansweep
