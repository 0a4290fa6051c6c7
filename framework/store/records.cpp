// Names of run statuses as stored in runs.status (and checked by its CHECK
// constraint), and their parsing back.

#include "store/records.h"

#include <array>
#include <stdexcept>

namespace gansweep::store {
namespace {

struct StatusName {
  RunStatus status;
  std::string_view name;
};

constexpr std::array<StatusName, 6> kStatusNames = {{
    {RunStatus::kQueued, "queued"},
    {RunStatus::kRunning, "running"},
    {RunStatus::kDone, "done"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kDiverged, "diverged"},
    {RunStatus::kInterrupted, "interrupted"},
}};

}  // namespace

std::string_view to_string(RunStatus status) {
  for (const auto& entry : kStatusNames) {
    if (entry.status == status) return entry.name;
  }
  // Only reachable through a cast from an out-of-range integer.
  throw std::invalid_argument("invalid RunStatus value " +
                              std::to_string(static_cast<int>(status)));
}

RunStatus parse_run_status(std::string_view name) {
  for (const auto& entry : kStatusNames) {
    if (entry.name == name) return entry.status;
  }
  throw std::invalid_argument("unknown run status '" + std::string(name) +
                              "' (expected queued, running, done, failed, diverged or "
                              "interrupted)");
}

}  // namespace gansweep::store
