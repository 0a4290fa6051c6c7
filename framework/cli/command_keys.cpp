// `gansweep keys`: every key a sweep file can set, with its default: the run
// settings, a phase's keys, and the keys of search: and rerun_best:.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "config/parameters.h"
#include "config/phases.h"
#include "config/rerun_best.h"
#include "util/text.h"

namespace gansweep::cli {

void add_keys_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("keys", "List the keys of a sweep file and their defaults");
  command->callback([&exit_code] {
    Table table;
    table.set_header({"key", "type", "default", "meaning"});
    for (const auto& spec : parameter_specs()) {
      std::string type(type_name(spec.type));
      if (spec.type == ParamType::kChoice) type = "one of";
      std::string default_text = spec.default_value ? format_value(*spec.default_value)
                                 : spec.required    ? "(required)"
                                                    : "train.lr";
      std::string meaning = spec.doc;
      if (!spec.choices.empty()) meaning = join_choices(spec.choices) + ". " + meaning;
      if (!spec.identifies_run) meaning += " Not part of the run key.";
      table.add_row({spec.path, type, default_text, meaning});
    }
    // One row per key of a phase; N is the phase's index in train.phases.
    table.add_row({std::string(kPhasesPath), "list", "(none)",
                   "Phases of the run, in order; each a mapping of the keys below. Replaces "
                   "train.steps."});
    for (const auto& spec : phase_parameter_specs()) {
      // d_steps and g_steps default to the run's own.
      const std::string name = spec.path.substr(spec.path.rfind('.') + 1);
      const std::string default_text = spec.default_value ? format_value(*spec.default_value)
                                       : name == "steps"  ? "(required)"
                                                          : "train." + name;
      table.add_row({spec.path, std::string(type_name(spec.type)), default_text, spec.doc});
    }
    // The sections that are not run settings: what search: and rerun_best:
    // take (README, "Random search" and "Best settings, then fresh seeds").
    const std::vector<std::vector<std::string>> sections{
        {"search.samples", "integer", "(required)", "Random draws per grid cell, 1 to 1000000."},
        {"search.seed", "integer", "0", "The search's own seed (not train.seed)."},
        {"search.KEY", "mapping", "(none)",
         "A distribution for setting KEY: {uniform: [lo, hi]}, {loguniform: [lo, hi]}, "
         "{int: [lo, hi]} or {choice: [a, b, ...]}."},
        {"search.per_loss.LOSS.KEY", "mapping", "(none)",
         "A distribution used for the runs of LOSS only, replacing the common one."},
        {"rerun_best.metric", "one of", "(required)",
         join_choices([] {
           std::vector<std::string> names;
           for (const auto& m : outcome_metrics()) names.emplace_back(m.name);
           return names;
         }()) +
             ". The evaluation that ranks the settings of each loss."},
        {"rerun_best.window", "text", "(required)",
         "Steps whose evaluations are averaged, BEGIN:END, half-open (\"3000:\" to the end)."},
        {"rerun_best.top", "integer", "1", "Settings rerun per loss, 1 to 1000."},
        {"rerun_best.seeds", "integer", "(required)",
         "Fresh seeds each chosen setting is rerun with, 1 to 10000."},
        {"rerun_best.first_seed", "integer", "(above the sweep's)",
         "The first rerun seed; default one above the sweep's highest train.seed."},
    };
    for (const auto& row : sections) table.add_row(row);
    table.print(stdout);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
