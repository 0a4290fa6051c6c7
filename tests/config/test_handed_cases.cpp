// The handed sweep files c01-c06 in tests/cases (failures reported against
// tools of this kind), read from disk exactly as a user would give them.
#include <string>

#include <gtest/gtest.h>

#include "config/strict_yaml.h"
#include "config/sweep_plan.h"

namespace gansweep {
namespace {

std::string case_path(const std::string& name) {
  return std::string(GANSWEEP_TEST_CASES_DIR) + "/" + name;
}

ConfigError case_error(const std::string& name) {
  try {
    plan_sweep(load_sweep_file(case_path(name)));
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << name << " was accepted";
  return ConfigError("", {}, "", "");
}

TEST(HandedCases, C01ScientificNotationWithoutADot) {
  const SweepPlan plan = plan_sweep(load_sweep_file(case_path("c01-scientific-notation.yaml")));
  ASSERT_EQ(plan.runs.size(), 2u);
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.lr_g, 1e-4);
  EXPECT_DOUBLE_EQ(plan.runs[1].experiment.lr_g, 5e-5);
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.beta1, 0.5);
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.beta2, 0.999);
}

TEST(HandedCases, C02YesIsNotALossAndNoIsAName) {
  const ConfigError e = case_error("c02-yes-no.yaml");
  EXPECT_EQ(e.key_path(), "train.loss");
  EXPECT_EQ(e.position().line, 7);
  EXPECT_EQ(e.position().column, 9);
  EXPECT_EQ(std::string(e.what()),
            case_path("c02-yes-no.yaml") +
                ":7:9: train.loss: unknown value 'yes'; expected one of minimax, "
                "non_saturating, least_squares, wasserstein_gp or hinge");
  // The same file with a valid loss keeps the name as the string "no".
  const SweepDefinition d =
      parse_sweep_definition("name: no\ndata: {kind: ring8}\ntrain: {loss: minimax}\n", "c02.yaml");
  EXPECT_EQ(d.name, "no");
}

TEST(HandedCases, C03DuplicateKeyAtTheSecondOccurrence) {
  const ConfigError e = case_error("c03-duplicate-key.yaml");
  EXPECT_EQ(e.key_path(), "train.lr");
  EXPECT_EQ(e.position().line, 10);
  EXPECT_EQ(e.position().column, 3);
}

TEST(HandedCases, C04EmptyAxis) {
  const ConfigError e = case_error("c04-empty-axis.yaml");
  EXPECT_EQ(e.key_path(), "train.d_steps");
  EXPECT_EQ(e.position().line, 7);
  EXPECT_NE(e.detail().find("0 runs"), std::string::npos);
}

TEST(HandedCases, C05DeepNestingIsAClearErrorNotACrash) {
  const ConfigError e = case_error("c05-deep-nesting.yaml");
  EXPECT_EQ(e.position().line, 3);
  EXPECT_EQ(e.position().column, 13 + kMaxYamlNesting);
  EXPECT_NE(e.detail().find("nested too deeply"), std::string::npos);
}

TEST(HandedCases, C06TypoGetsASuggestion) {
  const ConfigError e = case_error("c06-typo-key.yaml");
  EXPECT_EQ(e.key_path(), "train.setps");
  EXPECT_EQ(e.position().line, 5);
  EXPECT_EQ(e.position().column, 3);
  EXPECT_EQ(e.detail(), "unknown key; did you mean 'steps'?");
}

}  // namespace
}  // namespace gansweep
