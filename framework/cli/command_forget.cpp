// `gansweep forget DB KEY...`: removes runs' results (rows, checkpoint,
// weights, log) and queues them again, so that the next `gansweep run` of
// their sweep trains them afresh. Refuses, changing nothing, when a key is
// unknown or a run is being trained right now.
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/run_selection.h"
#include "runner/run_paths.h"
#include "store/result_store.h"

namespace gansweep::cli {
namespace {

struct ForgetArguments {
  std::string db;
  std::vector<std::string> keys;
};

}  // namespace

void add_forget_command(CLI::App& app, int& exit_code) {
  auto* command =
      app.add_subcommand("forget", "Delete runs' results so the next `run` trains them again");
  auto args = std::make_shared<ForgetArguments>();
  command->add_option("DB", args->db, "Result database")->required()->check(CLI::ExistingFile);
  command->add_option("KEY", args->keys, "Run keys (or unique prefixes)")->required();

  command->callback([&exit_code, args] {
    auto store = store::ResultStore::open_for_writing(args->db);
    std::vector<std::string> known;
    for (const auto& summary : store->run_summaries()) known.push_back(summary.run_key);
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    const std::vector<std::string> keys = select_keys(known, args->keys, "KEY");

    const store::ForgetProblems problems = store->forget_runs(keys);
    if (!problems.busy.empty()) {
      fmt::print(stderr,
                 "gansweep: error: {}: nothing forgotten: {} {} being trained by a running "
                 "gansweep process; stop it first\n",
                 args->db, fmt::join(problems.busy, ", "),
                 problems.busy.size() == 1 ? "is" : "are");
      exit_code = kExitFailure;
      return;
    }
    for (const std::string& key : keys) {
      std::error_code ignored;
      std::filesystem::remove_all(run_directory(args->db, key), ignored);
      fmt::print("{}\n", key);
    }
    fmt::print(stderr, "gansweep: forgot {} run{}; `gansweep run` trains {} again\n", keys.size(),
               keys.size() == 1 ? "" : "s", keys.size() == 1 ? "it" : "them");
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
