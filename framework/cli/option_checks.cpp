#include "cli/option_checks.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "store/result_store.h"

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

void check_sweep_exists(const std::string& db_path, const std::string& sweep,
                        const std::string& option) {
  for (const auto& known : store::ResultStore::open_read_only(db_path)->sweep_summaries()) {
    if (known.name == sweep) return;
  }
  throw CLI::ValidationError(option, fmt::format("no sweep named '{}' in {}", sweep, db_path));
}

}  // namespace gansweep::cli
