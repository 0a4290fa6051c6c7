// Aligned text tables for the terminal. Torch-free.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace gansweep::cli {

// One CSV record (RFC 4180): fields holding a comma, quote or line break
// are quoted, with quotes doubled.
std::string csv_line(const std::vector<std::string>& fields);

class Table {
 public:
  void set_header(std::vector<std::string> header) { header_ = std::move(header); }
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns are left-aligned and separated by two spaces.
  void print(std::FILE* out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace gansweep::cli
