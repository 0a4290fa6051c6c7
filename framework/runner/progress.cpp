#include "runner/progress.h"

#include <algorithm>

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

void Progress::run_started(const std::string& run_key) {
  in_flight_[run_key] = {-1, 0};
  draw(true);
}

void Progress::step(const std::string& run_key, std::int64_t steps_done_in_run) {
  auto& [first, now] = in_flight_[run_key];
  if (first < 0) first = steps_done_in_run;
  steps_trained_ += steps_done_in_run - std::max(now, first);
  now = steps_done_in_run;
  draw(false);
}

void Progress::run_finished(const std::string& run_key, const std::string& line, bool counts) {
  in_flight_.erase(run_key);
  if (counts) ++runs_finished_;
  if (line.empty()) {
    draw(true);
  } else {
    message(line);
  }
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
  const double rate = elapsed > 0 ? static_cast<double>(steps_trained_) / elapsed : 0;
  // Steps left: the unstarted runs' share of the total, less what the runs
  // in flight have done.
  std::int64_t in_flight_done = 0;
  for (const auto& [key, steps] : in_flight_)
    in_flight_done += std::max<std::int64_t>(0, steps.second);
  const int runs_left = runs_to_train_ - runs_finished_;
  const double per_run =
      runs_to_train_ > 0 ? static_cast<double>(total_steps_) / runs_to_train_ : 0;
  const double left = std::max(0.0, per_run * runs_left - static_cast<double>(in_flight_done));
  const double eta = rate > 0 ? left / rate : -1;
  const double fraction = total_steps_ > 0 ? 1.0 - left / static_cast<double>(total_steps_) : 0;
  constexpr int kWidth = 24;
  const int filled = std::clamp(static_cast<int>(kWidth * fraction), 0, kWidth);
  fmt::print(out_, "\r\033[K[{}{}] {}/{} runs, {} running  {:.0f} steps/s  ETA {}",
             std::string(filled, '#'), std::string(kWidth - filled, ' '), runs_finished_,
             runs_to_train_, in_flight_.size(), rate, format_duration(eta));
  std::fflush(out_);
}

}  // namespace gansweep
