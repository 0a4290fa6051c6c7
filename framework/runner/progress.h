// What the console shows while a sweep runs: on a terminal, one line
// redrawn in place (runs done, steps/s, ETA); otherwise a plain line per
// finished run, so logs of batch jobs stay readable. Torch-free.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gansweep {

class Progress {
 public:
  Progress(std::FILE* out, bool interactive, int runs_to_train, std::int64_t total_steps);

  // Called after every training step of the current run.
  void step(std::int64_t steps_done_in_run);
  void run_started(int index, const std::string& run_key);
  // A finished run: prints its line (plain mode) and redraws the bar.
  void run_finished(const std::string& line, std::int64_t steps_planned_for_run);
  // Prints a message above the bar.
  void message(const std::string& line);
  void finish();

 private:
  void draw(bool force);
  void clear_line();

  std::FILE* out_;
  bool interactive_;
  int runs_to_train_;
  int runs_finished_ = 0;
  int current_index_ = 0;
  std::string current_key_;
  std::int64_t total_steps_;
  std::int64_t steps_before_run_ = 0;
  std::int64_t steps_in_run_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:02:03" or "4:05".
std::string format_duration(double seconds);

}  // namespace gansweep
