// Best-then-seeds through the real binary: `run` trains a random search,
// picks each loss's best setting by the rerun_best metric over its window,
// reruns it with fresh seeds as a second sweep in the same database, and a
// second `run` trains nothing; `study` reports both stages.
#include <algorithm>
#include <string>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

const char* kStudy =
    "name: study\n"
    "data: {kind: ring8}\n"
    "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
    "train: {steps: 150, batch: 32}\n"
    "log: {every: 10, eval_every: 50, layer_every: 50, eval_samples: 200, sample_count: 4}\n"
    "sweep:\n"
    "  train.loss: [minimax, hinge]\n"
    "search:\n"
    "  samples: 3\n"
    "  seed: 5\n"
    "  train.lr: {loguniform: [1e-4, 1e-2]}\n"
    "rerun_best: {metric: high_quality_fraction, window: \"100:\", top: 1, seeds: 2}\n";

// Per loss, the search run with the highest mean high_quality_fraction over
// steps 100 to the end, computed here in SQL, independently of gansweep.
const char* kBestBySql =
    "SELECT loss, run_key FROM ("
    "  SELECT json_extract(r.config_json, '$.train.loss') AS loss, r.run_key,"
    "    avg(e.high_quality_fraction) AS score, r.position"
    "  FROM runs r JOIN evals e ON e.run_key = r.run_key"
    "  WHERE r.sweep = 'study' AND e.step >= 100 GROUP BY r.run_key)"
    " GROUP BY loss HAVING score = max(score) ORDER BY loss";

TEST(CliRerunBest, TrainsTheSearchThenReRunsEachLossesBestWithFreshSeeds) {
  TempDir dir;
  write_file(dir / "s.yaml", kStudy);
  const CommandResult plan = run_gansweep({"plan", "s.yaml"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("then rerun_best: the best 1 setting of each of the 2 losses by mean "
                          "high_quality_fraction over steps 100 to the end, each rerun with "
                          "seeds 1 to 2: up to 4 more runs"),
            std::string::npos)
      << plan.out;

  const CommandResult first = run_gansweep({"run", "s.yaml", "--db", "s.db"}, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("rerun_best: the best 1 setting per loss"), std::string::npos)
      << first.err;
  EXPECT_NE(first.err.find("sweep 'study.rerun_best'"), std::string::npos) << first.err;

  const fs::path db = dir / "s.db";
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM runs WHERE sweep = 'study' AND status = 'done'"),
            "6");
  // Each loss's best search run, rerun under seeds 1 and 2 with every other
  // setting equal.
  const auto best = query_rows(db, kBestBySql);
  ASSERT_EQ(best.size(), 2u);
  for (const auto& row : best) {
    const auto reruns = query_rows(
        db,
        "SELECT json_extract(r.config_json, '$.train.seed'), r.status FROM runs r, runs b "
        "WHERE r.sweep = 'study.rerun_best' AND b.run_key = '" +
            row[1] +
            "' AND json_remove(r.config_json, '$.train.seed') = "
            "json_remove(b.config_json, '$.train.seed') ORDER BY 1");
    EXPECT_EQ(reruns, (std::vector<std::vector<std::string>>{{"1", "done"}, {"2", "done"}}))
        << row[0];
  }
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM sweep_runs WHERE sweep = 'study.rerun_best'"), "4");
  // The seed is a column of the reruns, for query --where and --by.
  EXPECT_EQ(query_one(db,
                      "SELECT group_concat(DISTINCT train_seed) FROM runs "
                      "WHERE sweep = 'study.rerun_best'"),
            "1,2");

  // Both stages are finished: a second run trains nothing.
  const CommandResult again = run_gansweep({"run", "s.yaml", "--db", "s.db"}, dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("6 runs: 0 done, 0 diverged, 0 failed, 0 interrupted, 6 already"),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("4 runs: 0 done, 0 diverged, 0 failed, 0 interrupted, 4 already"),
            std::string::npos)
      << again.err;

  const CommandResult study = run_gansweep({"study", "s.yaml", "--db", "s.db"}, dir.path());
  ASSERT_EQ(study.exit_code, 0) << study.err;
  EXPECT_NE(study.out.find("mean high_quality_fraction over steps 100 to the end (higher is "
                           "better); best 1 per loss, rerun with seeds 1 to 2"),
            std::string::npos)
      << study.out;
  for (const char* loss : {"minimax ", "hinge "}) {
    const auto line_start = study.out.find(std::string("\n") + loss);
    ASSERT_NE(line_start, std::string::npos) << study.out;
    const std::string line =
        study.out.substr(line_start + 1, study.out.find('\n', line_start + 1) - line_start - 1);
    EXPECT_NE(line.find("train.lr="), std::string::npos) << line;
    EXPECT_NE(line.find(" 2/2 "), std::string::npos) << line;
  }

  // --csv: a header and one row per loss, numbers in full.
  const CommandResult csv = run_gansweep({"study", "s.yaml", "--db", "s.db", "--csv"}, dir.path());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(
      csv.out.rfind("loss,rank,setting,sweep score,reruns,median,q25,q75,min,max,no score\n", 0),
      0u)
      << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3) << csv.out;
  EXPECT_NE(csv.out.find("\nminimax,1,train.lr="), std::string::npos) << csv.out;

  // The report of the reruns alone: their 4 runs, in 2 groups of 2 seeds.
  const CommandResult report = run_gansweep(
      {"report", "s.db", "--sweep", "study.rerun_best", "--format", "md", "-o", "r.md"},
      dir.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string md = read_file(dir / "r.md");
  std::size_t run_rows = 0;
  for (const auto& row : query_rows(db, "SELECT run_key, sweep FROM runs")) {
    if (md.find("| " + row[0] + " |") == std::string::npos) continue;
    ++run_rows;
    EXPECT_EQ(row[1], "study.rerun_best") << row[0];
  }
  EXPECT_EQ(run_rows, 4u) << md;
  const CommandResult unknown =
      run_gansweep({"report", "s.db", "--sweep", "nope", "-o", "n.html"}, dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no sweep named 'nope' in s.db"), std::string::npos) << unknown.err;
  EXPECT_FALSE(fs::exists(dir / "n.html"));
}

TEST(CliRerunBest, OnlyTrainsSearchRunsAndLeavesTheReRunsForLater) {
  TempDir dir;
  write_file(dir / "s.yaml", kStudy);
  const CommandResult plan = run_gansweep({"plan", "s.yaml"}, dir.path());
  const auto key_start = plan.out.find('\n') + 1;
  const std::string first_key = plan.out.substr(plan.out.find("  ", key_start) + 2, 16);
  const CommandResult only =
      run_gansweep({"run", "s.yaml", "--db", "s.db", "--only", first_key}, dir.path());
  ASSERT_EQ(only.exit_code, 0) << only.err;
  EXPECT_NE(only.err.find("--only trains runs of the sweep alone"), std::string::npos) << only.err;
  EXPECT_EQ(query_one(dir / "s.db", "SELECT count(*) FROM runs WHERE sweep = 'study.rerun_best'"),
            "0");

  // With search runs still queued, study shows the choice so far and says
  // it may change.
  const CommandResult study = run_gansweep({"study", "s.yaml", "--db", "s.db"}, dir.path());
  ASSERT_EQ(study.exit_code, 0) << study.err;
  EXPECT_NE(study.out.find("5 runs of the sweep not finished"), std::string::npos) << study.out;
  // The one finished run is the choice so far for its loss; the other loss
  // has none yet, and says so.
  const auto line_of = [&](const std::string& loss) {
    const auto start = study.out.find("\n" + loss + " ");
    if (start == std::string::npos) return std::string();
    return study.out.substr(start + 1, study.out.find('\n', start + 1) - start - 1);
  };
  EXPECT_NE(line_of("hinge").find("(no setting with a score yet)"), std::string::npos) << study.out;
  EXPECT_NE(line_of("minimax").find("train.lr="), std::string::npos) << study.out;
}

TEST(CliRerunBest, SlurmSubmitsTheReRunsOnceTheSweepIsFinishedAndMerged) {
  TempDir dir;
  write_file(dir / "s.yaml", kStudy);
  ASSERT_EQ(run_gansweep({"run", "s.yaml", "--db", "s.db"}, dir.path()).exit_code, 0);
  // One rerun forgotten: the sweep is finished, so the array holds just it.
  const std::string rerun =
      query_one(dir / "s.db", "SELECT min(run_key) FROM runs WHERE sweep = 'study.rerun_best'");
  ASSERT_EQ(run_gansweep({"forget", "s.db", rerun}, dir.path()).exit_code, 0);
  const CommandResult slurm =
      run_gansweep({"slurm", "s.yaml", "--partition", "p", "--db", "s.db"}, dir.path());
  ASSERT_EQ(slurm.exit_code, 0) << slurm.err;
  EXPECT_NE(slurm.err.find("sweep 'study.rerun_best': 1 run to train (3 finished already)"),
            std::string::npos)
      << slurm.err;
  fs::path keys = slurm.out.substr(0, slurm.out.find('\n'));
  keys.replace_extension(".keys");
  EXPECT_EQ(read_file(keys), rerun + "\n");
  // Its task finds the rerun's settings in the sweep's database, not in
  // its own shard.
  EXPECT_NE(read_file(slurm.out.substr(0, slurm.out.find('\n'))).find("--chosen-from"),
            std::string::npos);
  const CommandResult task = run_gansweep(
      {"train-run", "s.yaml", "--db", "shard.db", "--chosen-from", "s.db", "--run", rerun},
      dir.path());
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_EQ(query_one(dir / "shard.db", "SELECT status FROM runs WHERE run_key = '" + rerun + "'"),
            "done");
}

TEST(CliRerunBest, KeysListsTheSectionsKeys) {
  TempDir dir;
  const CommandResult keys = run_gansweep({"keys"}, dir.path());
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  for (const char* key : {"\nsearch.samples ", "\nsearch.per_loss.LOSS.KEY ",
                          "\nrerun_best.metric ", "\nrerun_best.window ", "\nrerun_best.top ",
                          "\nrerun_best.seeds ", "\nrerun_best.first_seed ", "\ntrain.lr "}) {
    EXPECT_NE(keys.out.find(key), std::string::npos) << key;
  }
}

TEST(CliRerunBest, StudyRefusesAFileWithoutRerunBest) {
  TempDir dir;
  std::string text = kStudy;
  text.erase(text.find("rerun_best:"));
  write_file(dir / "s.yaml", text);
  const CommandResult study = run_gansweep({"study", "s.yaml", "--db", "s.db"}, dir.path());
  EXPECT_EQ(study.exit_code, 2);
  EXPECT_NE(study.err.find("s.yaml: rerun_best: the file has no rerun_best: section"),
            std::string::npos)
      << study.err;
  EXPECT_FALSE(fs::exists(dir / "s.db"));
}

}  // namespace
}  // namespace gansweep::testing
