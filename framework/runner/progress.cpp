#include "runner/progress.h"

#include <fmt/format.h>

namespace gansweep {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const auto total = static_cast<std::int64_t>(seconds + 0.5);
  const auto h = total / 3600;
  const auto m = (total / 60) % 60;
  const auto s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

Progress::Progress(std::FILE* out, bool interactive, int runs_to_train, std::int64_t total_steps)
    : out_(out),
      interactive_(interactive),
      runs_to_train_(runs_to_train),
      total_steps_(total_steps),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_) {}

void Progress::run_started(int index, const std::string& run_key) {
  current_index_ = index;
  current_key_ = run_key;
  steps_in_run_ = 0;
  draw(true);
}

void Progress::step(std::int64_t steps_done_in_run) {
  steps_in_run_ = steps_done_in_run;
  draw(false);
}

void Progress::run_finished(const std::string& line, std::int64_t steps_planned_for_run) {
  ++runs_finished_;
  steps_before_run_ += steps_planned_for_run;
  steps_in_run_ = 0;
  message(line);
}

void Progress::message(const std::string& line) {
  clear_line();
  fmt::print(out_, "{}\n", line);
  draw(true);
  std::fflush(out_);
}

void Progress::finish() {
  clear_line();
  std::fflush(out_);
}

void Progress::clear_line() {
  if (interactive_) fmt::print(out_, "\r\033[K");
}

void Progress::draw(bool force) {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const std::int64_t done = steps_before_run_ + steps_in_run_;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_steps_ - done) / rate : -1;
  constexpr int kWidth = 24;
  const int filled =
      total_steps_ > 0 ? static_cast<int>(kWidth * static_cast<double>(done) / total_steps_) : 0;
  fmt::print(out_, "\r\033[K[{}{}] {}/{} runs  run {} {}  {:.0f} steps/s  ETA {}",
             std::string(std::min(filled, kWidth), '#'),
             std::string(kWidth - std::min(filled, kWidth), ' '), runs_finished_, runs_to_train_,
             current_index_ + 1, current_key_, rate, format_duration(eta));
  std::fflush(out_);
}

}  // namespace gansweep
