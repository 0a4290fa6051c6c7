// Keys, values and their errors: each bad-input class gets one clear message
// with file:line:column and the key path.
#include "config/sweep_definition.h"

#include <string>

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_error;
using testing::plan_text;

const std::string kBase = "data: {kind: ring8}\n";

TEST(SweepDefinition, DefaultsApplyWhenKeysAreAbsent) {
  const SweepPlan plan = plan_text(kBase);
  ASSERT_EQ(plan.runs.size(), 1u);
  const Experiment& e = plan.runs[0].experiment;
  EXPECT_EQ(e.steps, 2000);
  EXPECT_EQ(e.batch, 64);
  EXPECT_EQ(e.loss, LossKind::kNonSaturating);
  EXPECT_DOUBLE_EQ(e.lr_g, 2e-4);
  EXPECT_DOUBLE_EQ(e.lr_d, 2e-4);
  EXPECT_DOUBLE_EQ(e.beta1, 0.5);
  EXPECT_DOUBLE_EQ(e.beta2, 0.999);
  EXPECT_EQ(e.d_steps, 1);
  EXPECT_EQ(e.g_steps, 1);
  EXPECT_EQ(e.device, "auto");
  EXPECT_EQ(plan.definition.name, "test");  // from the file name
}

TEST(SweepDefinition, LrShorthandAndOverrides) {
  const Experiment e = plan_text(kBase + "train: {lr: 1e-3, lr_d: 4e-3}\n").runs[0].experiment;
  EXPECT_DOUBLE_EQ(e.lr_g, 1e-3);
  EXPECT_DOUBLE_EQ(e.lr_d, 4e-3);
}

TEST(SweepDefinition, MissingDataKind) {
  const ConfigError e = plan_error("train: {steps: 10}\n");
  EXPECT_EQ(e.key_path(), "data.kind");
  EXPECT_NE(e.detail().find("must be given"), std::string::npos);
}

TEST(SweepDefinition, NonPositiveLearningRate) {
  for (const std::string lr : {"0", "-1e-4"}) {
    const ConfigError e = plan_error(kBase + "train:\n  lr: " + lr + "\n");
    EXPECT_EQ(e.key_path(), "train.lr");
    EXPECT_EQ(e.position().line, 3);
    EXPECT_EQ(e.position().column, 7);
    EXPECT_EQ(e.detail(), lr + " is out of range: expected a value > 0");
  }
}

TEST(SweepDefinition, DStepsBelowOne) {
  const ConfigError e = plan_error(kBase + "train: {d_steps: 0}\n");
  EXPECT_EQ(e.key_path(), "train.d_steps");
  EXPECT_EQ(e.detail(), "0 is out of range: expected a value in [1, 1000]");
}

TEST(SweepDefinition, BetaMustBeBelowOne) {
  const ConfigError e = plan_error(kBase + "train: {beta1: 1}\n");
  EXPECT_EQ(e.key_path(), "train.beta1");
  EXPECT_EQ(e.detail(), "1 is out of range: expected a value in [0, 1)");
}

TEST(SweepDefinition, WrongTypes) {
  EXPECT_EQ(plan_error(kBase + "train: {steps: many}\n").detail(),
            "expected a whole number, found 'many'");
  EXPECT_EQ(plan_error(kBase + "train: {steps: 2.5}\n").detail(),
            "expected a whole number, found '2.5'");
  EXPECT_EQ(plan_error(kBase + "train: {lr: [1, 2]}\n").detail(),
            "expected a number, found a list");
  EXPECT_EQ(plan_error(kBase + "train: {lr: }\n").detail(), "expected a number, found nothing");
  EXPECT_EQ(plan_error(kBase + "train: {lr: .inf}\n").detail(), "expected a number, found '.inf'");
  EXPECT_EQ(plan_error(kBase + "train: 5\n").detail(), "expected a mapping of settings, found '5'");
}

TEST(SweepDefinition, WholeRealIsAcceptedForIntegerKeys) {
  EXPECT_EQ(plan_text(kBase + "train: {steps: 1e3}\n").runs[0].experiment.steps, 1000);
}

TEST(SweepDefinition, UnknownLossListsTheChoices) {
  const ConfigError e = plan_error(kBase + "train: {loss: minmax}\n");
  EXPECT_EQ(e.key_path(), "train.loss");
  EXPECT_EQ(e.detail(),
            "unknown value 'minmax'; expected one of minimax, non_saturating, least_squares, "
            "wasserstein_gp or hinge (did you mean 'minimax'?)");
}

TEST(SweepDefinition, UnknownTopLevelKey) {
  const ConfigError e = plan_error(kBase + "trian: {steps: 1}\n");
  EXPECT_EQ(e.key_path(), "trian");
  EXPECT_EQ(e.detail(), "unknown key; did you mean 'train'?");
  EXPECT_EQ(e.position().line, 2);
}

TEST(SweepDefinition, UnknownKeyWithoutCloseMatch) {
  EXPECT_EQ(plan_error(kBase + "train: {colour: red}\n").detail(), "unknown key");
}

TEST(SweepDefinition, DcganNeedsImages) {
  const ConfigError e = plan_error(kBase + "model: {kind: dcgan}\n");
  EXPECT_EQ(e.key_path(), "model.kind");
  EXPECT_EQ(e.position().line, 2);
  EXPECT_NE(e.detail().find("needs data.kind fashion_mnist"), std::string::npos);
}

TEST(SweepDefinition, BadDevice) {
  EXPECT_EQ(plan_error(kBase + "train: {device: tpu}\n").detail(),
            "unknown device 'tpu'; expected auto, cpu, cuda or cuda:N");
  EXPECT_EQ(plan_error(kBase + "train: {device: 'cuda:x'}\n").detail(),
            "'cuda:x' is not cuda:N with N a device number");
}

TEST(SweepDefinition, DeviceCannotBeSwept) {
  const ConfigError e = plan_error(kBase + "sweep:\n  train.device: [cpu, cuda]\n");
  EXPECT_EQ(e.key_path(), "sweep.train.device");
  EXPECT_NE(e.detail().find("cannot be swept"), std::string::npos);
}

TEST(SweepDefinition, AxisMustBeAList) {
  const ConfigError e = plan_error(kBase + "sweep:\n  train.lr: 1e-3\n");
  EXPECT_EQ(e.detail(), "expected a list of values to sweep, like [a, b], found '1e-3'");
}

TEST(SweepDefinition, UnknownSweptKeySuggestsThePath) {
  const ConfigError e = plan_error(kBase + "sweep:\n  train.lrr: [1, 2]\n");
  EXPECT_EQ(e.key_path(), "sweep.train.lrr");
  EXPECT_EQ(e.detail(), "unknown key to sweep; did you mean 'train.lr'?");
}

TEST(SweepDefinition, InvalidValueInsideAnAxisIsLocated) {
  const ConfigError e = plan_error(kBase + "sweep:\n  train.lr: [1e-3,\n    -2]\n");
  EXPECT_EQ(e.key_path(), "train.lr");
  EXPECT_EQ(e.position().line, 4);
  EXPECT_EQ(e.position().column, 5);
}

TEST(SweepDefinition, ZipGroupsMustBeEquallyLong) {
  const ConfigError e =
      plan_error(kBase + "sweep:\n  zip:\n    train.lr: [1, 2]\n    train.seed: [1, 2, 3]\n");
  EXPECT_EQ(e.key_path(), "sweep.zip.train.seed");
  EXPECT_EQ(e.position().line, 5);
  EXPECT_NE(e.detail().find("has 3 values but train.lr has 2"), std::string::npos);
}

TEST(SweepDefinition, KeySweptTwiceIsRefused) {
  const ConfigError e = plan_error(kBase +
                                   "sweep:\n  train.lr: [1, 2]\n  zip:\n    train.lr: [3, 4]\n"
                                   "    train.seed: [1, 2]\n");
  EXPECT_EQ(e.key_path(), "sweep.train.lr");
  EXPECT_NE(e.detail().find("swept twice"), std::string::npos);
}

TEST(SweepDefinition, TopLevelMustBeAMapping) {
  EXPECT_NE(plan_error("- a\n- b\n").detail().find("expected a mapping"), std::string::npos);
  EXPECT_NE(plan_error("").detail().find("found nothing"), std::string::npos);
}

TEST(SweepDefinition, SizesHaveUpperBounds) {
  EXPECT_EQ(plan_error(kBase + "model: {hidden: 1e10}\n").detail(),
            "1e10 is out of range: expected a value in [1, 65536]");
  EXPECT_EQ(plan_error(kBase + "train: {steps: 9223372036854775807}\n").detail(),
            "'9223372036854775807' is out of range: expected a value in [1, 1000000000]");
  EXPECT_EQ(plan_error(kBase + "train: {lr: 1e-400}\n").detail(),
            "'1e-400' is out of range: it is too large or too small for a double");
}

TEST(SweepDefinition, QuotedNumbersAreText) {
  EXPECT_EQ(plan_error(kBase + "train: {lr: '1e-4'}\n").detail(),
            "expected a number, found the text '1e-4': write numbers without quotes");
  EXPECT_EQ(plan_error(kBase + "train: {steps: !!str 20}\n").detail(),
            "expected a whole number, found the text '20': write numbers without quotes");
  EXPECT_EQ(plan_text(kBase + "train: {steps: !!int 20}\n").runs[0].experiment.steps, 20);
}

TEST(SweepDefinition, LongValuesAreShortenedInMessages) {
  const std::string huge(100000, 'z');
  const ConfigError e = plan_error(kBase + "train: {loss: " + huge + "}\n");
  EXPECT_LT(e.detail().size(), 200u);
  EXPECT_NE(e.detail().find("'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'"), std::string::npos);
}

TEST(SweepDefinition, NamesMustBePrintableUtf8) {
  EXPECT_EQ(plan_error("name: \"a\\nb\"\n" + kBase).detail(),
            "contains a control character (newline, tab, escape, ...); expected printable text");
  EXPECT_EQ(plan_error("name: \"a\\0b\"\n" + kBase).key_path(), "name");
  // Raw bytes that are not UTF-8 (a "\\xff" escape would be the letter U+00FF).
  EXPECT_EQ(plan_error(std::string("name: a\xff\xfe\n") + kBase).detail(),
            "is not valid UTF-8 text");
  EXPECT_EQ(plan_text("name: \"r\u00e9sum\u00e9 <b>\"\n" + kBase).definition.name,
            "r\u00e9sum\u00e9 <b>");
}

TEST(SweepDefinition, NamesRefuseC1ControlsAndBidiOverrides) {
  // U+009B is an 8-bit escape (CSI); U+202E reverses the text after it.
  EXPECT_EQ(plan_error("name: \"a\\u009bb\"\n" + kBase).key_path(), "name");
  EXPECT_EQ(plan_error("name: \"a\\u202eb\"\n" + kBase).key_path(), "name");
}

TEST(SweepDefinition, ANameTakenFromTheFileNameFollowsTheSameRules) {
  const ConfigError e = plan_error(kBase, "bad\tname.yaml");
  EXPECT_EQ(e.key_path(), "name");
  EXPECT_NE(e.detail().find("comes from the file name"), std::string::npos);
  EXPECT_EQ(plan_text(kBase, "dir/good-name.yaml").definition.name, "good-name");
}

TEST(SweepDefinition, OneDocumentOnly) {
  const ConfigError e = plan_error(kBase + "---\nname: second\n");
  EXPECT_EQ(e.position().line, 3);
  EXPECT_NE(e.detail().find("more than one YAML document"), std::string::npos);
}

TEST(SweepDefinition, UnclosedQuoteIsReportedWhereItOpens) {
  const ConfigError e = plan_error("name: \"b\n" + kBase);
  EXPECT_EQ(e.position().line, 1);
  EXPECT_EQ(e.position().column, 7);
  EXPECT_NE(e.detail().find("never closed"), std::string::npos);
  // Apostrophes inside plain text are not quotes.
  EXPECT_EQ(plan_text("name: it's mine\n" + kBase).definition.name, "it's mine");
}

TEST(SweepDefinition, EmptyAndNestedZipGroups) {
  EXPECT_NE(plan_error(kBase + "sweep:\n  zip: []\n").detail().find("empty list of zip"),
            std::string::npos);
  EXPECT_NE(plan_error(kBase + "sweep:\n  zip: {}\n").detail().find("found an empty mapping"),
            std::string::npos);
  EXPECT_NE(plan_error(kBase + "sweep:\n  zip:\n    zip: {train.lr: [1]}\n")
                .detail()
                .find("cannot be nested"),
            std::string::npos);
}

TEST(SweepDefinition, FilesThatAreNotSweepFiles) {
  try {
    load_sweep_file("/dev/zero");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero: is not a regular file, expected a sweep file");
  }
  try {
    load_sweep_file("/tmp");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/tmp: is a folder, expected a sweep file (.yaml)");
  }
}

TEST(SweepDefinition, MissingFileIsNamed) {
  try {
    load_sweep_file("/nonexistent/sweep.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/sweep.yaml: no such sweep file");
  }
}

}  // namespace
}  // namespace gansweep
