// `gansweep slurm FILE --partition P`: writes (and with --submit, submits)
// a Slurm job array that trains the sweep's unfinished runs, one array task
// per run, each into its own shard database beside the sweep's database.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/rerun_stage.h"
#include "config/choices.h"
#include "config/sweep_plan.h"
#include "runner/preflight.h"
#include "runner/run_paths.h"
#include "runner/slurm_script.h"
#include "store/shard_merge.h"
#include "util/text.h"

extern char** environ;

namespace gansweep::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmArguments {
  std::string file;
  std::string db;
  std::string partition;
  std::string gres;
  std::string time_limit;
  int max_parallel = 0;
  int threads = 1;
  std::string device;
  bool submit = false;
  CLI::Option* db_option = nullptr;
  CLI::Option* device_option = nullptr;
};

// The runs that need no task: finished in the database, or finished in
// their own shard by an earlier array that was not merged yet.
std::set<std::string> finished_runs(const SweepPlan& plan, const fs::path& db,
                                    const fs::path& shards, int& in_shards) {
  std::set<std::string> finished;
  std::error_code ec;
  if (fs::exists(db, ec)) {
    try {
      finished = store::finished_run_keys(db);
    } catch (const store::StoreError& e) {
      throw OutputPathError(e.what());
    }
  }
  in_shards = 0;
  for (const PlannedRun& run : plan.runs) {
    if (finished.count(run.run_key) > 0) continue;
    const fs::path shard = shards / (run.run_key + ".db");
    if (!fs::exists(shard, ec)) continue;
    try {
      if (store::finished_run_keys(shard).count(run.run_key) > 0) {
        finished.insert(run.run_key);
        ++in_shards;
      }
    } catch (const store::StoreError& e) {
      // Its task will meet the same file and say so in its log.
      fmt::print(stderr, "gansweep: warning: {}; run {} gets a task\n", e.what(), run.run_key);
    }
  }
  return finished;
}

// <slurm folder>/<sweep>-<UTC time>.sh, never an existing name: a job still
// queued reads its key list when each task starts, so a list is never
// rewritten.
fs::path new_script_path(const fs::path& folder, const std::string& sweep_name) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  const std::string base = safe_file_name(sweep_name) + "-" + stamp;
  for (int i = 1;; ++i) {
    const std::string name = i == 1 ? base : fmt::format("{}-{}", base, i);
    const fs::path script = folder / (name + ".sh");
    std::error_code ec;
    if (!fs::exists(script, ec) && !fs::exists(folder / (name + ".keys"), ec)) return script;
  }
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write the file", path.string()));
}

// Runs `sbatch --parsable SCRIPT` without a shell and returns the job id it
// prints; sbatch's own errors go to our stderr.
std::string submit(const fs::path& script) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("cannot create a pipe for sbatch");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::string program = "sbatch";
  std::string parsable = "--parsable";
  std::string script_arg = script.string();
  char* argv[] = {program.data(), parsable.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "sbatch", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error(
        fmt::format("cannot run sbatch ({}); submit the script yourself: sbatch {}",
                    spawned == ENOENT ? "not found on PATH" : std::strerror(spawned),
                    shell_quote(script.string())));
  }
  std::string out;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(fmt::format("sbatch refused {} (exit status {})", script.string(),
                                         WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  // --parsable prints "JOBID" or "JOBID;CLUSTER".
  const std::string job_id = out.substr(0, out.find_first_of(";\n"));
  if (job_id.empty() || job_id.find_first_not_of("0123456789") != std::string::npos) {
    throw std::runtime_error(fmt::format("sbatch printed no job id: '{}'", out));
  }
  return job_id;
}

}  // namespace

void add_slurm_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "slurm", "Write (and --submit) a Slurm job array that trains the sweep's unfinished runs");
  auto args = std::make_shared<SlurmArguments>();
  command->add_option("FILE", args->file, "Sweep file (YAML)")->required();
  command->add_option("--partition", args->partition, "Slurm partition")->required();
  command->add_option("--gres", args->gres, "Generic resources per task, e.g. gpu:1");
  command
      ->add_option("--max-parallel", args->max_parallel,
                   "Array tasks running at once (default: as many as Slurm allows)")
      ->check(CLI::Range(1, 1'000'000));
  command->add_option("--time", args->time_limit, "Time limit per task, e.g. 02:00:00");
  args->db_option = command->add_option(
      "--db", args->db, "Result database the shards are merged into (default: results/<sweep>.db)");
  command->add_option("--threads", args->threads, "LibTorch threads (and CPUs) per task")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  args->device_option = command->add_option("--device", args->device,
                                            "Override train.device: auto, cpu, cuda or cuda:N");
  command->add_flag("--submit", args->submit, "Submit the script with sbatch");

  command->callback([&exit_code, args] {
    SweepPlan plan = plan_sweep(load_sweep_file(args->file));
    const bool db_given = args->db_option->count() > 0;
    if (db_given && args->db.empty()) {
      throw CLI::ValidationError("--db", "the database path is empty");
    }
    for (const auto& [option, problem] :
         {std::pair{"--partition", partition_problem(args->partition)},
          std::pair{"--gres", args->gres.empty() ? "" : gres_problem(args->gres)},
          std::pair{"--time", args->time_limit.empty() ? "" : time_limit_problem(args->time_limit)},
          std::pair{"--device", args->device_option->count() > 0
                                    ? device_setting_problem(args->device)
                                    : std::string()}}) {
      if (!problem.empty()) throw CLI::ValidationError(option, problem);
    }
    const fs::path db =
        fs::absolute(db_given ? fs::path(args->db) : default_db_path(plan.definition.name));
    const fs::path shards = shards_directory(db);

    int in_shards = 0;
    std::set<std::string> finished = finished_runs(plan, db, shards, in_shards);
    // rerun_best: once the sweep's runs are finished and merged, the next
    // array trains the reruns of its best settings.
    const bool sweep_finished =
        std::all_of(plan.runs.begin(), plan.runs.end(),
                    [&](const PlannedRun& run) { return finished.count(run.run_key) > 0; });
    if (plan.definition.rerun_best && sweep_finished && in_shards == 0) {
      if (auto reruns = plan_rerun_stage(db, plan, stderr)) {
        plan = std::move(*reruns);
        finished = finished_runs(plan, db, shards, in_shards);
      }
    }
    std::vector<std::string> keys;
    for (const PlannedRun& run : plan.runs) {
      if (finished.count(run.run_key) == 0) keys.push_back(run.run_key);
    }
    const int skipped = static_cast<int>(plan.runs.size() - keys.size());
    const std::string skipped_note =
        skipped == 0 ? ""
                     : fmt::format(" ({} finished already{})", skipped,
                                   in_shards > 0 ? fmt::format(", {} of them in shards not "
                                                               "merged yet",
                                                               in_shards)
                                                 : "");
    if (keys.empty()) {
      fmt::print(stderr, "gansweep: nothing to train: all {} run{} of sweep '{}' are finished{}\n",
                 plan.runs.size(), plan.runs.size() == 1 ? "" : "s", plan.definition.name,
                 in_shards > 0 ? fmt::format("; merge the shards: gansweep merge {}/*.db -o {}",
                                             shell_quote(shards.string()), shell_quote(db.string()))
                               : "");
      exit_code = kExitOk;
      return;
    }

    const fs::path folder = slurm_directory(db);
    fs::create_directories(folder / "logs");
    fs::create_directories(shards);
    const fs::path script_path = new_script_path(folder, plan.definition.name);
    fs::path keys_path = script_path;
    keys_path.replace_extension(".keys");

    SlurmJob job;
    job.gansweep_binary = fs::read_symlink("/proc/self/exe");
    job.sweep_file = fs::absolute(args->file).lexically_normal();
    job.keys_file = keys_path;
    job.shards_dir = shards;
    job.log_dir = folder / "logs";
    job.work_dir = fs::current_path();
    job.database = db;
    job.job_name = "gansweep-" + safe_file_name(plan.definition.name);
    job.partition = args->partition;
    job.gres = args->gres;
    job.time_limit = args->time_limit;
    job.tasks = static_cast<int>(keys.size());
    job.max_parallel = args->max_parallel;
    job.threads = args->threads;
    if (args->device_option->count() > 0) job.device = args->device;
    std::string script;
    try {
      script = slurm_array_script(job);
    } catch (const std::invalid_argument& e) {
      throw OutputPathError(e.what());
    }

    std::string key_list;
    for (const std::string& key : keys) key_list += key + "\n";
    write_text(keys_path, key_list);
    write_text(script_path, script);
    fs::permissions(script_path, fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add);

    fmt::print(
        stderr, "gansweep: sweep '{}': {} run{} to train{}: one array task each{}\n",
        plan.definition.name, keys.size(), keys.size() == 1 ? "" : "s", skipped_note,
        args->max_parallel > 0 ? fmt::format(", at most {} at a time", args->max_parallel) : "");
    if (keys.size() > 1001) {
      fmt::print(stderr,
                 "gansweep: warning: {} tasks; Slurm's default MaxArraySize allows array "
                 "indices up to 1000 only\n",
                 keys.size());
    }
    fmt::print("{}\n", script_path.string());
    const std::string merge_hint = fmt::format(
        "gansweep merge {}/*.db -o {}", shell_quote(shards.string()), shell_quote(db.string()));
    if (args->submit) {
      const std::string job_id = submit(script_path);
      fmt::print("{}\n", job_id);
      fmt::print(stderr,
                 "gansweep: submitted job {}; logs in {}\ngansweep: when it has finished "
                 "(squeue -j {} lists nothing): {}\n",
                 job_id, (folder / "logs").string(), job_id, merge_hint);
    } else {
      fmt::print(stderr, "gansweep: submit with: sbatch {}\ngansweep: when it has finished: {}\n",
                 shell_quote(script_path.string()), merge_hint);
    }
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
