#include "runner/run_registration.h"

namespace gansweep {
namespace {

store::ColumnValue to_column(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> store::ColumnValue {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return static_cast<std::int64_t>(v);
        } else {
          return v;
        }
      },
      value);
}

}  // namespace

store::RunRecord run_record(const PlannedRun& run, const std::optional<std::string>& device) {
  store::RunRecord record;
  record.run_key = run.run_key;
  record.position = run.position;
  Experiment experiment = run.experiment;
  if (device) experiment.device = *device;
  record.config_json = full_config_json(experiment);
  for (const auto& [path, value] : run.swept) {
    record.swept.emplace_back(column_name_of(path), to_column(value));
  }
  return record;
}

std::vector<store::RunRecord> run_records(const SweepPlan& plan,
                                          const std::optional<std::string>& device) {
  std::vector<store::RunRecord> records;
  records.reserve(plan.runs.size());
  for (const auto& run : plan.runs) records.push_back(run_record(run, device));
  return records;
}

store::SweepRecord sweep_record(const SweepPlan& plan) {
  return {plan.definition.name, plan.definition.file, plan.definition.text};
}

}  // namespace gansweep
