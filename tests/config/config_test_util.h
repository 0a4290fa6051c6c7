// Helpers for config tests: parse inline YAML and capture the ConfigError.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "config/config_error.h"
#include "config/sweep_plan.h"

namespace gansweep::testing {

inline SweepPlan plan_text(const std::string& yaml, const std::string& file = "test.yaml") {
  return plan_sweep(parse_sweep_definition(yaml, file));
}

// The error thrown while parsing and planning `yaml`; fails the test if none.
inline ConfigError plan_error(const std::string& yaml, const std::string& file = "test.yaml") {
  try {
    plan_text(yaml, file);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
  return ConfigError(file, {}, "", "none");
}

}  // namespace gansweep::testing
