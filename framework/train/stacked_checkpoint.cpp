// Checkpoints of a stacked group: what StackedTrainer::save_checkpoint
// writes and resume_from reads. Like a single run's (checkpoint.cpp), the
// archive holds everything that influences the rows: both stacked networks,
// both optimisers, and each run's random streams and data position, plus
// which runs still train and how the others ended. The group's run keys, in
// order, make sure it is loaded only into the same group.
#include <string>

#include <fmt/format.h>

#include "train/checkpoint_file.h"
#include "train/stacked_trainer.h"

namespace gansweep {
namespace {

std::string group_keys(const std::vector<Experiment>& runs) {
  std::string keys;
  for (const auto& e : runs) keys += (keys.empty() ? "" : ",") + run_key_of(e);
  return keys;
}

}  // namespace

void StackedTrainer::save_checkpoint(const std::filesystem::path& path) const {
  const auto count = static_cast<std::int64_t>(runs_.size());
  torch::serialize::OutputArchive archive;
  archive.write("format", int64_scalar(kCheckpointFormat));
  archive.write("run_key", c10::IValue("stack:" + group_keys(runs_)));
  archive.write("steps_done", int64_scalar(steps_done_));
  archive.write("seconds", torch::tensor({seconds_before_}, torch::kDouble));
  archive.write("generator", generator_->parameters().detach());
  archive.write("discriminator", discriminator_->parameters().detach());
  archive.write("generator_m", optimizer_g_->first_moments());
  archive.write("generator_v", optimizer_g_->second_moments());
  archive.write("generator_steps", optimizer_g_->step_counts());
  archive.write("discriminator_m", optimizer_d_->first_moments());
  archive.write("discriminator_v", optimizer_d_->second_moments());
  archive.write("discriminator_steps", optimizer_d_->step_counts());

  // How each run stands: training (1) or not (0), its status, first
  // non-finite step (-1: none), steps done and seconds.
  torch::Tensor standing = torch::empty({count, 4}, torch::kLong);
  torch::Tensor seconds = torch::empty({count}, torch::kDouble);
  for (std::int64_t r = 0; r < count; ++r) {
    standing[r][0] = training_[r] ? 1 : 0;
    standing[r][1] = static_cast<std::int64_t>(results_[r].status);
    standing[r][2] = results_[r].first_nonfinite_step.value_or(-1);
    standing[r][3] = results_[r].steps_done;
    seconds[r] = results_[r].seconds;
    archive.write(fmt::format("noise_stream_{}", r), noise_streams_[r].get_state());
    archive.write(fmt::format("penalty_stream_{}", r), penalty_streams_[r].get_state());
    archive.write(fmt::format("data_state_{}", r), real_data_[r]->save_state());
  }
  archive.write("standing", standing);
  archive.write("run_seconds", seconds);
  write_checkpoint_file(archive, path);
}

std::int64_t StackedTrainer::resume_from(const std::filesystem::path& path) {
  const auto fail = [&](const std::string& why) {
    return CheckpointError(
        fmt::format("{}: cannot resume from this checkpoint: {}", path.string(), why));
  };
  const auto count = static_cast<std::int64_t>(runs_.size());
  torch::serialize::InputArchive archive;
  const std::string bytes = read_checkpoint_bytes(path);
  try {
    archive.load_from(bytes.data(), bytes.size(), options_.device);
  } catch (const c10::Error& e) {
    throw fail(fmt::format("not a readable checkpoint ({})", e.what_without_backtrace()));
  }
  try {
    const auto read_tensor = [&](const std::string& key) {
      torch::Tensor tensor;
      archive.read(key, tensor);
      return tensor;
    };
    if (read_tensor("format").item<std::int64_t>() != kCheckpointFormat) {
      throw fail(fmt::format("format {} (this build reads format {})",
                             read_tensor("format").item<std::int64_t>(), kCheckpointFormat));
    }
    c10::IValue key;
    archive.read("run_key", key);
    const std::string expected = "stack:" + group_keys(runs_);
    if (!key.isString() || key.toStringRef() != expected) {
      throw fail("it belongs to another group of runs");
    }
    const std::int64_t steps_done = read_tensor("steps_done").item<std::int64_t>();
    if (steps_done < 0 || steps_done > runs_.front().steps) {
      throw fail(
          fmt::format("step {} is outside the runs' 0..{}", steps_done, runs_.front().steps));
    }
    const auto load_into = [&](const torch::Tensor& target, const std::string& name) {
      const torch::Tensor value = read_tensor(name);
      if (value.sizes() != target.sizes()) throw fail(name + " has another shape");
      torch::NoGradGuard no_grad;
      target.copy_(value);
    };
    load_into(generator_->parameters(), "generator");
    load_into(discriminator_->parameters(), "discriminator");
    optimizer_g_->load(read_tensor("generator_m"), read_tensor("generator_v"),
                       read_tensor("generator_steps"));
    optimizer_d_->load(read_tensor("discriminator_m"), read_tensor("discriminator_v"),
                       read_tensor("discriminator_steps"));
    const torch::Tensor standing = read_tensor("standing").to(torch::kCPU);
    const torch::Tensor seconds = read_tensor("run_seconds").to(torch::kCPU);
    if (standing.sizes() != torch::IntArrayRef({count, 4}) || seconds.numel() != count) {
      throw fail("the runs' standing has another shape");
    }
    for (std::int64_t r = 0; r < count; ++r) {
      training_[r] = standing[r][0].item<std::int64_t>() != 0;
      const std::int64_t status = standing[r][1].item<std::int64_t>();
      if (status < 0 || status > static_cast<std::int64_t>(store::RunStatus::kInterrupted)) {
        throw fail(fmt::format("run {} has an unknown status {}", r, status));
      }
      // A run still training resumes as such, whatever stopped the group.
      results_[r].status =
          training_[r] ? store::RunStatus::kDone : static_cast<store::RunStatus>(status);
      const std::int64_t first_nonfinite = standing[r][2].item<std::int64_t>();
      results_[r].first_nonfinite_step =
          first_nonfinite < 0 ? std::nullopt : std::optional<std::int64_t>(first_nonfinite);
      results_[r].steps_done = standing[r][3].item<std::int64_t>();
      results_[r].seconds = seconds[r].item<double>();
      noise_streams_[r].set_state(read_tensor(fmt::format("noise_stream_{}", r)).to(torch::kCPU));
      penalty_streams_[r].set_state(
          read_tensor(fmt::format("penalty_stream_{}", r)).to(torch::kCPU));
      real_data_[r]->load_state(read_tensor(fmt::format("data_state_{}", r)).to(torch::kCPU));
    }
    steps_done_ = steps_done;
    seconds_before_ = read_tensor("seconds").item<double>();
    resumed_ = true;
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
