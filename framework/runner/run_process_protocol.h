// What a run process (`gansweep train-run`) and the scheduler that started
// it tell each other, besides the database: lines on its standard output,
// "resumed N" when it continues from a checkpoint at step N, "progress N"
// after steps (a few per second at most) and "warning TEXT" for what the
// user should see (a checkpoint that could not be used), and its exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gansweep::run_process {

// Exit codes of `gansweep train-run`, besides 0 (an outcome was recorded:
// done, diverged or interrupted), 1 (the run failed; recorded) and 2 (bad
// input, nothing recorded).
inline constexpr int kExitBusy = 3;  // another live process holds the run

inline std::string progress_line(std::int64_t steps_done) {
  return "progress " + std::to_string(steps_done);
}

inline std::string resumed_line(std::int64_t step) { return "resumed " + std::to_string(step); }

inline constexpr std::string_view kWarningPrefix = "warning ";

// The number after `prefix` ("progress ", "resumed "), if the line is one.
inline std::optional<std::int64_t> parse_line(const std::string& line, std::string_view prefix) {
  if (line.rfind(prefix, 0) != 0) return std::nullopt;
  try {
    return std::stoll(line.substr(prefix.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace gansweep::run_process
