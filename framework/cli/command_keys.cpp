// `gansweep keys`: every key a sweep file can set, with its default.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "config/parameters.h"
#include "config/phases.h"
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
    table.print(stdout);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
