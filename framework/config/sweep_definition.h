// A sweep file as written: the fixed settings, and the axes to vary, each
// value kept with its position in the file so that a value which is invalid
// only in combination (found when the runs are resolved) is still reported
// at its line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/parameters.h"
#include "config/rerun_best.h"
#include "config/search_space.h"

namespace gansweep {

struct LocatedValue {
  ParamValue value;
  SourcePosition position;
};

// Settings by dotted path. Absent keys take their defaults later.
using Assignment = std::map<std::string, LocatedValue>;

// One axis of the grid: a single key, or a zip group of keys whose i-th
// values go together.
struct SweepAxis {
  std::vector<std::string> paths;
  std::vector<std::vector<LocatedValue>> values;  // values[k][i] for paths[k]
  std::size_t size() const { return values.empty() ? 0 : values.front().size(); }
};

struct SweepDefinition {
  std::string name;
  std::string file;  // as given, for messages and the record
  std::string text;  // the file's bytes, stored with the results
  Assignment base;
  std::vector<SweepAxis> axes;  // in file order; the last varies fastest
  // Random draws on top of the grid (search:), if the file has them.
  std::optional<SearchSpace> search;
  // Rerun the best settings per loss with fresh seeds (rerun_best:), once
  // the runs above have finished.
  std::optional<RerunBest> rerun_best;
};

// Limits that keep a wrong file (a log, /dev/zero) from being read whole.
inline constexpr std::uintmax_t kMaxSweepFileBytes = 4 << 20;

// Reads and parses a sweep file. Throws ConfigError (also for an unreadable
// file, naming it).
SweepDefinition load_sweep_file(const std::filesystem::path& path);

// Parses sweep text; `file` is used in messages.
SweepDefinition parse_sweep_definition(std::string_view text, const std::string& file);

}  // namespace gansweep
