// The one error type for a bad sweep file: it says where (file:line:column
// and the key path), what was found and what was expected, so a user can fix
// the file without reading gansweep's code.
#pragma once

#include <stdexcept>
#include <string>

namespace gansweep {

// 1-based line and column; 0 means unknown.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

class ConfigError : public std::runtime_error {
 public:
  // key_path may be empty (a syntax error has none).
  ConfigError(std::string file, SourcePosition position, std::string key_path, std::string message);

  const std::string& file() const { return file_; }
  SourcePosition position() const { return position_; }
  const std::string& key_path() const { return key_path_; }
  // The message without the location prefix.
  const std::string& detail() const { return detail_; }

 private:
  std::string file_;
  SourcePosition position_;
  std::string key_path_;
  std::string detail_;
};

}  // namespace gansweep
