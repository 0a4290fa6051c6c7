// Run keys: canonical numbers, defaults left out, execution settings
// ignored, and pinned values so that a change to the key is noticed.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "config/experiment.h"
#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_text;

std::string key_of(const std::string& yaml) { return plan_text(yaml).runs.at(0).run_key; }
std::string canonical_of(const std::string& yaml) {
  return canonical_settings(plan_text(yaml).runs.at(0).experiment);
}

TEST(RunKey, CanonicalFormOfAMinimalFile) {
  EXPECT_EQ(canonical_of("data: {kind: ring8}\n"), R"({"data.kind":"ring8"})");
  EXPECT_EQ(canonical_of("data: {kind: ring8}\ntrain: {lr: 1e-4, loss: minimax, seed: 3}\n"),
            R"({"data.kind":"ring8","train.loss":"minimax","train.lr_d":0.0001,)"
            R"("train.lr_g":0.0001,"train.seed":3})");
}

TEST(RunKey, PinnedValue) {
  // Stored databases rely on this value: if it changes, every existing
  // result would be retrained. Change it only with a migration.
  EXPECT_EQ(key_of("data: {kind: ring8}\n"), "b57566f7462bf227");
}

TEST(RunKey, ImageEvalSamplesHaveTheirOwnDefaultLeftOutOfTheKey) {
  // Image runs were keyed without log.eval_samples before they were scored;
  // at the image default (1000) it is still left out, so their keys stay.
  const std::string images = "data: {kind: fashion_mnist}\nmodel: {kind: dcgan}\n";
  EXPECT_EQ(canonical_of(images), R"({"data.kind":"fashion_mnist","model.kind":"dcgan"})");
  EXPECT_EQ(plan_text(images).runs.at(0).experiment.eval_samples, kImageEvalSamples);
  EXPECT_EQ(key_of(images), key_of(images + "log: {eval_samples: 1000}\n"));
  // Any other count scores differently, so it is another run; 2500, the
  // registry's (toy) default, included.
  EXPECT_NE(key_of(images), key_of(images + "log: {eval_samples: 2500}\n"));
  EXPECT_NE(key_of(images), key_of(images + "log: {eval_samples: 500}\n"));
  EXPECT_EQ(canonical_of(images + "log: {eval_samples: 2500}\n"),
            R"({"data.kind":"fashion_mnist","log.eval_samples":2500,"model.kind":"dcgan"})");
  // Toy data keeps the VEEGAN protocol's 2500 as its default.
  EXPECT_EQ(plan_text("data: {kind: ring8}\n").runs.at(0).experiment.eval_samples, 2500);
  EXPECT_EQ(key_of("data: {kind: ring8}\n"),
            key_of("data: {kind: ring8}\nlog: {eval_samples: 2500}\n"));
}

TEST(RunKey, ImageEvalSamplesOutOfRangeAreRefused) {
  const std::string images = "data: {kind: fashion_mnist}\nmodel: {kind: dcgan}\n";
  for (const std::string count : {"1", "10001"}) {
    const ConfigError e = testing::plan_error(images + "log: {eval_samples: " + count + "}\n");
    EXPECT_EQ(e.key_path(), "log.eval_samples");
    EXPECT_EQ(e.position().line, 3);
    EXPECT_EQ(e.detail(),
              "an image evaluation scores 2 to 10000 samples (a covariance needs at "
              "least 2), found " +
                  count);
  }
  EXPECT_NO_THROW(plan_text(images + "log: {eval_samples: 2}\n"));
  EXPECT_NO_THROW(plan_text(images + "log: {eval_samples: 10000}\n"));
}

TEST(RunKey, NumbersAreCanonical) {
  const std::string a = key_of("data: {kind: ring8}\ntrain: {lr: 1e-4}\n");
  EXPECT_EQ(a, key_of("data: {kind: ring8}\ntrain: {lr: 0.0001}\n"));
  EXPECT_EQ(a, key_of("data: {kind: ring8}\ntrain: {lr: 1.0E-4}\n"));
  EXPECT_NE(a, key_of("data: {kind: ring8}\ntrain: {lr: 1.1e-4}\n"));
  EXPECT_EQ(key_of("data: {kind: ring8}\ntrain: {steps: 1000}\n"),
            key_of("data: {kind: ring8}\ntrain: {steps: 1e3}\n"));
}

TEST(RunKey, MinusZeroIsZero) {
  EXPECT_EQ(key_of("data: {kind: ring8}\ntrain: {beta1: -0.0}\n"),
            key_of("data: {kind: ring8}\ntrain: {beta1: 0}\n"));
}

TEST(RunKey, DefaultsWrittenOutGiveTheSameKey) {
  EXPECT_EQ(key_of("data: {kind: ring8}\n"),
            key_of("data: {kind: ring8}\nmodel: {kind: mlp, hidden: 128}\n"
                   "train: {steps: 2000, lr: 2e-4, beta1: 0.5, d_steps: 1}\n"
                   "log: {every: 1}\n"));
}

TEST(RunKey, ExecutionSettingsAreNotPartOfTheKey) {
  EXPECT_EQ(key_of("data: {kind: ring8}\n"),
            key_of("data: {kind: ring8, path: /elsewhere}\ntrain: {device: cpu}\n"));
}

TEST(RunKey, LrShorthandEqualsExplicitRates) {
  EXPECT_EQ(key_of("data: {kind: ring8}\ntrain: {lr: 1e-3}\n"),
            key_of("data: {kind: ring8}\ntrain: {lr_g: 1e-3, lr_d: 1e-3}\n"));
}

TEST(RunKey, UnusedSettingsAreLeftOut) {
  EXPECT_EQ(key_of("data: {kind: ring8}\n"),
            key_of("data: {kind: ring8}\ntrain: {gp_lambda: 5}\nmodel: {width: 16}\n"));
  EXPECT_NE(key_of("data: {kind: ring8}\ntrain: {loss: wasserstein_gp}\n"),
            key_of("data: {kind: ring8}\ntrain: {loss: wasserstein_gp, gp_lambda: 5}\n"));
}

TEST(RunKey, EverySweptDifferenceChangesTheKey) {
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\nsweep:\n  train.loss: [minimax, non_saturating]\n"
      "  train.d_steps: [1, 5]\n  train.seed: [0, 1]\n");
  std::set<std::string> keys;
  for (const auto& run : plan.runs) keys.insert(run.run_key);
  EXPECT_EQ(keys.size(), 8u);
}

TEST(RunKey, FullConfigRecordsTheSingleRateOrNull) {
  const auto same = full_config_json(
      plan_text("data: {kind: ring8}\ntrain: {lr_g: 1e-3, lr_d: 1e-3}\n").runs[0].experiment);
  EXPECT_NE(same.find(R"("lr":0.001,)"), std::string::npos) << same;
  const auto differ =
      full_config_json(plan_text("data: {kind: ring8}\ntrain: {lr_d: 1e-3}\n").runs[0].experiment);
  EXPECT_NE(differ.find(R"("lr":null,)"), std::string::npos) << differ;
}

TEST(RunKey, FullConfigHasEverySetting) {
  const auto json = full_config_json(plan_text("data: {kind: ring8}\n").runs[0].experiment);
  EXPECT_NE(json.find(R"("device":"auto")"), std::string::npos);
  EXPECT_NE(json.find(R"("lr_g":0.0002)"), std::string::npos);
  EXPECT_NE(json.find(R"("kind":"ring8")"), std::string::npos);
}

}  // namespace
}  // namespace gansweep
