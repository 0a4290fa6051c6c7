// `gansweep status DB`: what a result database holds: its sweeps, and each
// run's status, progress and timing. Opens the database read-only.
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "store/result_store.h"
#include "util/process.h"

namespace gansweep::cli {
namespace {

// A run left 'running' by a process on this host that no longer exists was
// killed; the next `gansweep run` resumes it from its checkpoint.
bool is_abandoned(const store::RunSummary& run, const std::string& host) {
  if (run.status != store::RunStatus::kRunning || run.host != host || run.pid <= 0) return false;
  return !same_program_is_alive(run.pid);
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("status", "Show the sweeps and runs in a result database");
  auto db = std::make_shared<std::string>();
  command->add_option("DB", *db, "Result database (.db)")->required();
  command->callback([&exit_code, db] {
    const auto store = store::ResultStore::open_read_only(*db);
    const std::string host = host_name();
    for (const auto& sweep : store->sweep_summaries()) {
      fmt::print("sweep '{}': {} run{}, created {}\n", sweep.name, sweep.runs,
                 sweep.runs == 1 ? "" : "s", sweep.created_at);
    }
    Table table;
    table.set_header({"sweep", "#", "run_key", "status", "steps", "seconds", "device", "note"});
    std::map<std::string, int> counts;
    for (const auto& run : store->run_summaries()) {
      std::string status(store::to_string(run.status));
      std::string note = run.error;
      if (is_abandoned(run, host)) {
        status = "abandoned";
        note = fmt::format("process {} is gone; the next run resumes it", run.pid);
      } else if (!run.in_sweep_file) {
        note = "no longer in the sweep's file; its results stay";
      } else if (run.first_nonfinite_step) {
        note = fmt::format("first non-finite value at step {}", *run.first_nonfinite_step);
      }
      ++counts[status];
      table.add_row({run.sweep, std::to_string(run.position), run.run_key, status,
                     std::to_string(run.steps_done),
                     run.train_seconds > 0 ? fmt::format("{:.1f}", run.train_seconds) : "",
                     run.device, note});
    }
    table.print(stdout);
    std::string totals;
    for (const auto& [status, count] : counts) {
      totals += fmt::format("{}{} {}", totals.empty() ? "" : ", ", count, status);
    }
    fmt::print("{}\n", totals.empty() ? "no runs" : totals);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
