// A tiny Fashion-MNIST sweep, trained in this process as a run process would: every
// evaluation row holds finite image scores, the classifier and statistics
// are cached beside the database, and the query layer and the Markdown
// report show the image measures instead of the toy ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "../store/store_test_util.h"
#include "config/sweep_plan.h"
#include "quality_test_util.h"
#include "query/group_comparison.h"
#include "query/run_table.h"
#include "report/markdown_report.h"
#include "runner/run_worker.h"
#include "store/schema.h"

namespace gansweep::quality {
namespace {

using test_util::small_data_dir;
using test_util::tiny_recipe;

using ImageSweepTest = test_util::TempDirTest;

TEST_F(ImageSweepTest, ImageSweepRecordsFiniteScoresAtEveryEvaluation) {
  const std::filesystem::path& data_dir = small_data_dir();
  const std::string yaml =
      "name: tiny-images\n"
      "data: {kind: fashion_mnist, path: " +
      data_dir.string() +
      "}\n"
      "model: {kind: dcgan, width: 4, z_dim: 8}\n"
      "train: {steps: 4, batch: 8}\n"
      "log: {eval_every: 2, eval_samples: 50, sample_count: 4}\n";
  const SweepPlan plan = plan_sweep(parse_sweep_definition(yaml, "tiny-images.yaml"));
  WorkerOptions options;
  options.db_path = dir_ / "results" / "tiny-images.db";
  options.classifier_recipe = tiny_recipe();
  const WorkerResult result = train_run_in_process(plan, plan.runs.at(0), options);
  ASSERT_EQ(result.outcome.status, store::RunStatus::kDone) << result.outcome.error;

  store::testing::RawDb raw(options.db_path);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), store::schema::kCurrentVersion);
  EXPECT_EQ(raw.texts("SELECT step FROM evals ORDER BY step"),
            (std::vector<std::string>{"0", "2", "4"}));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE frechet_distance IS NULL "
                        "OR classes_covered IS NULL OR class_kl IS NULL"),
            0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE frechet_distance > 0 "
                        "AND frechet_distance < 1e300"),
            3);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE classes_covered BETWEEN 0 AND 10 "
                        "AND classes_covered = round(classes_covered) "
                        "AND class_kl BETWEEN 0 AND 2.3025850929940459"),
            3);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE modes_covered IS NOT NULL "
                        "OR high_quality_fraction IS NOT NULL OR mode_kl IS NOT NULL"),
            0);

  // The classifier and the statistics it scored with sit beside the database.
  int cached = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "results" / "classifiers")) {
    const std::string name = entry.path().filename().string();
    cached += name.rfind("fashion-classifier-", 0) == 0 ||
              name.rfind("fashion-train-statistics-", 0) == 0;
  }
  EXPECT_EQ(cached, 2);

  // The query layer shows the image measures, not the toy ones.
  const query::RunTable runs = query::query_runs(options.db_path, {});
  ASSERT_EQ(runs.rows.size(), 1u);
  const auto has = [&](const std::string& name) {
    return std::find(runs.outcomes.begin(), runs.outcomes.end(), name) != runs.outcomes.end();
  };
  EXPECT_TRUE(has("frechet_distance"));
  EXPECT_TRUE(has("classes_covered"));
  EXPECT_FALSE(has("high_quality_fraction"));
  const query::Cell& fd = runs.rows[0].fields.at("frechet_distance");
  ASSERT_EQ(fd.kind, query::Cell::Kind::kNumber);
  EXPECT_DOUBLE_EQ(fd.number, raw.real("SELECT frechet_distance FROM evals WHERE step = 4"));

  const auto comparison =
      query::compare_groups(options.db_path, runs, {"train.loss"}, {0, 4}, {"g_grad_norm"}, 10);
  ASSERT_EQ(comparison.groups.size(), 1u);
  ASSERT_TRUE(comparison.groups[0].median_final_frechet_distance.has_value());
  EXPECT_DOUBLE_EQ(*comparison.groups[0].median_final_frechet_distance, fd.number);
  EXPECT_FALSE(comparison.groups[0].median_final_high_quality.has_value());

  report::ReportOptions report;
  report.databases = {options.db_path};
  const std::string md = report::build_markdown_report(report);
  EXPECT_NE(md.find("final Fréchet distance"), std::string::npos);
  EXPECT_EQ(md.find("final quality"), std::string::npos);
}

}  // namespace
}  // namespace gansweep::quality
