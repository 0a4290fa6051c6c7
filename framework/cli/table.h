// Aligned text tables for the terminal. Torch-free.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace gansweep::cli {

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
