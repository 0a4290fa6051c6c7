// The YAML checks yaml-cpp leaves out: duplicate keys, deep nesting, and
// syntax errors reported with file:line:column.
#include "config/strict_yaml.h"

#include <string>

#include <gtest/gtest.h>

namespace gansweep {
namespace {

ConfigError parse_error(const std::string& text) {
  try {
    parse_yaml_strict(text, "f.yaml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return ConfigError("", {}, "", "");
}

TEST(StrictYaml, DuplicateKeyIsReportedAtTheSecondOccurrence) {
  const ConfigError e = parse_error("train:\n  lr: 1\n  steps: 2\n  lr: 3\n");
  EXPECT_EQ(e.position().line, 4);
  EXPECT_EQ(e.position().column, 3);
  EXPECT_EQ(e.key_path(), "train.lr");
  EXPECT_EQ(std::string(e.what()),
            "f.yaml:4:3: train.lr: key given twice in the same mapping; remove one of them");
}

TEST(StrictYaml, DuplicateKeyInFlowMapping) {
  const ConfigError e = parse_error("data: {kind: ring8, kind: grid25}\n");
  EXPECT_EQ(e.key_path(), "data.kind");
  EXPECT_EQ(e.position().line, 1);
  EXPECT_EQ(e.position().column, 21);
}

TEST(StrictYaml, SameKeyInDifferentMappingsIsFine) {
  EXPECT_NO_THROW(parse_yaml_strict("a: {x: 1}\nb: {x: 2}\n", "f.yaml"));
}

TEST(StrictYaml, DeepFlowNestingIsRefusedWithPosition) {
  const std::string text = "a: " + std::string(1000, '[') + std::string(1000, ']') + "\n";
  const ConfigError e = parse_error(text);
  EXPECT_EQ(e.position().line, 1);
  EXPECT_EQ(e.position().column, 4 + kMaxYamlNesting);
  EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos);
}

TEST(StrictYaml, BracketsInsideQuotesAndCommentsDoNotCount) {
  const std::string deep(100, '[');
  EXPECT_NO_THROW(parse_yaml_strict("a: \"" + deep + "\"\nb: 1 # " + deep + "\n", "f.yaml"));
}

TEST(StrictYaml, DeepBlockNestingIsRefused) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += std::string(i, ' ') + "k:\n";
  const ConfigError e = parse_error(text);
  EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find("bad file"), std::string::npos);
}

TEST(StrictYaml, AliasBombsAreRefusedAtOnce) {
  // 520 bytes that expand to 10^10 values.
  std::string text = "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level < 10; ++level) {
    text += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(level - 1);
    text += "]\n";
  }
  const ConfigError e = parse_error(text);
  EXPECT_NE(e.detail().find("expands to more than 100000 values"), std::string::npos);
}

TEST(StrictYaml, SyntaxErrorCarriesLineAndColumn) {
  const ConfigError e = parse_error("a: [1, 2\nb: 3\n");
  EXPECT_GT(e.position().line, 0);
  EXPECT_NE(std::string(e.what()).find("f.yaml:"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("invalid YAML"), std::string::npos);
}

}  // namespace
}  // namespace gansweep
