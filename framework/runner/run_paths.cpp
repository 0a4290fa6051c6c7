#include "runner/run_paths.h"

#include "util/stable_hash.h"
#include "util/text.h"

namespace gansweep {

std::filesystem::path default_db_path(const std::string& sweep_name) {
  return std::filesystem::path("results") / (safe_file_name(sweep_name) + ".db");
}

std::filesystem::path default_classifier_dir(const std::filesystem::path& db_path) {
  return db_path.parent_path() / "classifiers";
}

std::filesystem::path runs_directory(const std::filesystem::path& db_path) {
  // results/x.db -> results/x.runs; any other name keeps its extension
  // (exp.v1 -> exp.v1.runs) so two databases never share a folder.
  std::filesystem::path base = db_path;
  if (base.extension() == ".db") base.replace_extension();
  return base.string() + ".runs";
}

std::filesystem::path run_directory(const std::filesystem::path& db_path,
                                    const std::string& run_key) {
  return runs_directory(db_path) / run_key;
}

std::filesystem::path generator_weights_path(const std::filesystem::path& db_path,
                                             const std::string& run_key) {
  return run_directory(db_path, run_key) / "generator.pt";
}

std::filesystem::path checkpoint_path(const std::filesystem::path& db_path,
                                      const std::string& run_key) {
  return run_directory(db_path, run_key) / "checkpoint.pt";
}

std::filesystem::path run_log_path(const std::filesystem::path& db_path,
                                   const std::string& run_key) {
  return run_directory(db_path, run_key) / "run.log";
}

std::string stack_group_id(const std::vector<std::string>& sorted_run_keys) {
  std::string joined;
  for (const auto& key : sorted_run_keys) joined += key + "\n";
  return "stack-" + stable_hash_hex(joined);
}

}  // namespace gansweep
