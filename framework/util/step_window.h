// A window of training steps, written BEGIN:END and half-open like a slice
// ("0:200" is steps 0 to 199; "3000:" is step 3000 to the end). Used by the
// query commands and by a sweep file's rerun_best: section. Torch-free.
#pragma once

#include <cstdint>
#include <string>

namespace gansweep {

struct StepWindow {
  std::int64_t begin = 0;  // first step included
  std::int64_t end = 0;    // first step excluded (half-open, like a slice)

  bool contains(std::int64_t step) const { return step >= begin && step < end; }
};

// "0:200" -> {0, 200}; ":200" and "100:" are accepted (open ends). Throws
// std::invalid_argument with a message saying what was expected.
StepWindow parse_step_window(const std::string& text);

// For messages: "steps 3000 to 4000", "steps 3000 to the end".
std::string step_window_text(const StepWindow& window);

}  // namespace gansweep
