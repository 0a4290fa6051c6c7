#include "config/config_error.h"

#include <fmt/format.h>

namespace gansweep {
namespace {

std::string format_config_error(const std::string& file, SourcePosition position,
                                const std::string& key_path, const std::string& message) {
  std::string where = file;
  if (position.line > 0) where += fmt::format(":{}:{}", position.line, position.column);
  if (key_path.empty()) return fmt::format("{}: {}", where, message);
  return fmt::format("{}: {}: {}", where, key_path, message);
}

}  // namespace

ConfigError::ConfigError(std::string file, SourcePosition position, std::string key_path,
                         std::string message)
    : std::runtime_error(format_config_error(file, position, key_path, message)),
      file_(std::move(file)),
      position_(position),
      key_path_(std::move(key_path)),
      detail_(std::move(message)) {}

}  // namespace gansweep
