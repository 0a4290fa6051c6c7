// The file a checkpoint lives in: a LibTorch archive followed by a trailer
// (the archive's XXH3 hash and a magic), written to a temporary file,
// synced and renamed. LibTorch's reader does not check the zip's CRCs, so
// without the hash a few flipped bytes inside a tensor would be resumed from
// silently. Used by the checkpoints of single runs and of stacked groups.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <torch/torch.h>

namespace gansweep {

// Raise when an archive's layout changes; older files are then refused and
// the run restarts from step 0 rather than misreading them.
// Format 3 added "phase". A format 2 file differs only by lacking it, and
// a run without train.phases is always in phase 0, so such runs still
// resume from one (runs with phases cannot have one). Stacked groups write
// and read only the current format.
inline constexpr std::int64_t kCheckpointFormat = 3;
inline constexpr std::int64_t kFormatWithoutPhase = 2;

inline bool readable_format(std::int64_t format) {
  return format == kCheckpointFormat || format == kFormatWithoutPhase;
}

// Writes `archive` to `path` atomically, with its trailer.
void write_checkpoint_file(torch::serialize::OutputArchive& archive,
                           const std::filesystem::path& path);

// The archive bytes of a checkpoint file, after checking its trailer and
// hash. Throws CheckpointError (trainer.h) naming the file.
std::string read_checkpoint_bytes(const std::filesystem::path& path);

inline torch::Tensor int64_scalar(std::int64_t value) {
  return torch::tensor({value}, torch::kLong);
}

}  // namespace gansweep
