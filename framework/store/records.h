// Plain records exchanged with the result database. No SQLite types leak out
// of the store layer, so the trainer and the CLI do not depend on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gansweep::store {

// Stored as: queued, running, done, failed, diverged, interrupted.
enum class RunStatus { kQueued, kRunning, kDone, kFailed, kDiverged, kInterrupted };
std::string_view to_string(RunStatus status);
// Throws std::invalid_argument for an unknown name.
RunStatus parse_run_status(std::string_view name);

// A swept value as it goes into its `runs` column: INTEGER, REAL or TEXT.
using ColumnValue = std::variant<std::int64_t, double, std::string>;

struct SweepRecord {
  std::string name;
  std::string file_path;  // as given on the command line
  std::string file_text;  // the sweep file's bytes, for reproducibility
};

struct RunRecord {
  std::string run_key;
  int position = 0;         // index in the sweep's expanded run list
  std::string config_json;  // the full resolved settings
  // (column name, value) for every swept path: "train_lr" -> 1e-4.
  std::vector<std::pair<std::string, ColumnValue>> swept;
};

struct RunEnvironment {
  std::string device;         // "cpu", "cuda:0"
  int threads = 1;            // intra-op threads of this run
  std::string torch_version;  // "1.13.0"
  std::string host;
  std::string git_commit;
  std::int64_t pid = 0;
  // "separate" or "stacked"; for a stacked run, its group's id.
  std::string execution = "separate";
  std::string stack_group;
};

// One recorded step. D-side values come from the step's last discriminator
// update, G-side values from its last generator update. NaN is stored as
// SQL NULL (SQLite cannot hold NaN) and flagged in the row's nan_mask; +-inf
// are stored as themselves.
struct StepRow {
  std::int64_t step = 0;
  double d_loss = 0, g_loss = 0;
  double g_grad_norm = 0, d_grad_norm = 0;
  double d_real = 0, d_fake = 0;
  double d_real_logit = 0, d_fake_logit = 0;
  double dg_dp = 0, dg_dlogit = 0;
  double wall_ms = 0;
};

// Evaluation of the generator at a step. Toy-data quality (REFERENCE §3) for
// ring8/grid25, image quality (quality/image_quality.h) for Fashion-MNIST;
// the fields a data kind does not define stay empty (NULL).
struct EvalRow {
  std::int64_t step = 0;
  std::optional<double> modes_covered;
  std::optional<double> high_quality_fraction;  // in [0, 1]
  std::optional<double> mode_kl;                // KL(histogram || uniform)
  std::optional<double> frechet_distance;       // to the training set; lower is better
  std::optional<double> classes_covered;        // of 10
  std::optional<double> class_kl;               // KL(predicted classes || uniform)
};

struct LayerGradRow {
  std::int64_t step = 0;
  std::string net;    // "G" or "D"
  std::string layer;  // parameter name, e.g. "layers.0.weight"
  double grad_norm = 0;
};

// A small fixed-noise sample from the generator, float32 values row-major.
struct SampleRow {
  std::int64_t step = 0;
  std::vector<std::int64_t> shape;  // (N, 2) toy points or (N, 1, 28, 28)
  std::vector<float> values;
};

struct RegisterOutcome {
  bool file_changed = false;  // the sweep was registered from another text
  int runs_left_out = 0;      // runs the earlier text listed and this one does not
};

enum class StartOutcome {
  kStarted,          // from step 0, with no rows left from earlier attempts
  kResumed,          // from a checkpoint's step, keeping the rows before it
  kAlreadyFinished,  // done or diverged, perhaps by another process
  kBusy,             // a live process on this host is training it
};

// Where a run with a checkpoint continues. The checkpoint was written after
// `step` steps, once every row up to it was committed.
struct ResumePoint {
  std::int64_t step = 0;
  // How many step rows the run must hold below `step` (one per log.every
  // steps). Fewer or more means the rows and the checkpoint come from
  // different attempts (say, the database was replaced), and the run is
  // trained again from step 0 instead.
  std::int64_t expected_step_rows = 0;
};

// What forget_runs() found wrong; nothing is changed unless both are empty.
struct ForgetProblems {
  std::vector<std::string> unknown;  // no such run in the database
  std::vector<std::string> busy;     // a live process on this host trains it
};

struct RunOutcome {
  RunStatus status = RunStatus::kDone;
  std::optional<std::int64_t> first_nonfinite_step;
  std::string error;  // empty unless failed or interrupted
  std::int64_t steps_done = 0;
  double train_seconds = 0;
};

struct RunSummary {
  std::string run_key;
  std::string sweep;
  int position = 0;
  RunStatus status = RunStatus::kQueued;
  std::int64_t steps_done = 0;
  std::optional<std::int64_t> first_nonfinite_step;
  std::string error;
  std::string device;
  double train_seconds = 0;
  std::int64_t pid = 0;
  std::string host;
  std::string execution;    // "separate", "stacked", or "" before it started
  std::string stack_group;  // a stacked run's group
  // False for a run the sweep's current file no longer lists (it keeps its
  // results); it is then listed under the sweep that first planned it.
  bool in_sweep_file = true;
};

struct SweepSummary {
  std::string name;
  int runs = 0;
  std::string created_at;
};

}  // namespace gansweep::store
