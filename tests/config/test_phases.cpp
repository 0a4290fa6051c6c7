// train.phases: parsing with defaults from the run, sweeping one phase's
// value, run keys (changed by phases, unchanged without), and one message
// with file:line:column and key path for every bad phase.
#include "config/phases.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "config/experiment.h"
#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_error;
using testing::plan_text;

const std::string kBase = "data: {kind: ring8}\n";

// The Arjovsky & Bottou protocol: train, then freeze G under a new D.
const std::string kFreezeAfter =
    "train:\n"
    "  d_steps: 2\n"
    "  phases:\n"
    "    - {steps: 20}\n"
    "    - {steps: 40, g_steps: 0, fresh_discriminator: true}\n";

Experiment experiment_of(const std::string& yaml) { return plan_text(yaml).runs.at(0).experiment; }

TEST(Phases, TakeTheRunsUpdateCountsUnlessGiven) {
  const Experiment e = experiment_of(kBase + kFreezeAfter);
  EXPECT_EQ(e.steps, 60);
  ASSERT_EQ(e.phases.size(), 2u);
  EXPECT_EQ(e.phases[0], (TrainingPhase{20, 2, 1, false}));
  EXPECT_EQ(e.phases[1], (TrainingPhase{40, 2, 0, true}));
  EXPECT_EQ(training_phases(e), e.phases);
}

TEST(Phases, ARunWithoutPhasesIsOnePhase) {
  const Experiment e = experiment_of(kBase + "train: {steps: 30, d_steps: 3}\n");
  EXPECT_TRUE(e.phases.empty());
  EXPECT_EQ(training_phases(e), (std::vector<TrainingPhase>{{30, 3, 1, false}}));
}

TEST(Phases, ChangeTheRunKeyAndLeaveOtherKeysAlone) {
  const SweepPlan plain = plan_text(kBase);
  // The pinned key of RunKey.PinnedValue: runs without phases keep theirs.
  EXPECT_EQ(plain.runs[0].run_key, "b57566f7462bf227");
  const SweepPlan phased = plan_text(kBase + "train: {phases: [{steps: 2000}]}\n");
  EXPECT_NE(phased.runs[0].run_key, plain.runs[0].run_key);
  EXPECT_EQ(canonical_settings(phased.runs[0].experiment),
            R"({"data.kind":"ring8","train.phases":[{"d_steps":1,"fresh_discriminator":false,)"
            R"("g_steps":1,"steps":2000}]})");
}

TEST(Phases, RunKeyHoldsEffectiveValues) {
  // A run-wide d_steps that every phase takes is the same run as phases
  // that say it themselves.
  EXPECT_EQ(
      plan_text(kBase + "train: {d_steps: 5, phases: [{steps: 10}, {steps: 5}]}\n").runs[0].run_key,
      plan_text(kBase + "train: {phases: [{steps: 10, d_steps: 5}, {steps: 5, d_steps: 5}]}\n")
          .runs[0]
          .run_key);
  EXPECT_NE(plan_text(kBase + "train: {phases: [{steps: 10}, {steps: 5}]}\n").runs[0].run_key,
            plan_text(kBase + "train: {phases: [{steps: 10}, {steps: 5, fresh_discriminator: "
                              "true}]}\n")
                .runs[0]
                .run_key);
}

TEST(Phases, FullConfigListsThemOnlyWhenGiven) {
  const std::string phased = full_config_json(experiment_of(kBase + kFreezeAfter));
  EXPECT_NE(phased.find(R"("steps":60,)"), std::string::npos) << phased;
  EXPECT_NE(phased.find(R"("phases":[{"d_steps":2,"fresh_discriminator":false,"g_steps":1,)"
                        R"("steps":20},{"d_steps":2,"fresh_discriminator":true,"g_steps":0,)"
                        R"("steps":40}])"),
            std::string::npos)
      << phased;
  EXPECT_EQ(full_config_json(experiment_of(kBase)).find("phases"), std::string::npos);
}

TEST(Phases, OnePhasesStepsCanBeSwept) {
  // Freeze G after 1, 10 or 25 steps of ordinary training.
  const SweepPlan plan = plan_text(kBase + kFreezeAfter +
                                   "sweep:\n"
                                   "  train.phases.0.steps: [1, 10, 25]\n"
                                   "  train.loss: [minimax, non_saturating]\n");
  ASSERT_EQ(plan.runs.size(), 6u);
  EXPECT_EQ(plan.swept_paths, (std::vector<std::string>{"train.phases.0.steps", "train.loss"}));
  EXPECT_EQ(column_name_of(plan.swept_paths[0]), "train_phases_0_steps");
  EXPECT_EQ(plan.runs[2].experiment.phases[0].steps, 10);
  EXPECT_EQ(plan.runs[2].experiment.steps, 50);
  EXPECT_EQ(plan.runs[2].experiment.phases[1], (TrainingPhase{40, 2, 0, true}));
  std::set<std::string> keys;
  for (const auto& run : plan.runs) keys.insert(run.run_key);
  EXPECT_EQ(keys.size(), 6u);
}

TEST(Phases, ValuesAPhaseDoesNotWriteCanBeSweptAndZipped) {
  const SweepPlan plan = plan_text(kBase + kFreezeAfter +
                                   "sweep:\n"
                                   "  zip:\n"
                                   "    train.phases.1.d_steps: [1, 5]\n"
                                   "    train.phases.1.fresh_discriminator: [false, true]\n");
  ASSERT_EQ(plan.runs.size(), 2u);
  EXPECT_EQ(plan.runs[0].experiment.phases[1], (TrainingPhase{40, 1, 0, false}));
  EXPECT_EQ(plan.runs[1].experiment.phases[1], (TrainingPhase{40, 5, 0, true}));
}

TEST(Phases, StepsBelowOne) {
  for (const std::string steps : {"0", "-3"}) {
    const ConfigError e = plan_error(kBase +
                                     "train:\n"
                                     "  phases:\n"
                                     "    - {steps: 10}\n"
                                     "    - {steps: " +
                                     steps + ", g_steps: 0}\n");
    EXPECT_EQ(e.key_path(), "train.phases.1.steps");
    EXPECT_EQ(e.position().line, 5);
    EXPECT_EQ(e.position().column, 15);
    EXPECT_EQ(e.detail(), steps + " is out of range: expected a value in [1, 1000000000]");
  }
}

TEST(Phases, NegativeUpdateCounts) {
  for (const std::string key : {"d_steps", "g_steps"}) {
    const ConfigError e =
        plan_error(kBase + "train:\n  phases:\n    - {steps: 10, " + key + ": -1}\n");
    EXPECT_EQ(e.key_path(), "train.phases.0." + key);
    EXPECT_EQ(e.position().line, 4);
    EXPECT_EQ(e.position().column, 28);
    EXPECT_EQ(e.detail(), "-1 is out of range: expected a value in [0, 1000]");
  }
}

TEST(Phases, BothUpdateCountsZero) {
  const ConfigError e = plan_error(kBase +
                                   "train:\n"
                                   "  phases:\n"
                                   "    - {steps: 10}\n"
                                   "    - {steps: 10, d_steps: 0, g_steps: 0}\n");
  EXPECT_EQ(std::string(e.what()),
            "test.yaml:5:40: train.phases.1.g_steps: d_steps and g_steps are both 0 in this "
            "phase: a step needs at least one update (freeze one network, not both)");
  // Also when one of the zeros comes from the run's own setting... which
  // cannot be 0, so only a sweep axis can make the pair.
  const ConfigError swept = plan_error(kBase +
                                       "train:\n"
                                       "  phases: [{steps: 10, g_steps: 0}]\n"
                                       "sweep:\n"
                                       "  train.phases.0.d_steps: [1, 0]\n");
  EXPECT_EQ(swept.key_path(), "train.phases.0.g_steps");
  EXPECT_EQ(swept.position().line, 3);
}

TEST(Phases, UnknownKeyInAPhase) {
  const ConfigError e = plan_error(kBase + "train:\n  phases:\n    - {steps: 10, g_step: 0}\n");
  EXPECT_EQ(std::string(e.what()),
            "test.yaml:4:19: train.phases.0.g_step: unknown key; did you mean 'g_steps'?");
  // Nothing close: the phase's keys are listed.
  EXPECT_EQ(plan_error(kBase + "train:\n  phases:\n    - {steps: 10, lr: 1e-3}\n").detail(),
            "unknown key; expected one of steps, d_steps, g_steps, fresh_discriminator");
}

TEST(Phases, PhaseWithoutSteps) {
  const ConfigError e =
      plan_error(kBase + "train:\n  phases:\n    - {steps: 5}\n    - {g_steps: 0}\n");
  EXPECT_EQ(std::string(e.what()),
            "test.yaml:5:7: train.phases.1: a phase needs steps: (how many steps it lasts)");
}

TEST(Phases, ListOfMappingsExpected) {
  EXPECT_EQ(plan_error(kBase + "train: {phases: 3}\n").detail(),
            "expected a list of phases such as [{steps: 2000}, {steps: 4000, g_steps: 0}], "
            "found '3'");
  EXPECT_EQ(plan_error(kBase + "train: {phases: []}\n").detail(),
            "expected a list of phases such as [{steps: 2000}, {steps: 4000, g_steps: 0}], "
            "found an empty list");
  const ConfigError item = plan_error(kBase + "train: {phases: [{steps: 5}, 200]}\n");
  EXPECT_EQ(item.key_path(), "train.phases.1");
  EXPECT_EQ(item.detail(),
            "expected a phase as a mapping such as {steps: 4000, g_steps: 0}, found '200'");
}

TEST(Phases, TrainStepsAndPhasesTogether) {
  const ConfigError e =
      plan_error(kBase + "train:\n  steps: 60\n  phases: [{steps: 20}, {steps: 40}]\n");
  EXPECT_EQ(std::string(e.what()),
            "test.yaml:3:10: train.steps: give train.steps or train.phases, not both: a run "
            "with phases lasts as many steps as its phases together (60 here)");
  // Also when train.steps comes from an axis: the axis value is pointed at.
  const ConfigError swept =
      plan_error(kBase + kFreezeAfter + "sweep:\n  train.steps: [100, 200]\n");
  EXPECT_EQ(swept.key_path(), "train.steps");
  EXPECT_EQ(swept.position().line, 8);
}

TEST(Phases, FirstPhaseCannotStartAFreshDiscriminator) {
  const ConfigError e =
      plan_error(kBase + "train:\n  phases: [{steps: 5, fresh_discriminator: true}]\n");
  EXPECT_EQ(e.key_path(), "train.phases.0.fresh_discriminator");
  EXPECT_EQ(e.position().line, 3);
  EXPECT_EQ(e.position().column, 44);
}

TEST(Phases, SweepAxesMustAddressAListedPhase) {
  const ConfigError missing =
      plan_error(kBase + kFreezeAfter + "sweep:\n  train.phases.2.steps: [5, 6]\n");
  EXPECT_EQ(std::string(missing.what()),
            "test.yaml:8:26: train.phases.2.steps: there is no phase 2: train.phases lists 2 "
            "phases (0 to 1)");
  const ConfigError none = plan_error(kBase + "sweep:\n  train.phases.0.steps: [5, 6]\n");
  EXPECT_EQ(none.detail(),
            "this run has no train.phases to set a value of; list the phases under train: "
            "first");
  EXPECT_EQ(plan_error(kBase + kFreezeAfter + "sweep:\n  train.phases: [1, 2]\n").detail(),
            "the list of phases cannot be swept as a whole; list the phases under train: and "
            "sweep one of their values, such as train.phases.0.steps");
  EXPECT_EQ(plan_error(kBase + kFreezeAfter + "sweep:\n  train.phases.0.stepz: [1, 2]\n").detail(),
            "unknown key to sweep; did you mean 'train.phases.0.steps'?");
  // One spelling per phase: "01" is not phase 1.
  EXPECT_FALSE(parse_phase_path("train.phases.01.steps"));
  EXPECT_EQ(parse_phase_path("train.phases.12.g_steps")->index, 12u);
}

}  // namespace
}  // namespace gansweep
