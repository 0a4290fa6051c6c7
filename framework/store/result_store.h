// The result database of a sweep: one SQLite file holding what was asked
// (sweeps, runs and their resolved settings) and what happened (a row per
// recorded step, evaluations, per-layer gradient norms, generated samples).
// The schema is documented in the README and versioned with PRAGMA
// user_version; opening an older file migrates it forward.
//
// Threading: a ResultStore is used by one thread. Several processes on one
// machine may open the same file (WAL mode, busy timeout); each writes its own
// runs' rows.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "store/records.h"

namespace gansweep::store {

class Database;

// How a database opened for writing keeps its journal.
//
// kWal (the default): readers never block the writer, and several processes
// on one machine can share the file. WAL needs a shared-memory index (the
// -shm file, mapped by every connection), which network file systems do not
// provide coherently across machines, and SQLite must never be shared between
// machines over NFS anyway.
//
// kRollback: PRAGMA journal_mode=DELETE with synchronous=FULL, for a file on
// a network file system that only one process on one machine writes (a
// shard written by one Slurm array task). Only ordinary file locks are used,
// and FULL syncs the journal and the file at every commit, so a task killed
// or a node lost mid-commit leaves a hot journal that the next open rolls
// back, never a torn file.
enum class JournalMode { kWal, kRollback };

// "wal" or "delete" (the name of SQLite's journal mode).
std::string_view to_string(JournalMode mode);
// Parses "wal" or "delete"; throws std::invalid_argument otherwise.
JournalMode parse_journal_mode(std::string_view name);

class ResultStore {
 public:
  // Opens (creating if absent) the database at `path` for writing, creates or
  // migrates the schema, and sets the journal mode (see JournalMode). Throws
  // StoreError naming the path and SQLite's message when the file cannot be
  // opened, is not a gansweep database of a version this build understands,
  // or refuses the journal mode.
  static std::unique_ptr<ResultStore> open_for_writing(const std::filesystem::path& path,
                                                       JournalMode journal = JournalMode::kWal);
  // Opens an existing database read-only (used by `status` and queries);
  // never creates a file. Throws StoreError when absent or unreadable.
  static std::unique_ptr<ResultStore> open_read_only(const std::filesystem::path& path);

  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Records a sweep and its runs in one transaction. Runs already present
  // (same run_key, from this or another sweep) keep their status and rows;
  // new ones start as queued. Adds a column to `runs` for every swept path not
  // seen before, and links every run to the sweep in `sweep_runs`.
  // When the sweep was registered before from a different file, the old
  // text moves to `sweep_versions` and the sweep's links are replaced by the
  // new file's runs; runs left out keep their rows. Swept columns are filled
  // for every run from its config_json, whichever sweep planned it.
  RegisterOutcome register_sweep(const SweepRecord& sweep, const std::vector<RunRecord>& runs);

  // Status of every run of the sweep, keyed by run_key.
  std::map<std::string, RunStatus> run_statuses(const std::string& sweep_name) const;

  // Summary rows for `gansweep status`, in sweep order.
  std::vector<RunSummary> run_summaries() const;
  // One run (the first of its sweeps when several hold it), if present.
  std::optional<RunSummary> run_summary(const std::string& run_key) const;
  std::vector<SweepSummary> sweep_summaries() const;

  // Claims a run for this process: marks it running and, in the same
  // transaction, deletes any rows an earlier, unfinished attempt left (steps,
  // evals, layer_grads, samples), so a redone run never holds duplicate or
  // stale rows. Claims nothing when the run is finished meanwhile, or when
  // a live process on this host is training it (env.host and env.pid say
  // who is asking).
  //
  // With `resume`, the rows the checkpoint covers are kept (step rows and
  // layer gradients below resume->step, evaluations and samples up to it)
  // and the rest deleted, and kResumed is returned; when the rows do not
  // match the checkpoint the run starts over (kStarted) as without it.
  StartOutcome start_run(const std::string& run_key, const RunEnvironment& env,
                         const std::optional<ResumePoint>& resume = std::nullopt);

  // Marks a run failed with `error` unless it is finished (done or
  // diverged) or claimed by a process other than `pid`: for a run process
  // that died without recording its outcome, or was stopped for exceeding
  // its time limit. A claim held by another process is never touched.
  // Returns whether it changed.
  bool fail_unfinished_run(const std::string& run_key, std::int64_t pid, const std::string& error);

  // Removes the runs' rows and puts them back in the queue, so the next
  // `gansweep run` trains them again. All or nothing: when a key is unknown
  // or a run is being trained by a live process, nothing changes and the
  // problems are returned.
  ForgetProblems forget_runs(const std::vector<std::string>& run_keys);

  // Buffered appends: rows are written in one transaction per flush, which
  // happens when the buffer holds flush_rows rows or flush_interval has passed
  // since the last flush, and always in finish_run and flush().
  void append_step(const std::string& run_key, const StepRow& row);
  void append_eval(const std::string& run_key, const EvalRow& row);
  void append_layer_grads(const std::string& run_key, const std::vector<LayerGradRow>& rows);
  void append_sample(const std::string& run_key, const SampleRow& row);
  void flush();

  // Flushes, then records the outcome of a run.
  void finish_run(const std::string& run_key, const RunOutcome& outcome);

  void set_flush_policy(std::size_t flush_rows, std::chrono::milliseconds flush_interval);

 private:
  ResultStore(std::filesystem::path path, std::unique_ptr<Database> db);
  // Throws StoreError when the store was opened read-only.
  void require_writable(const char* action) const;
  // Flushes when the buffer is full or the flush interval has passed.
  void flush_if_due();
  // All runs, or the one with `run_key` when it is not empty.
  std::vector<RunSummary> read_summaries(const std::string& run_key) const;

  std::filesystem::path path_;
  std::unique_ptr<Database> db_;
  struct Pending;
  std::unique_ptr<Pending> pending_;
};

// Opens an existing result database read-only for code that runs its own SQL
// on it (the query layer), with the same checks as ResultStore::open_read_only:
// never creates a file, and refuses files that are not gansweep databases of
// this build's schema version. Throws StoreError naming the path.
std::unique_ptr<Database> open_database_read_only(const std::filesystem::path& path);

// Opens (creating if absent) a result database for writing as
// ResultStore::open_for_writing does, for code that runs its own SQL on it
// (the shard merge). The connection accepts "file:" URIs in ATTACH.
std::unique_ptr<Database> open_database_for_writing(const std::filesystem::path& path,
                                                    JournalMode journal = JournalMode::kWal);

}  // namespace gansweep::store
