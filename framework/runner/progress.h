// What the console shows while a sweep runs: on a terminal, one line
// redrawn in place (runs done, runs in flight, steps/s, ETA); otherwise a
// plain line per finished run, so logs of batch jobs stay readable.
// Several runs may be in flight at once. Torch-free.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

namespace gansweep {

class Progress {
 public:
  Progress(std::FILE* out, bool interactive, int runs_to_train, std::int64_t total_steps);

  void run_started(const std::string& run_key);
  // The run's steps done so far (a resumed run starts at its checkpoint's).
  void step(const std::string& run_key, std::int64_t steps_done_in_run);
  // A finished run: prints its line and redraws the bar. `counts` is false
  // for a run that will be tried again.
  void run_finished(const std::string& run_key, const std::string& line, bool counts = true);
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
  std::int64_t total_steps_;
  // Per run in flight: (steps done when first seen, steps done now).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> in_flight_;
  std::int64_t steps_trained_ = 0;  // by this process's runs, for the rate
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:02:03" or "4:05".
std::string format_duration(double seconds);

}  // namespace gansweep
