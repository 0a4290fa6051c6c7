// The sbatch script that trains a sweep's runs as a Slurm job array: task i
// reads run key i from a key list beside the script and trains that run with
// `gansweep train-run` into its own shard database, which is what a requeued
// task (same run key) resumes from. `gansweep merge` folds the shards into
// the sweep's database afterwards. No LibTorch here.
//
// Text from the sweep file or the command line reaches the script in two
// places, each quoted for the parser that reads it: #SBATCH lines are split
// by sbatch itself (backslash escapes), the body by bash (single quotes).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace gansweep {

struct SlurmJob {
  // Absolute paths: a task may start in another folder on another machine.
  std::filesystem::path gansweep_binary;
  std::filesystem::path sweep_file;
  std::filesystem::path keys_file;   // line i + 1 holds the run key of task i
  std::filesystem::path shards_dir;  // task i writes <shards_dir>/<run key>.db
  std::filesystem::path log_dir;     // <log_dir>/<job id>_<task id>.out
  std::filesystem::path work_dir;    // where relative data paths are read from
  std::filesystem::path database;    // the merge target, named in a comment
  std::string job_name;
  std::string partition;
  std::string gres;        // "" for none
  std::string time_limit;  // "" for the partition's default
  int tasks = 0;           // one per run in the key list
  int max_parallel = 0;    // tasks running at once; 0 for no limit
  int threads = 1;         // LibTorch threads, and CPUs asked per task
  std::string device;      // "" for the sweep file's train.device
};

// The whole script. Throws std::invalid_argument, naming the field, for a
// value that no quoting can carry (a line break in a path, a backslash in
// the log folder) or an option value Slurm would not accept.
std::string slurm_array_script(const SlurmJob& job);

// `text` as one bash word: in single quotes, each inner ' written as '\''.
// Nothing inside is expanded.
std::string shell_quote(std::string_view text);

// `text` as one argument on an #SBATCH line, which sbatch (not the shell)
// splits at blanks, cuts at an unquoted '#' and reads quotes and backslashes
// in: unchanged when it holds only letters, digits and / . _ - + = : , @ %,
// else in double quotes with '"' and '\' escaped by a backslash.
std::string sbatch_quote(std::string_view text);

// Why a --partition, --gres or --time value cannot be used ("" when it can):
// the characters Slurm's names and time formats use, nothing else.
std::string partition_problem(std::string_view partition);
std::string gres_problem(std::string_view gres);
std::string time_limit_problem(std::string_view time_limit);

// <DB without .db>.shards (a database not named .db keeps its full name):
// where the array's tasks write their shard databases.
std::filesystem::path shards_directory(const std::filesystem::path& db_path);
// <DB without .db>.slurm: the scripts, their key lists and logs/.
std::filesystem::path slurm_directory(const std::filesystem::path& db_path);

}  // namespace gansweep
