#include "cli/option_checks.h"

#include <cmath>
#include <string>

namespace gansweep::cli {

CLI::Validator finite_seconds() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double value = std::stod(text, &used);
          if (used == text.size() && std::isfinite(value) && value >= 0 && value <= 1e9) {
            return "";
          }
        } catch (const std::exception&) {
        }
        return "expected a number of seconds from 0 to 1e9, got " + text;
      },
      "SECONDS");
}

}  // namespace gansweep::cli
