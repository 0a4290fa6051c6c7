// Random search in sweep files: the same file plans the same runs to the bit
// (pinned), draws stay in their ranges, per-loss keys are drawn only for
// their loss, samples compose with the grid, and each bad search gets one
// error with its position.
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_error;
using testing::plan_text;

const std::string kBase = "data: {kind: ring8}\n";

// Lucic et al.'s protocol in small: per loss, samples of the learning rate,
// beta1 and the step ratio, two seeds each; wasserstein_gp also draws its
// penalty weight and has its own learning-rate range.
const std::string kLucic = kBase +
                           "sweep:\n"
                           "  train.loss: [non_saturating, wasserstein_gp]\n"
                           "  train.seed: [0, 1]\n"
                           "search:\n"
                           "  samples: 5\n"
                           "  seed: 7\n"
                           "  train.lr: {loguniform: [1e-5, 1e-2]}\n"
                           "  train.beta1: {uniform: [0, 1]}\n"
                           "  train.d_steps: {choice: [1, 5]}\n"
                           "  per_loss:\n"
                           "    wasserstein_gp:\n"
                           "      train.gp_lambda: {uniform: [1, 20]}\n"
                           "      train.lr: {loguniform: [1e-4, 1e-3]}\n";

const ParamValue* swept_value(const PlannedRun& run, const std::string& path) {
  for (const auto& [p, value] : run.swept) {
    if (p == path) return &value;
  }
  return nullptr;
}

double real(const PlannedRun& run, const std::string& path) {
  return std::get<double>(*swept_value(run, path));
}

TEST(Search, SameFileSameRunsToTheBit) {
  const SweepPlan first = plan_text(kLucic);
  const SweepPlan second = plan_text(kLucic);
  ASSERT_EQ(first.runs.size(), second.runs.size());
  for (std::size_t i = 0; i < first.runs.size(); ++i) {
    EXPECT_EQ(first.runs[i].run_key, second.runs[i].run_key);
    EXPECT_EQ(first.runs[i].swept, second.runs[i].swept);  // doubles compared exactly
  }
}

TEST(Search, PinnedDraws) {
  // These values are what every machine plans for kLucic. If this test
  // fails, the draws changed, and files with a search would plan other runs
  // (under other keys) than before.
  const SweepPlan plan = plan_text(kLucic);
  const PlannedRun& first = plan.runs.at(0);
  EXPECT_EQ(format_value(*swept_value(first, "train.lr")), "0.0011437058858432866");
  EXPECT_EQ(format_value(*swept_value(first, "train.beta1")), "0.16962386884555658");
  EXPECT_EQ(format_value(*swept_value(first, "train.d_steps")), "5");
  const PlannedRun& critic = plan.runs.at(10);
  ASSERT_EQ(critic.experiment.loss, LossKind::kWassersteinGp);
  EXPECT_EQ(format_value(*swept_value(critic, "train.gp_lambda")), "12.62655471537361");
  EXPECT_EQ(first.run_key, "d9cab0cafd5bc617");
}

TEST(Search, SamplesComposeWithTheGrid) {
  const SweepPlan plan = plan_text(kLucic);
  // 2 losses x 2 seeds x 5 samples, the samples varying fastest.
  ASSERT_EQ(plan.runs.size(), 20u);
  EXPECT_EQ(plan.duplicates_dropped, 0u);
  std::set<std::string> keys;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const PlannedRun& run = plan.runs[i];
    keys.insert(run.run_key);
    EXPECT_EQ(run.position, static_cast<int>(i));
    ASSERT_TRUE(run.sample.has_value());
    EXPECT_EQ(*run.sample, static_cast<std::int64_t>(i % 5));
    EXPECT_EQ(run.experiment.seed, (i / 5) % 2);
    EXPECT_EQ(run.experiment.loss, i < 10 ? LossKind::kNonSaturating : LossKind::kWassersteinGp);
  }
  EXPECT_EQ(keys.size(), 20u);
  EXPECT_EQ(plan.swept_paths,
            (std::vector<std::string>{"train.loss", "train.seed", "train.lr", "train.beta1",
                                      "train.d_steps", "train.gp_lambda"}));
}

TEST(Search, SeedsRepeatTheirCellsDraws) {
  const SweepPlan plan = plan_text(kLucic);
  for (std::size_t i = 0; i < plan.runs.size(); i += 10) {
    for (std::size_t s = 0; s < 5; ++s) {
      const PlannedRun& seed0 = plan.runs[i + s];
      const PlannedRun& seed1 = plan.runs[i + 5 + s];
      ASSERT_EQ(seed0.experiment.seed, 0u);
      ASSERT_EQ(seed1.experiment.seed, 1u);
      EXPECT_EQ(seed0.experiment.lr_g, seed1.experiment.lr_g);
      EXPECT_EQ(seed0.experiment.beta1, seed1.experiment.beta1);
      EXPECT_EQ(seed0.experiment.d_steps, seed1.experiment.d_steps);
      EXPECT_EQ(seed0.experiment.gp_lambda, seed1.experiment.gp_lambda);
    }
  }
  // Different losses (cells) and different samples draw differently.
  EXPECT_NE(plan.runs[0].experiment.lr_g, plan.runs[10].experiment.lr_g);
  EXPECT_NE(plan.runs[0].experiment.beta1, plan.runs[1].experiment.beta1);
}

TEST(Search, LossDependentKeysAreDrawnOnlyForTheirLoss) {
  const SweepPlan plan = plan_text(kLucic);
  for (const PlannedRun& run : plan.runs) {
    const ParamValue* gp_lambda = swept_value(run, "train.gp_lambda");
    const double lr = real(run, "train.lr");
    if (run.experiment.loss == LossKind::kWassersteinGp) {
      ASSERT_NE(gp_lambda, nullptr);
      EXPECT_GE(std::get<double>(*gp_lambda), 1.0);
      EXPECT_LT(std::get<double>(*gp_lambda), 20.0);
      EXPECT_EQ(run.experiment.gp_lambda, std::get<double>(*gp_lambda));
      // The loss's own range replaces the common one.
      EXPECT_GE(lr, 1e-4);
      EXPECT_LT(lr, 1e-3);
    } else {
      EXPECT_EQ(gp_lambda, nullptr);
      EXPECT_EQ(run.experiment.gp_lambda, 10.0);  // the default, not read by the run
      EXPECT_GE(lr, 1e-5);
      EXPECT_LT(lr, 1e-2);
    }
    EXPECT_EQ(run.experiment.lr_g, lr);
    EXPECT_EQ(run.experiment.lr_d, lr);
  }
}

TEST(Search, CommonKeyNotReadByALossIsSkippedForIt) {
  const SweepPlan plan = plan_text(kBase +
                                   "sweep: {train.loss: [hinge, wasserstein_gp]}\n"
                                   "search:\n"
                                   "  samples: 3\n"
                                   "  train.gp_lambda: {uniform: [1, 20]}\n");
  ASSERT_EQ(plan.runs.size(), 4u);  // hinge's 3 samples are one run
  EXPECT_EQ(plan.duplicates_dropped, 2u);
  EXPECT_EQ(swept_value(plan.runs[0], "train.gp_lambda"), nullptr);
  for (int i = 1; i < 4; ++i) EXPECT_NE(swept_value(plan.runs[i], "train.gp_lambda"), nullptr);
}

TEST(Search, ManyDrawsStayInRangeAndCoverTheirOptions) {
  const SweepPlan plan = plan_text(kBase +
                                   "search:\n"
                                   "  samples: 3000\n"
                                   "  train.lr: {loguniform: [1e-5, 1e-2]}\n"
                                   "  train.beta1: {uniform: [0, 1]}\n"
                                   "  train.d_steps: {int: [1, 5]}\n"
                                   "  train.g_steps: {choice: [1, 2, 3]}\n");
  ASSERT_EQ(plan.runs.size(), 3000u);
  std::set<std::int64_t> d_steps;
  std::set<std::int64_t> g_steps;
  for (const PlannedRun& run : plan.runs) {
    const Experiment& e = run.experiment;
    ASSERT_GE(e.lr_g, 1e-5);
    ASSERT_LT(e.lr_g, 1e-2);
    ASSERT_GE(e.beta1, 0.0);
    ASSERT_LT(e.beta1, 1.0);
    ASSERT_GE(e.d_steps, 1);
    ASSERT_LE(e.d_steps, 5);
    d_steps.insert(e.d_steps);
    g_steps.insert(e.g_steps);
  }
  EXPECT_EQ(d_steps, (std::set<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(g_steps, (std::set<std::int64_t>{1, 2, 3}));
}

TEST(Search, SearchSeedsDrawDifferently) {
  const auto lr_of_first_run = [](const std::string& seed) {
    return plan_text(kBase + "search:\n  samples: 2\n  seed: " + seed +
                     "\n  train.lr: {loguniform: [1e-5, 1e-2]}\n")
        .runs.at(0)
        .experiment.lr_g;
  };
  EXPECT_NE(lr_of_first_run("1"), lr_of_first_run("2"));
  // Without seed: the search seed is 0.
  EXPECT_EQ(plan_text(kBase + "search:\n  samples: 2\n  train.lr: {loguniform: [1e-5, 1e-2]}\n")
                .runs.at(0)
                .experiment.lr_g,
            lr_of_first_run("0"));
}

TEST(Search, DrawsDoNotDependOnTheFilesOrderOrOtherCells) {
  const std::string reordered = kBase +
                                "search:\n"
                                "  per_loss:\n"
                                "    wasserstein_gp:\n"
                                "      train.lr: {loguniform: [1e-4, 1e-3]}\n"
                                "      train.gp_lambda: {uniform: [1, 20]}\n"
                                "  train.d_steps: {choice: [1, 5]}\n"
                                "  train.beta1: {uniform: [0, 1]}\n"
                                "  train.lr: {loguniform: [1e-5, 1e-2]}\n"
                                "  seed: 7\n"
                                "  samples: 5\n"
                                // A loss added to the grid, and the axes swapped.
                                "sweep:\n"
                                "  train.seed: [0, 1]\n"
                                "  train.loss: [hinge, non_saturating, wasserstein_gp]\n";
  std::map<std::string, const PlannedRun*> by_key;
  const SweepPlan original = plan_text(kLucic);
  const SweepPlan other = plan_text(reordered);
  for (const PlannedRun& run : other.runs) by_key[run.run_key] = &run;
  for (const PlannedRun& run : original.runs) EXPECT_EQ(by_key.count(run.run_key), 1u);
  EXPECT_EQ(other.runs.size(), 30u);
}

TEST(Search, RaisingSamplesKeepsTheEarlierDraws) {
  const std::string search = "search:\n  train.lr: {loguniform: [1e-5, 1e-2]}\n  samples: ";
  const SweepPlan three = plan_text(kBase + search + "3\n");
  const SweepPlan five = plan_text(kBase + search + "5\n");
  ASSERT_EQ(five.runs.size(), 5u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(three.runs[i].run_key, five.runs[i].run_key);
}

TEST(Search, DrawnValuesRoundTripThroughTheRunKeyAndTheRecord) {
  const SweepPlan plan = plan_text(kLucic);
  for (const PlannedRun& run : plan.runs) {
    // The same settings written as a plain file are the same run.
    std::string fixed = kBase + "train:\n";
    for (const auto& [path, value] : run.swept) {
      fixed += "  " + path.substr(6) + ": " + format_value(value) + "\n";
    }
    ASSERT_EQ(plan_text(fixed).runs.at(0).run_key, run.run_key) << fixed;
    // The stored configuration reads back to the same doubles.
    const nlohmann::json config = nlohmann::json::parse(full_config_json(run.experiment));
    EXPECT_EQ(config["train"]["lr_g"].get<double>(), real(run, "train.lr"));
    EXPECT_EQ(config["train"]["beta1"].get<double>(), real(run, "train.beta1"));
  }
}

TEST(Search, DrawsThatRepeatARunAreKeptOnce) {
  const SweepPlan plan =
      plan_text(kBase + "search:\n  samples: 10\n  train.d_steps: {choice: [1, 5]}\n");
  EXPECT_EQ(plan.runs.size(), 2u);
  EXPECT_EQ(plan.duplicates_dropped, 8u);
}

TEST(Search, SeedInAZipGroupStillPairs) {
  const SweepPlan plan = plan_text(kBase +
                                   "sweep:\n"
                                   "  zip: {train.seed: [0, 1], train.g_steps: [1, 2]}\n"
                                   "search:\n"
                                   "  samples: 2\n"
                                   "  train.lr: {loguniform: [1e-5, 1e-2]}\n");
  ASSERT_EQ(plan.runs.size(), 4u);
  // g_steps differs between the zip's values, so they are different cells.
  EXPECT_NE(plan.runs[0].experiment.lr_g, plan.runs[2].experiment.lr_g);
}

TEST(Search, EmptySearchSectionDrawsNothing) {
  const SweepPlan plan = plan_text(kBase + "search:\n");
  ASSERT_EQ(plan.runs.size(), 1u);
  EXPECT_FALSE(plan.runs[0].sample.has_value());
}

TEST(Search, TooManyRunsAreRefusedBeforeDrawing) {
  std::string seeds = "[";
  for (int i = 0; i < 1000; ++i) seeds += std::to_string(i) + (i < 999 ? "," : "]");
  const ConfigError e = plan_error(kBase + "sweep:\n  train.seed: " + seeds +
                                   "\nsearch:\n  samples: 1001\n"
                                   "  train.lr: {loguniform: [1e-5, 1e-2]}\n");
  EXPECT_EQ(e.key_path(), "search.samples");
  EXPECT_EQ(e.position().line, 5);
  EXPECT_EQ(e.position().column, 12);
  EXPECT_EQ(e.detail(),
            "1001 samples for each of the grid's 1000 combinations make more than 1000000 runs; "
            "draw fewer or split the sweep");
}

// Errors: one message, at the right place, saying what was expected.

struct BadSearch {
  std::string search;  // the lines under "search:\n", after "  samples: 3\n"
  std::string key_path;
  int line;
  int column;
  std::string detail;
};

ConfigError search_error(const std::string& lines) {
  return plan_error(kBase + "search:\n  samples: 3\n" + lines);
}

TEST(SearchErrors, EachBadDistributionIsLocatedAndExplained) {
  const std::vector<BadSearch> cases{
      {"  train.lr: {uniform: [1e-2, 1e-3]}\n", "search.train.lr", 4, 23,
       "expected [lo, hi] with lo < hi, found [1e-2, 1e-3]"},
      {"  train.d_steps: {int: [3, 3]}\n", "search.train.d_steps", 4, 24,
       "expected [lo, hi] with lo < hi, found [3, 3]; a single value is a fixed setting, not a "
       "distribution"},
      {"  train.gp_lambda: {loguniform: [0, 10]}\n", "search.train.gp_lambda", 4, 34,
       "loguniform needs lo > 0 (it draws log(value) uniformly), found 0"},
      {"  train.d_steps: {choice: []}\n", "search.train.d_steps", 4, 27,
       "expected choice: [a, b, ...], a list of at least one value, found an empty list"},
      {"  train.lr: {normal: [0, 1]}\n", "search.train.lr", 4, 14,
       "unknown distribution 'normal'; expected uniform, loguniform, int or choice"},
      {"  train.lr: {loguniforn: [1e-5, 1e-2]}\n", "search.train.lr", 4, 14,
       "unknown distribution 'loguniforn'; expected uniform, loguniform, int or choice (did "
       "you mean 'loguniform'?)"},
      {"  train.lrr: {uniform: [1, 2]}\n", "search.train.lrr", 4, 3,
       "unknown key to sample; did you mean 'train.lr'?"},
      {"  sample: 3\n", "search.sample", 4, 3, "unknown key to sample; did you mean 'samples'?"},
      {"  train.phases.0.steps: {int: [1, 5]}\n", "search.train.phases.0.steps", 4, 3,
       "cannot be sampled: a phase's values can be put on the grid under sweep: "
       "(train.phases.N.KEY) but not drawn"},
      {"  train.beta1: {uniform: [0, 1.5]}\n", "search.train.beta1", 4, 30,
       "1.5 is out of range: expected a value in [0, 1]"},
      {"  train.lr: {uniform: [0, 1e-3]}\n", "search.train.lr", 4, 24,
       "0 is out of range: expected a value > 0"},
      {"  train.d_steps: {int: [0, 5]}\n", "search.train.d_steps", 4, 25,
       "0 is out of range: expected a value in [1, 1000]"},
      {"  train.d_steps: {uniform: [1, 5]}\n", "search.train.d_steps", 4, 19,
       "uniform draws real numbers, but train.d_steps takes whole numbers; use int: [lo, hi] "
       "or choice: [a, b, ...]"},
      {"  train.lr: {int: [1, 5]}\n", "search.train.lr", 4, 14,
       "int draws whole numbers, but train.lr takes any number; use uniform: [lo, hi], "
       "loguniform: [lo, hi] or choice: [a, b, ...]"},
      {"  train.lr: [1e-4, 1e-3]\n", "search.train.lr", 4, 13,
       "expected one distribution: {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, "
       "hi]} or {choice: [a, b, ...]}, found a list; a list of values to try each belongs "
       "under sweep:"},
      {"  train.lr: {uniform: [1, 2], loguniform: [1, 2]}\n", "search.train.lr", 4, 13,
       "expected one distribution: {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, "
       "hi]} or {choice: [a, b, ...]}, found a mapping of 2 entries"},
      {"  train.lr: {uniform: [1, 2, 3]}\n", "search.train.lr", 4, 23,
       "expected uniform: [lo, hi], two numbers, found a list of 3"},
      {"  train.lr: {uniform: [1e-4, '1e-3']}\n", "search.train.lr", 4, 30,
       "expected a number, found the text '1e-3': write numbers without quotes"},
      {"  train.d_steps: {choice: [1, 5, 1]}\n", "search.train.d_steps", 4, 34,
       "'1' is listed twice; list each option once"},
      {"  train.loss: {choice: [minimax, hinge]}\n", "search.train.loss", 4, 3,
       "cannot be sampled: it decides what kind of run this is; put it on the grid under "
       "sweep:, and each of its values gets its own samples"},
      {"  train.device: {choice: [cpu]}\n", "search.train.device", 4, 3,
       "cannot be sampled: it says where a run executes, not what it is; set it outside "
       "search:"},
      {"  per_loss:\n    minmax: {train.lr: {uniform: [1, 2]}}\n", "search.per_loss.minmax", 5, 5,
       "unknown loss 'minmax'; expected one of minimax, non_saturating, least_squares, "
       "wasserstein_gp or hinge (did you mean 'minimax'?)"},
      {"  per_loss:\n    minimax: {train.gp_lambda: {uniform: [1, 20]}}\n",
       "search.per_loss.minimax.train.gp_lambda", 5, 15,
       "minimax runs do not read this key (used by wasserstein_gp only); it would never be "
       "drawn"},
      {"  per_loss:\n    hinge: {}\n", "search.per_loss.hinge", 5, 12,
       "expected a mapping of keys to distributions, found an empty mapping"},
  };
  for (const BadSearch& bad : cases) {
    const ConfigError e = search_error(bad.search);
    EXPECT_EQ(e.key_path(), bad.key_path) << bad.search;
    EXPECT_EQ(e.position().line, bad.line) << bad.search;
    EXPECT_EQ(e.position().column, bad.column) << bad.search;
    EXPECT_EQ(e.detail(), bad.detail) << bad.search;
    EXPECT_EQ(std::string(e.what()).rfind("test.yaml:", 0), 0u) << e.what();
  }
}

TEST(SearchErrors, SamplesMustBeGivenAndInRange) {
  for (const std::string samples : {"0", "1000001", "-3", "2.5"}) {
    const ConfigError e =
        plan_error(kBase + "search:\n  samples: " + samples + "\n  train.lr: {uniform: [1, 2]}\n");
    EXPECT_EQ(e.key_path(), "search.samples");
    EXPECT_EQ(e.position().line, 3);
    EXPECT_EQ(e.position().column, 12);
  }
  EXPECT_EQ(plan_error(kBase + "search:\n  samples: 0\n  train.lr: {uniform: [1, 2]}\n").detail(),
            "0 is out of range: expected a value in [1, 1000000]");
  const ConfigError missing = plan_error(kBase + "search:\n  train.lr: {uniform: [1, 2]}\n");
  EXPECT_EQ(missing.key_path(), "search");
  EXPECT_EQ(missing.position().line, 2);
  EXPECT_EQ(missing.detail(), "needs samples: N, the number of draws for each grid cell");
  const ConfigError nothing = plan_error(kBase + "search:\n  samples: 4\n  seed: 1\n");
  EXPECT_EQ(nothing.key_path(), "search");
  EXPECT_EQ(nothing.detail(),
            "draws nothing: give at least one key with a distribution, like train.lr: "
            "{loguniform: [1e-5, 1e-2]}");
  EXPECT_EQ(plan_error(kBase + "search: 5\n").detail(),
            "expected a mapping with samples:, seed: and the keys to draw, like train.lr: "
            "{loguniform: [1e-5, 1e-2]}, found '5'");
}

TEST(SearchErrors, KeyOnTheGridAndInTheSearch) {
  const ConfigError e = plan_error(kBase +
                                   "sweep: {train.lr: [1e-4, 1e-3]}\n"
                                   "search:\n"
                                   "  samples: 2\n"
                                   "  per_loss:\n"
                                   "    non_saturating: {train.lr: {uniform: [1e-4, 1e-3]}}\n");
  EXPECT_EQ(e.key_path(), "search.per_loss.non_saturating.train.lr");
  EXPECT_EQ(e.position().line, 6);
  EXPECT_EQ(e.position().column, 32);
  EXPECT_EQ(e.detail(), "is both on the grid (sweep:) and drawn (search:); keep one of them");
}

TEST(SearchErrors, DistributionsNoRunDraws) {
  // gp_lambda for a sweep without wasserstein_gp.
  const ConfigError unread = plan_error(kBase +
                                        "sweep: {train.loss: [minimax, hinge]}\n"
                                        "search:\n"
                                        "  samples: 2\n"
                                        "  train.gp_lambda: {uniform: [1, 20]}\n");
  EXPECT_EQ(unread.key_path(), "search.train.gp_lambda");
  EXPECT_EQ(unread.position().line, 5);
  EXPECT_EQ(unread.position().column, 20);
  EXPECT_EQ(unread.detail(),
            "is never drawn: no run of this sweep reads train.gp_lambda (used by "
            "wasserstein_gp only)");
  // A loss's distributions when no run trains with it.
  const ConfigError absent = plan_error(kBase +
                                        "search:\n"
                                        "  samples: 2\n"
                                        "  train.lr: {uniform: [1e-4, 1e-3]}\n"
                                        "  per_loss:\n"
                                        "    hinge: {train.lr: {uniform: [1e-3, 1e-2]}}\n");
  EXPECT_EQ(absent.key_path(), "search.per_loss.hinge");
  EXPECT_EQ(absent.position().line, 6);
  EXPECT_EQ(absent.detail(),
            "no run of this sweep trains with hinge, so these distributions would never be "
            "drawn; put hinge on the grid or remove them");
  // A model size the model does not have.
  const ConfigError width = plan_error(kBase +
                                       "search:\n"
                                       "  samples: 2\n"
                                       "  model.width: {int: [16, 64]}\n");
  EXPECT_EQ(width.detail(),
            "is never drawn: no run of this sweep reads model.width (used by dcgan models only)");
}

TEST(SearchErrors, DrawnValueThatBreaksARuleOfSeveralKeys) {
  // A DCGAN's batch norm needs two samples; int: [1, 3] sometimes draws 1.
  const ConfigError e = plan_error(
      "data: {kind: fashion_mnist}\n"
      "model: {kind: dcgan}\n"
      "search:\n"
      "  samples: 50\n"
      "  train.batch: {int: [1, 3]}\n");
  EXPECT_EQ(e.key_path(), "search.train.batch");
  EXPECT_EQ(e.position().line, 5);
  EXPECT_EQ(e.position().column, 16);
  EXPECT_NE(e.detail().find("the dcgan's batch norm needs a batch of at least 2 (sample "),
            std::string::npos)
      << e.detail();
  EXPECT_NE(e.detail().find(" drew 1; narrow the range)"), std::string::npos) << e.detail();
}

}  // namespace
}  // namespace gansweep
