// Folding shard databases into one result database. A shard is an ordinary
// gansweep result database, usually holding one run of a sweep trained by
// one Slurm array task; merging the shards of a sweep gives the database a
// single `gansweep run` would have written.
//
// The merge is idempotent: merging a shard again, or a shard whose runs the
// target already holds, changes nothing. A run finished in the target (done
// or diverged) is never replaced; an unfinished one (queued, running,
// interrupted, failed) is replaced by a finished copy, together with all its
// rows, in one transaction per shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/records.h"
#include "store/result_store.h"

namespace gansweep::store {

// An input the user can fix: a shard that is missing, is not a gansweep
// result database, is of a newer (or older) schema version or is damaged, or
// a target that is not a gansweep database. Thrown before anything is
// written; the message starts with the file's path.
class MergeInputError : public StoreError {
 public:
  using StoreError::StoreError;
};

// One run copied from a shard into the target.
struct MergedRun {
  std::string run_key;
  std::filesystem::path shard;
  RunStatus status = RunStatus::kQueued;
  bool replaced = false;  // an unfinished copy in the target was replaced
};

struct MergeOutcome {
  int shards = 0;
  std::vector<MergedRun> copied;  // in merge order
  int copies_skipped = 0;         // shard runs the target already had as far along
  int columns_added = 0;          // swept-setting columns new to the target's runs table
  std::int64_t rows_copied = 0;   // steps, evals, layer_grads and samples rows
  int unfinished = 0;             // runs of the target not done or diverged afterwards
};

// Checks every shard and the target (which may be absent: it is then
// created), throwing MergeInputError before anything is written, then merges
// the shards in order, one transaction per shard, so that a failure part-way
// leaves whole shards merged and merging again completes the work. Shards
// are attached read-only and never changed. Among several finished copies of
// one run, the first merged is kept. Sweeps are merged too: a sweep whose
// file text differs between shard and target follows the copy registered
// last (updated_at), and the other text is kept in sweep_versions.
// Throws StoreError when the target cannot be written.
MergeOutcome merge_shards(const std::vector<std::filesystem::path>& shards,
                          const std::filesystem::path& target,
                          JournalMode journal = JournalMode::kWal);

// The run keys a result database holds as done or diverged. Reads the file
// read-only; throws StoreError naming the path when it cannot.
std::set<std::string> finished_run_keys(const std::filesystem::path& db);

}  // namespace gansweep::store
