// `gansweep merge SHARD... -o DB`: folds shard databases (one per Slurm array
// task, from `gansweep slurm`) into one result database, with each copied
// run's files (its generator weights) moved beside the merged database.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "runner/run_paths.h"
#include "store/shard_merge.h"

namespace gansweep::cli {
namespace {

namespace fs = std::filesystem;

struct MergeArguments {
  std::vector<std::string> shards;
  std::string output;
  std::string journal = "wal";
};

// A finished run's files (generator.pt) go where `gansweep run` would have
// written them for the merged database. A checkpoint is only for resuming a
// run in its own shard and stays there.
int copy_run_files(const store::MergedRun& run, const fs::path& output) {
  if (run.status != store::RunStatus::kDone && run.status != store::RunStatus::kDiverged) {
    return 0;
  }
  const fs::path from = run_directory(run.shard, run.run_key);
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return 0;
  const fs::path to = run_directory(output, run.run_key);
  fs::create_directories(to);
  int copied = 0;
  for (const auto& entry : fs::directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    if (entry.path().filename().string().rfind("checkpoint", 0) == 0) continue;
    fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing);
    ++copied;
  }
  return copied;
}

}  // namespace

void add_merge_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "merge", "Fold shard databases (from `gansweep slurm`) into one result database");
  auto args = std::make_shared<MergeArguments>();
  command->add_option("SHARD", args->shards, "Shard databases, e.g. results/x.shards/*.db")
      ->required();
  command->add_option("-o,--output", args->output, "The result database to merge into")->required();
  command
      ->add_option("--journal", args->journal,
                   "Journal of the output: wal, or delete for a file on a network file system")
      ->check(CLI::IsMember({"wal", "delete"}))
      ->capture_default_str();

  command->callback([&exit_code, args] {
    if (args->output.empty()) throw CLI::ValidationError("--output", "the path is empty");
    const fs::path output = args->output;
    std::vector<fs::path> shards(args->shards.begin(), args->shards.end());
    std::error_code ec;
    const bool output_existed = fs::exists(output, ec);

    const store::MergeOutcome outcome =
        store::merge_shards(shards, output, store::parse_journal_mode(args->journal));
    int replaced = 0;
    int files = 0;
    for (const store::MergedRun& run : outcome.copied) {
      if (run.replaced) ++replaced;
      files += copy_run_files(run, output);
    }

    const int copied = static_cast<int>(outcome.copied.size());
    fmt::print(stderr,
               "gansweep: merged {} shard{} into {}: {} run{} copied ({} replacing an unfinished "
               "copy), {} cop{} already there, {} rows, {} run file{}\n",
               outcome.shards, outcome.shards == 1 ? "" : "s", output.string(), copied,
               copied == 1 ? "" : "s", replaced, outcome.copies_skipped,
               outcome.copies_skipped == 1 ? "y" : "ies", outcome.rows_copied, files,
               files == 1 ? "" : "s");
    // Into a new database every column is new; into an existing one a new
    // column means runs of another sweep arrived.
    if (output_existed && outcome.columns_added > 0) {
      fmt::print(stderr, "gansweep: {} swept setting column{} added to runs\n",
                 outcome.columns_added, outcome.columns_added == 1 ? "" : "s");
    }
    if (outcome.unfinished > 0) {
      fmt::print(stderr,
                 "gansweep: {} run{} in {} {} not finished; `gansweep status` lists them and "
                 "`gansweep slurm` trains them again\n",
                 outcome.unfinished, outcome.unfinished == 1 ? "" : "s", output.string(),
                 outcome.unfinished == 1 ? "is" : "are");
    }
    fmt::print("{}\n", output.string());
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
