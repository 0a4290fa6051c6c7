// Where a sweep's files live beside its database. Torch-free.
//
//   results/quickstart.db           the result database
//   results/quickstart.db.log       the scheduler's log (what happened, not results)
//   results/quickstart.runs/KEY/    one folder per run:
//       generator.pt                final generator weights (kept)
//       checkpoint.pt               latest checkpoint (removed once the run is finished)
//       run.log                     the run process's own log
//   results/quickstart.runs/stack-ID/  one folder per stacked group of runs:
//       checkpoint.pt               the group's checkpoint
//       run.log                     the group process's log
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gansweep {

// The classifier cache beside a database (results/classifiers for
// results/x.db), where Fashion-MNIST runs find the classifier that scores
// them.
std::filesystem::path default_classifier_dir(const std::filesystem::path& db_path);

// results/<sweep name made safe as a file name>.db
std::filesystem::path default_db_path(const std::string& sweep_name);

// The folder of a database's per-run files: results/x.runs for
// results/x.db, exp.v1.runs for exp.v1.
std::filesystem::path runs_directory(const std::filesystem::path& db_path);

// <runs folder>/<run_key>
std::filesystem::path run_directory(const std::filesystem::path& db_path,
                                    const std::string& run_key);

std::filesystem::path generator_weights_path(const std::filesystem::path& db_path,
                                             const std::string& run_key);
std::filesystem::path checkpoint_path(const std::filesystem::path& db_path,
                                      const std::string& run_key);
std::filesystem::path run_log_path(const std::filesystem::path& db_path,
                                   const std::string& run_key);

// The id of a stacked group: "stack-" and 16 hex digits of a hash of its
// members' run keys, in their (sorted) order. Its files go in
// run_directory(db, id), as a run's do.
std::string stack_group_id(const std::vector<std::string>& sorted_run_keys);

}  // namespace gansweep
