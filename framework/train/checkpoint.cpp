// Checkpoints of a training run: what Trainer::save_checkpoint writes and
// Trainer::resume_from reads (the file itself: checkpoint_file.h). One
// LibTorch archive holds the format version,
// the run key (so a checkpoint is never applied to other settings), the
// step, the phase, both networks, both optimizers and every random stream
// the run draws from. Nothing else influences the rows a run records, which
// is why a resumed CPU run continues bit for bit.

#include <string>

#include <fmt/format.h>

#include "train/checkpoint_file.h"
#include "train/trainer.h"

namespace gansweep {

std::int64_t read_checkpoint_step(const std::filesystem::path& path) {
  try {
    const std::string bytes = read_checkpoint_bytes(path);
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), torch::kCPU);
    torch::Tensor format;
    archive.read("format", format);
    if (!readable_format(format.item<std::int64_t>())) {
      throw CheckpointError(fmt::format(
          "{}: checkpoint format {} (this build reads formats {} "
          "and {})",
          path.string(), format.item<std::int64_t>(), kFormatWithoutPhase, kCheckpointFormat));
    }
    torch::Tensor steps;
    archive.read("steps_done", steps);
    return steps.item<std::int64_t>();
  } catch (const c10::Error& e) {
    throw CheckpointError(fmt::format("{}: not a readable checkpoint ({})", path.string(),
                                      e.what_without_backtrace()));
  }
}

void Trainer::save_checkpoint(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive;
  archive.write("format", int64_scalar(kCheckpointFormat));
  archive.write("run_key", c10::IValue(run_key_of(experiment_)));
  archive.write("steps_done", int64_scalar(steps_done_));
  archive.write("phase", int64_scalar(static_cast<std::int64_t>(phase_)));
  archive.write("seconds", torch::tensor({seconds_before_}, torch::kDouble));

  torch::serialize::OutputArchive generator;
  models_generator_->save(generator);
  archive.write("generator", generator);
  torch::serialize::OutputArchive discriminator;
  models_discriminator_->save(discriminator);
  archive.write("discriminator", discriminator);
  torch::serialize::OutputArchive optimizer_g;
  optimizer_g_->save(optimizer_g);
  archive.write("optimizer_g", optimizer_g);
  torch::serialize::OutputArchive optimizer_d;
  optimizer_d_->save(optimizer_d);
  archive.write("optimizer_d", optimizer_d);

  archive.write("noise_stream", noise_stream_.get_state());
  archive.write("penalty_stream", penalty_stream_.get_state());
  archive.write("data_state", real_data_->save_state());

  write_checkpoint_file(archive, path);
}

std::int64_t Trainer::resume_from(const std::filesystem::path& path) {
  const auto fail = [&](const std::string& why) {
    return CheckpointError(
        fmt::format("{}: cannot resume from this checkpoint: {}", path.string(), why));
  };
  torch::serialize::InputArchive archive;
  const std::string bytes = read_checkpoint_bytes(path);
  try {
    // Tensors go straight to the run's device (the optimizers' moments must
    // live beside their parameters); the random streams are CPU-only.
    archive.load_from(bytes.data(), bytes.size(), options_.device);
  } catch (const c10::Error& e) {
    throw fail(fmt::format("not a readable checkpoint ({})", e.what_without_backtrace()));
  }
  try {
    torch::Tensor format_tensor;
    archive.read("format", format_tensor);
    const std::int64_t format = format_tensor.item<std::int64_t>();
    if (!readable_format(format)) {
      throw fail(fmt::format("format {} (this build reads formats {} and {})", format,
                             kFormatWithoutPhase, kCheckpointFormat));
    }
    c10::IValue key;
    archive.read("run_key", key);
    const std::string expected_key = run_key_of(experiment_);
    if (!key.isString() || key.toStringRef() != expected_key) {
      throw fail(fmt::format("it belongs to run {}, not {}",
                             key.isString() ? key.toStringRef() : "?", expected_key));
    }
    torch::Tensor steps;
    archive.read("steps_done", steps);
    const std::int64_t steps_done = steps.item<std::int64_t>();
    if (steps_done < 0 || steps_done > experiment_.steps) {
      throw fail(fmt::format("step {} is outside the run's 0..{}", steps_done, experiment_.steps));
    }
    // The phase whose start (a fresh D) the saved state already has: that
    // of the last step done. Anything else is a bug or a damaged file.
    std::int64_t phase = 0;
    if (format == kCheckpointFormat) {
      torch::Tensor phase_tensor;
      archive.read("phase", phase_tensor);
      phase = phase_tensor.item<std::int64_t>();
    } else if (!experiment_.phases.empty()) {
      throw fail(fmt::format("format {} has no phase, and this run has phases", format));
    }
    const std::int64_t expected_phase =
        steps_done == 0 ? 0 : static_cast<std::int64_t>(phase_at(steps_done - 1));
    if (phase != expected_phase) {
      throw fail(fmt::format("it is in phase {} at step {}, where the run is in phase {}", phase,
                             steps_done, expected_phase));
    }
    torch::Tensor seconds;
    archive.read("seconds", seconds);

    // A fresh variable for every read: reading into a defined tensor
    // writes into it (keeping its type), which would garble the next one.
    const auto read_archive = [&](const char* key) {
      torch::serialize::InputArchive sub;
      archive.read(key, sub);
      return sub;
    };
    const auto read_tensor = [&](const char* key) {
      torch::Tensor tensor;
      archive.read(key, tensor);
      return tensor.to(torch::kCPU);
    };
    auto generator = read_archive("generator");
    models_generator_->load(generator);
    auto discriminator = read_archive("discriminator");
    models_discriminator_->load(discriminator);
    auto optimizer_g = read_archive("optimizer_g");
    optimizer_g_->load(optimizer_g);
    auto optimizer_d = read_archive("optimizer_d");
    optimizer_d_->load(optimizer_d);
    noise_stream_.set_state(read_tensor("noise_stream"));
    penalty_stream_.set_state(read_tensor("penalty_stream"));
    real_data_->load_state(read_tensor("data_state"));

    steps_done_ = steps_done;
    phase_ = static_cast<std::size_t>(phase);
    resumed_ = true;
    seconds_before_ = seconds.item<double>();
    return steps_done;
  } catch (const CheckpointError&) {
    throw;
  } catch (const c10::Error& e) {
    throw fail(e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw fail(e.what());
  }
}

}  // namespace gansweep
