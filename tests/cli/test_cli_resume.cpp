// Handed case c11: SIGKILL in the middle of a sweep, then the same command
// again, ten times over; and Ctrl-C. The database must stay intact, every
// run must end done once, and every (run, step) row must exist exactly once
// with the values an uninterrupted sweep stores.
#include <string>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

const char* kResumeSweep =
    "name: resume\n"
    "data: {kind: ring8}\n"
    "model: {kind: mlp, hidden: 32, z_dim: 2}\n"
    "train: {steps: 300, batch: 32}\n"
    "log: {eval_every: 100, layer_every: 50, eval_samples: 200, sample_count: 8}\n"
    "sweep:\n"
    "  train.loss: [minimax, non_saturating, hinge]\n"
    "  train.seed: [0, 1]\n";

// Every stored value except wall time, in a fixed order.
const std::vector<std::string> kComparable{
    "SELECT run_key, step, d_loss, g_loss, g_grad_norm, d_grad_norm, d_real, d_fake, "
    "d_real_logit, d_fake_logit, dg_dp, dg_dlogit, nan_mask FROM steps ORDER BY run_key, step",
    "SELECT * FROM evals ORDER BY run_key, step",
    "SELECT * FROM layer_grads ORDER BY run_key, step, net, layer",
    "SELECT run_key, step, shape, hex(data) FROM samples ORDER BY run_key, step",
    "SELECT run_key, status, steps_done, first_nonfinite_step FROM runs ORDER BY run_key"};

void expect_intact_and_equal(const fs::path& db, const fs::path& reference) {
  EXPECT_EQ(query_one(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM runs WHERE status != 'done'"), "0");
  EXPECT_EQ(query_one(db,
                      "SELECT count(*) FROM (SELECT run_key, step FROM steps "
                      "GROUP BY run_key, step HAVING count(*) > 1)"),
            "0");
  EXPECT_EQ(query_one(db,
                      "SELECT count(*) FROM (SELECT run_key FROM steps GROUP BY run_key "
                      "HAVING count(*) = 300 AND min(step) = 0 AND max(step) = 299)"),
            "6");
  for (const auto& sql : kComparable) {
    EXPECT_EQ(query_rows(db, sql), query_rows(reference, sql)) << sql;
  }
}

TEST(CliResume, C11KillNineAtTenMomentsThenRerun) {
  TempDir dir;
  write_file(dir / "resume.yaml", kResumeSweep);
  ASSERT_EQ(run_gansweep({"run", "resume.yaml", "--db", "reference.db"}, dir.path()).exit_code, 0);

  // Kill times spread from just after start-up to past the end of a run, so
  // they land in training, in buffered writes and in commits.
  int killed_while_running = 0;
  for (int i = 0; i < 10; ++i) {
    Process p({"run", "resume.yaml", "--db", "killed.db"}, dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(350 + 97 * i));
    if (!p.finished()) ++killed_while_running;
    p.signal(SIGKILL);
    p.wait();
    if (fs::exists(dir / "killed.db")) {
      EXPECT_EQ(query_one(dir / "killed.db", "PRAGMA integrity_check"), "ok") << "kill " << i;
    }
  }
  EXPECT_GE(killed_while_running, 5);

  const CommandResult last = run_gansweep({"run", "resume.yaml", "--db", "killed.db"}, dir.path());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  expect_intact_and_equal(dir / "killed.db", dir / "reference.db");
}

TEST(CliResume, TwoProcessesOnOneDatabaseShareTheRunsWithoutLosingRows) {
  TempDir dir;
  write_file(dir / "resume.yaml", kResumeSweep);
  ASSERT_EQ(run_gansweep({"run", "resume.yaml", "--db", "reference.db"}, dir.path()).exit_code, 0);
  Process first({"run", "resume.yaml", "--db", "shared.db"}, dir.path());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const fs::path second_dir = dir / "second";
  fs::create_directories(second_dir);
  Process second({"run", (dir / "resume.yaml").string(), "--db", (dir / "shared.db").string()},
                 second_dir);
  const CommandResult a = first.wait();
  const CommandResult b = second.wait();
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  // Each run was trained once, by one of them.
  EXPECT_EQ(query_one(dir / "shared.db", "SELECT max(attempts) FROM runs"), "1");
  expect_intact_and_equal(dir / "shared.db", dir / "reference.db");
}

TEST(CliResume, CtrlCMarksTheRunInterruptedAndTheRerunFinishes) {
  TempDir dir;
  write_file(dir / "resume.yaml", kResumeSweep);
  ASSERT_EQ(run_gansweep({"run", "resume.yaml", "--db", "reference.db"}, dir.path()).exit_code, 0);
  Process p({"run", "resume.yaml", "--db", "stopped.db"}, dir.path());
  // Wait until training has started, then interrupt.
  for (int i = 0; i < 200 && !fs::exists(dir / "stopped.db"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p.signal(SIGINT);
  const CommandResult stopped = p.wait();
  if (stopped.exit_code == 0) GTEST_SKIP() << "the sweep finished before the signal";
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_EQ(query_one(dir / "stopped.db",
                      "SELECT count(*) FROM runs WHERE status = "
                      "'interrupted' AND error = 'interrupted by a signal'"),
            "1");
  EXPECT_EQ(query_one(dir / "stopped.db", "SELECT count(*) FROM runs WHERE status = 'running'"),
            "0");
  const CommandResult rerun =
      run_gansweep({"run", "resume.yaml", "--db", "stopped.db"}, dir.path());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_intact_and_equal(dir / "stopped.db", dir / "reference.db");
}

}  // namespace
}  // namespace gansweep::testing
