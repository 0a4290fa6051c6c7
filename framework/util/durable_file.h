// Making a finished file durable and visible in one step. Checkpoints and
// weights are written to a temporary name first; commit_file() flushes the
// bytes to disk, renames the file over its final name and flushes the
// directory entry, so a reader (or the next run after a kill or a power
// cut) sees either the old file or the whole new one, never a torn one.
#pragma once

#include <filesystem>

namespace gansweep {

// fsync(temporary), rename(temporary, final_path), fsync(directory).
// Throws std::filesystem::filesystem_error naming the path on failure.
void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& final_path);

}  // namespace gansweep
