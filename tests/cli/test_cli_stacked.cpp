// Stacked training through the real binary: runs that can share a model are
// trained as stacked groups by default and recorded as such, --no-vectorise
// trains them alone with the same rows to float tolerance, a killed group
// resumes as the same group bit for bit, and a run that diverges in a group
// ends alone.
#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

const char* kStackSweep =
    "name: stacked\n"
    "data: {kind: ring8}\n"
    "model: {kind: mlp, hidden: 32, z_dim: 2}\n"
    "train: {steps: 400, batch: 32}\n"
    "log: {every: 5, eval_every: 100, layer_every: 50, eval_samples: 200, sample_count: 4}\n"
    "sweep:\n"
    "  train.loss: [minimax, non_saturating]\n"
    "  train.d_steps: [1, 2]\n"
    "  train.seed: [0, 1]\n";

TEST(CliStacked, RunsThatShareAModelTrainStackedAndSayWhere) {
  TempDir dir;
  write_file(dir / "s.yaml", kStackSweep);
  const CommandResult stacked = run_gansweep({"run", "s.yaml", "--db", "stacked.db"}, dir.path());
  ASSERT_EQ(stacked.exit_code, 0) << stacked.err;
  EXPECT_NE(stacked.err.find("training 8 runs as 1 stacked group"), std::string::npos)
      << stacked.err;
  EXPECT_EQ(query_rows(dir / "stacked.db",
                       "SELECT execution, count(DISTINCT stack_group), count(*), status FROM runs "
                       "GROUP BY 1, 4"),
            (std::vector<std::vector<std::string>>{{"stacked", "1", "8", "done"}}));
  // Every run keeps its generator.
  for (const auto& row : query_rows(dir / "stacked.db", "SELECT run_key FROM runs")) {
    EXPECT_TRUE(fs::exists(dir / "stacked.runs" / row[0] / "generator.pt")) << row[0];
  }

  const CommandResult alone =
      run_gansweep({"run", "s.yaml", "--db", "alone.db", "--no-vectorise"}, dir.path());
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(alone.err.find("stacked group"), std::string::npos) << alone.err;
  EXPECT_EQ(query_rows(dir / "alone.db",
                       "SELECT execution, stack_group IS NULL, count(*) FROM runs GROUP BY 1, 2"),
            (std::vector<std::vector<std::string>>{{"separate", "1", "8"}}));

  // The same rows, to float rounding: the largest relative difference of
  // any recorded value over the 8 x 40 step rows of the first 200 steps.
  // Later the two drift apart, as any two orders of float operations do in
  // a chaotic system (around 1e-3 by step 400 here), so the bound is for
  // the stretch where rounding has not yet been amplified.
  const std::string sql =
      "SELECT run_key, step, d_loss, g_loss, g_grad_norm, d_grad_norm, dg_dp, dg_dlogit, d_real, "
      "d_fake FROM steps WHERE step < 200 ORDER BY run_key, step";
  const auto stacked_rows = query_rows(dir / "stacked.db", sql);
  const auto alone_rows = query_rows(dir / "alone.db", sql);
  ASSERT_EQ(stacked_rows.size(), 320u);
  ASSERT_EQ(alone_rows.size(), 320u);
  double largest = 0;
  for (std::size_t i = 0; i < stacked_rows.size(); ++i) {
    ASSERT_EQ(stacked_rows[i][0], alone_rows[i][0]);
    ASSERT_EQ(stacked_rows[i][1], alone_rows[i][1]);
    for (std::size_t c = 2; c < stacked_rows[i].size(); ++c) {
      const double a = std::stod(stacked_rows[i][c]);
      const double b = std::stod(alone_rows[i][c]);
      largest = std::max(largest, std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-3}));
    }
  }
  EXPECT_LT(largest, 1e-4);
  // And not bit for bit: the comparison above compares something.
  EXPECT_GT(largest, 0.0);
}

TEST(CliStacked, AKilledGroupResumesAsTheSameGroupBitForBit) {
  TempDir dir;
  std::string sweep = kStackSweep;
  sweep.replace(sweep.find("steps: 400"), 10, "steps: 6000");
  write_file(dir / "s.yaml", sweep);
  ASSERT_EQ(run_gansweep({"run", "s.yaml", "--db", "reference.db"}, dir.path()).exit_code, 0);

  Process p({"run", "s.yaml", "--db", "killed.db", "--checkpoint-seconds", "0.2"}, dir.path());
  // Until the group has checkpointed past step 0.
  for (int i = 0; i < 3000 && !p.finished(); ++i) {
    if (fs::exists(dir / "killed.db") &&
        query_one(dir / "killed.db", "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") ==
            "1" &&
        query_one(dir / "killed.db", "SELECT count(*) FROM steps WHERE step > 1000") != "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(p.finished()) << "the sweep ended before it could be killed";
  p.signal(SIGKILL);
  p.wait();
  // The run process checkpoints on the SIGTERM its parent's death sends.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string group = query_one(dir / "killed.db", "SELECT DISTINCT stack_group FROM runs");
  ASSERT_FALSE(group.empty());

  const CommandResult rerun = run_gansweep({"run", "s.yaml", "--db", "killed.db"}, dir.path());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("resumed from a checkpoint"), std::string::npos) << rerun.err;
  EXPECT_EQ(query_one(dir / "killed.db", "SELECT DISTINCT stack_group FROM runs"), group);
  EXPECT_FALSE(fs::exists(dir / "killed.runs" / group / "checkpoint.pt"));
  for (const std::string sql :
       {"SELECT run_key, step, d_loss, g_loss, g_grad_norm, d_grad_norm, d_real, d_fake, "
        "dg_dp, dg_dlogit FROM steps ORDER BY run_key, step",
        "SELECT * FROM evals ORDER BY run_key, step",
        "SELECT * FROM layer_grads ORDER BY run_key, step, net, layer",
        "SELECT run_key, step, hex(data) FROM samples ORDER BY run_key, step",
        "SELECT run_key, status, steps_done FROM runs ORDER BY run_key"}) {
    EXPECT_EQ(query_rows(dir / "killed.db", sql), query_rows(dir / "reference.db", sql)) << sql;
  }
}

// A group's checkpoint that cannot be used is never dropped silently.
TEST(CliStacked, NoVectoriseAfterAnInterruptedGroupSaysItsCheckpointGoesUnused) {
  TempDir dir;
  std::string sweep = kStackSweep;
  sweep.replace(sweep.find("steps: 400"), 10, "steps: 3000");
  write_file(dir / "s.yaml", sweep);
  Process p({"run", "s.yaml", "--db", "g.db", "--checkpoint-seconds", "0.2"}, dir.path());
  for (int i = 0; i < 3000 && !p.finished(); ++i) {
    if (fs::exists(dir / "g.db") &&
        query_one(dir / "g.db", "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == "1" &&
        query_one(dir / "g.db", "SELECT count(*) FROM steps WHERE step > 300") != "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(p.finished());
  p.signal(SIGINT);
  ASSERT_EQ(p.wait().exit_code, 130);
  const std::string group = query_one(dir / "g.db", "SELECT DISTINCT stack_group FROM runs");
  ASSERT_TRUE(fs::exists(dir / "g.runs" / group / "checkpoint.pt"));

  const CommandResult alone =
      run_gansweep({"run", "s.yaml", "--db", "g.db", "--no-vectorise"}, dir.path());
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_NE(alone.err.find(group + " was trained stacked and has a checkpoint, which "
                                   "--no-vectorise cannot use"),
            std::string::npos)
      << alone.err;
  EXPECT_EQ(query_one(dir / "g.db",
                      "SELECT count(*) FROM runs WHERE status = 'done' AND execution = "
                      "'separate' AND steps_done = 3000"),
            "8");
  // Its runs are all finished now, so the unused checkpoint is gone.
  EXPECT_FALSE(fs::exists(dir / "g.runs" / group / "checkpoint.pt"));
}

TEST(CliStacked, ARunThatDivergesInAGroupEndsAloneAsDiverged) {
  TempDir dir;
  write_file(dir / "d.yaml",
             "name: diverging\n"
             "data: {kind: ring8}\n"
             "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
             "train: {steps: 200, batch: 32, loss: minimax}\n"
             "log: {every: 10, eval_every: 100}\n"
             "sweep:\n"
             "  train.lr: [1e6, 1e-3]\n"
             "  train.seed: [0, 1]\n");
  const CommandResult result = run_gansweep({"run", "d.yaml", "--db", "d.db"}, dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(query_one(dir / "d.db",
                      "SELECT count(*) FROM runs WHERE train_lr = 1e6 AND status = 'diverged' "
                      "AND first_nonfinite_step IS NOT NULL AND execution = 'stacked'"),
            "2");
  EXPECT_EQ(query_one(dir / "d.db",
                      "SELECT count(*) FROM runs WHERE train_lr = 1e-3 AND status = 'done' AND "
                      "steps_done = 200"),
            "2");
  // The diverged runs' last row is their first non-finite step.
  EXPECT_EQ(query_one(dir / "d.db",
                      "SELECT count(*) FROM runs AS r WHERE status = 'diverged' AND "
                      "(SELECT max(step) FROM steps AS s WHERE s.run_key = r.run_key) = "
                      "r.first_nonfinite_step"),
            "2");
}

TEST(CliStacked, TrainRunRefusesRunsThatCannotShareAModel) {
  TempDir dir;
  write_file(dir / "m.yaml",
             "name: mixed\n"
             "data: {kind: ring8}\n"
             "model: {kind: mlp, z_dim: 2}\n"
             "train: {steps: 10, batch: 32}\n"
             "sweep:\n"
             "  model.hidden: [16, 32]\n");
  const CommandResult plan = run_gansweep({"plan", "m.yaml"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  // `plan` prints a header, then "#  run_key  ..." per run.
  std::istringstream lines(plan.out);
  std::vector<std::string> run_keys;
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string position, key;
    if (fields >> position >> key && key.size() == 16) run_keys.push_back(key);
  }
  ASSERT_EQ(run_keys.size(), 2u) << plan.out;
  const CommandResult refused = run_gansweep(
      {"train-run", "m.yaml", "--db", "m.db", "--run", run_keys[0], "--run", run_keys[1]},
      dir.path());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("cannot train as one stacked model: they differ in mlp (16x2 "
                             "against 32x2)"),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir / "m.db"));
}

}  // namespace
}  // namespace gansweep::testing
