#include "util/step_window.h"

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace gansweep {

StepWindow parse_step_window(const std::string& text) {
  const auto colon = text.find(':');
  const auto fail = [&] {
    throw std::invalid_argument(
        fmt::format("step window '{}' is not of the form BEGIN:END (half-open, like 0:200)", text));
  };
  if (colon == std::string::npos) fail();
  const auto parse = [&](const std::string& part, std::int64_t fallback) -> std::int64_t {
    if (part.empty()) return fallback;
    std::size_t used = 0;
    std::int64_t value = 0;
    try {
      value = std::stoll(part, &used);
    } catch (const std::exception&) {
      fail();
    }
    if (used != part.size() || value < 0) fail();
    return value;
  };
  StepWindow window{parse(text.substr(0, colon), 0),
                    parse(text.substr(colon + 1), std::numeric_limits<std::int64_t>::max())};
  if (window.end <= window.begin) {
    throw std::invalid_argument(
        fmt::format("step window '{}' is empty: END must be greater than BEGIN", text));
  }
  return window;
}

std::string step_window_text(const StepWindow& window) {
  if (window.end == std::numeric_limits<std::int64_t>::max()) {
    return fmt::format("steps {} to the end", window.begin);
  }
  return fmt::format("steps {} to {}", window.begin, window.end - 1);
}

}  // namespace gansweep
