// Filters on runs, as a user writes them on the command line
// ("loss=minimax", "lr<1e-3", "g_loss<0.1"), parsed into a key, an operator
// and a value that is bound as an SQL parameter, never pasted into SQL.
// Torch-free.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gansweep::query {

// The columns of `evals` a query can name, in table order: toy-data quality,
// then image quality.
inline constexpr std::array<std::string_view, 6> kEvalColumns = {
    "modes_covered",    "high_quality_fraction", "mode_kl",
    "frechet_distance", "classes_covered",       "class_kl"};

enum class CompareOp { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };

// What a filter or a sort can name: a setting of the run (read from its
// resolved config), a column of `runs`, or an outcome: the run's last
// recorded step row or last evaluation.
struct RunField {
  enum class Kind { kSetting, kRunColumn, kFinalStep, kFinalEval };
  Kind kind = Kind::kSetting;
  std::string name;  // "train.lr", "status", "g_loss", "modes_covered"
  bool numeric = false;
};

// Resolves what a user typed: a full setting path ("train.lr"), a setting's
// last part when it is unambiguous ("lr", "d_steps"), a runs column
// ("status", "steps_done", "first_nonfinite_step", "attempts",
// "train_seconds"), a step metric ("g_loss", "g_grad_norm", ...) or an
// evaluation (kEvalColumns: "modes_covered", "frechet_distance", ...). Throws
// std::invalid_argument naming the field and listing what is accepted.
RunField resolve_run_field(const std::string& text);

struct RunFilter {
  RunField field;
  CompareOp op = CompareOp::kEqual;
  std::variant<double, std::string> value;
};

// "loss=minimax", "lr < 1e-3", "status!=diverged". Numeric fields need a
// number; text fields take = and != only. Throws std::invalid_argument.
RunFilter parse_run_filter(const std::string& text);

std::string sql_operator(CompareOp op);

}  // namespace gansweep::query
