// Writing the job-array script for `gansweep slurm`, and quoting for the two
// parsers that read it: sbatch for the #SBATCH lines, bash for the body.

#include "runner/slurm_script.h"

#include <regex>
#include <stdexcept>

#include <fmt/format.h>

namespace gansweep {
namespace {

bool is_plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A path goes into the script only absolute and on one line: sbatch reads
// the script line by line, and a task may start in any folder.
std::string checked_path(const std::filesystem::path& path, std::string_view field) {
  const std::string text = path.string();
  if (!path.is_absolute()) {
    throw std::invalid_argument(fmt::format("{} must be an absolute path: {}", field, text));
  }
  if (text.find_first_of("\n\r") != std::string::npos) {
    throw std::invalid_argument(
        fmt::format("{} cannot hold a line break in a batch script: {}", field, text));
  }
  return text;
}

void check_option(std::string_view field, const std::string& problem) {
  if (!problem.empty()) throw std::invalid_argument(fmt::format("{}: {}", field, problem));
}

std::string matching_problem(std::string_view value, const std::regex& pattern,
                             std::string_view expected) {
  if (value.empty()) return fmt::format("must not be empty; expected {}", expected);
  if (!std::regex_match(value.begin(), value.end(), pattern)) {
    return fmt::format("'{}' is not {}", value, expected);
  }
  return "";
}

std::filesystem::path beside(const std::filesystem::path& db_path, std::string_view suffix) {
  // results/x.db -> results/x<suffix>; any other name keeps its extension
  // (exp.v1 -> exp.v1<suffix>) so two databases never share a folder.
  std::filesystem::path base = db_path;
  if (base.extension() == ".db") base.replace_extension();
  return base.string() + std::string(suffix);
}

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string sbatch_quote(std::string_view text) {
  bool plain = !text.empty();
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    plain = plain && (is_plain(byte) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' ||
                      c == '=' || c == ':' || c == ',' || c == '@' || c == '%');
  }
  if (plain) return std::string(text);
  // sbatch ends an argument at a blank even after a backslash; only quotes
  // keep blanks (and '#') inside it. Within them, '\' escapes '"' and '\'.
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string partition_problem(std::string_view partition) {
  static const std::regex kPattern(R"([A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*)");
  return matching_problem(partition, kPattern, "a partition name (or names separated by ',')");
}

std::string gres_problem(std::string_view gres) {
  static const std::regex kPattern(R"([A-Za-z0-9_.:+-]+(,[A-Za-z0-9_.:+-]+)*)");
  return matching_problem(gres, kPattern, "a generic resource such as gpu:1 or gpu:a100:2");
}

std::string time_limit_problem(std::string_view time_limit) {
  // Slurm's forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, and no limit.
  static const std::regex kPattern(
      R"(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|UNLIMITED|INFINITE|unlimited|infinite)");
  return matching_problem(time_limit, kPattern, "a time limit such as 02:00:00 or 1-12:00:00");
}

std::filesystem::path shards_directory(const std::filesystem::path& db_path) {
  return beside(db_path, ".shards");
}

std::filesystem::path slurm_directory(const std::filesystem::path& db_path) {
  return beside(db_path, ".slurm");
}

std::string slurm_array_script(const SlurmJob& job) {
  const std::string binary = checked_path(job.gansweep_binary, "the gansweep binary");
  const std::string sweep_file = checked_path(job.sweep_file, "the sweep file");
  const std::string keys_file = checked_path(job.keys_file, "the run key list");
  const std::string shards_dir = checked_path(job.shards_dir, "the shard folder");
  const std::string work_dir = checked_path(job.work_dir, "the working folder");
  const std::string database = checked_path(job.database, "the database");
  std::string log_dir = checked_path(job.log_dir, "the log folder");
  // In an output file name a backslash turns off the %A/%a patterns, so
  // every task would write to one literal file name.
  if (log_dir.find('\\') != std::string::npos) {
    throw std::invalid_argument(
        fmt::format("the log folder cannot hold a backslash in a batch script: {}", log_dir));
  }
  check_option("--partition", partition_problem(job.partition));
  if (!job.gres.empty()) check_option("--gres", gres_problem(job.gres));
  if (!job.time_limit.empty()) check_option("--time", time_limit_problem(job.time_limit));
  if (job.tasks < 1) throw std::invalid_argument("the job array needs at least one task");
  if (job.max_parallel < 0) throw std::invalid_argument("--max-parallel must be positive");
  if (job.threads < 1) throw std::invalid_argument("--threads must be positive");
  if (job.job_name.empty() || job.job_name.find_first_of("\n\r") != std::string::npos) {
    throw std::invalid_argument("the job name must be one non-empty line");
  }

  // '%' starts a pattern in an output file name; '%%' is a literal one.
  std::string log_pattern;
  for (char c : log_dir) log_pattern += c == '%' ? std::string("%%") : std::string(1, c);
  log_pattern += "/%A_%a.out";

  std::string script = "#!/bin/bash\n";
  script += fmt::format(
      "# Written by `gansweep slurm`: one array task per run of the sweep in\n"
      "# {}\n"
      "# Task i trains the run on line i + 1 of the key list into its own shard\n"
      "# database; a task requeued after preemption or `scontrol requeue` resumes\n"
      "# from the checkpoint beside its shard. When the array has finished:\n"
      "#   gansweep merge {}/*.db -o {}\n",
      shell_quote(sweep_file), shell_quote(shards_dir), shell_quote(database));
  script += fmt::format("#SBATCH --job-name={}\n", sbatch_quote(job.job_name));
  script += fmt::format("#SBATCH --partition={}\n", sbatch_quote(job.partition));
  script += fmt::format("#SBATCH --array=0-{}{}\n", job.tasks - 1,
                        job.max_parallel > 0 ? fmt::format("%{}", job.max_parallel) : "");
  script += "#SBATCH --requeue\n";
  // A requeued task appends to its log instead of starting it afresh.
  script += "#SBATCH --open-mode=append\n";
  script += fmt::format("#SBATCH --output={}\n", sbatch_quote(log_pattern));
  script += fmt::format("#SBATCH --cpus-per-task={}\n", job.threads);
  if (!job.gres.empty()) script += fmt::format("#SBATCH --gres={}\n", sbatch_quote(job.gres));
  if (!job.time_limit.empty()) {
    script += fmt::format("#SBATCH --time={}\n", sbatch_quote(job.time_limit));
  }

  script += "set -euo pipefail\n";
  script += fmt::format("gansweep={}\n", shell_quote(binary));
  script += fmt::format("sweep_file={}\n", shell_quote(sweep_file));
  script += fmt::format("keys_file={}\n", shell_quote(keys_file));
  script += fmt::format("shards={}\n", shell_quote(shards_dir));
  script += fmt::format("database={}\n", shell_quote(database));
  script += fmt::format("cd -- {}\n", shell_quote(work_dir));
  script +=
      "if [[ -z ${SLURM_ARRAY_TASK_ID:-} ]]; then\n"
      "  echo \"gansweep: this script runs as a Slurm array task: submit it with sbatch\" >&2\n"
      "  exit 2\n"
      "fi\n"
      "task=$SLURM_ARRAY_TASK_ID\n"
      "mapfile -t run_keys < \"$keys_file\"\n"
      "if [[ ! $task =~ ^[0-9]+$ ]] || ((task >= ${#run_keys[@]})); then\n"
      "  echo \"gansweep: no run for array task $task in $keys_file\" >&2\n"
      "  exit 2\n"
      "fi\n"
      "run_key=${run_keys[task]}\n"
      "if [[ ! $run_key =~ ^[0-9a-f]{16}$ ]]; then\n"
      "  echo \"gansweep: line $((task + 1)) of $keys_file is not a run key\" >&2\n"
      "  exit 2\n"
      "fi\n"
      "mkdir -p -- \"$shards\"\n"
      "echo \"gansweep: array task $task: run $run_key on $(hostname),\" \\\n"
      "  \"restart ${SLURM_RESTART_COUNT:-0}\" >&2\n";
  std::string extra = fmt::format(" --threads {}", job.threads);
  if (!job.device.empty()) extra += " --device " + shell_quote(job.device);
  // exec: the task's signals (SIGTERM on requeue, preemption or time limit)
  // reach gansweep itself, which then writes its checkpoint.
  script += fmt::format(
      "exec \"$gansweep\" train-run \"$sweep_file\" --db \"$shards/$run_key.db\" \\\n"
      "  --chosen-from \"$database\" --run \"$run_key\" --journal delete{}\n",
      extra);
  return script;
}

}  // namespace gansweep
