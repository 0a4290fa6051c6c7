// Handed case c11: SIGKILL in the middle of a sweep, then the same command
// again, ten times over; and Ctrl-C. The database must stay intact, every
// run must end done once, and every (run, step) row must exist exactly once
// with the values an uninterrupted sweep stores.
#include <dirent.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include <fmt/format.h>

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

// Ids of the live processes whose parent is `parent` (the run processes of
// a scheduler), from /proc.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    const std::string stat = read_file(fs::path("/proc") / entry->d_name / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    // After "(comm)": state, then the parent's id.
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent) children.push_back(pid);
  }
  closedir(proc);
  return children;
}

// Returns once one of the process's run processes holds a run in the
// database (rows of killed attempts may still say 'running'), or the
// process ended.
void wait_for_a_running_run(const Process& p, const fs::path& db) {
  for (int i = 0; i < 3000 && !p.finished(); ++i) {
    if (fs::exists(db) &&
        query_one(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == "1") {
      const std::vector<pid_t> children = children_of(p.pid());
      for (const auto& row : query_rows(db, "SELECT pid FROM runs WHERE status = 'running'")) {
        const pid_t holder = static_cast<pid_t>(std::atoll(row[0].c_str()));
        if (std::find(children.begin(), children.end(), holder) != children.end()) return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void wait_until_gone(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void expect_intact_and_equal(const fs::path& db, const fs::path& reference, int steps = 300) {
  EXPECT_EQ(query_one(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM runs WHERE status != 'done'"), "0");
  EXPECT_EQ(query_one(db,
                      "SELECT count(*) FROM (SELECT run_key, step FROM steps "
                      "GROUP BY run_key, step HAVING count(*) > 1)"),
            "0");
  EXPECT_EQ(query_one(db, fmt::format("SELECT count(*) FROM (SELECT run_key FROM steps GROUP BY "
                                      "run_key HAVING count(*) = {0} AND min(step) = 0 AND "
                                      "max(step) = {0} - 1)",
                                      steps)),
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

// Ctrl-C while runs train: with one process per run (--no-vectorise) the one
// run in flight is interrupted; stacked, the whole group in flight is.
void ctrl_c_then_rerun(const std::vector<std::string>& extra, const std::string& interrupted) {
  TempDir dir;
  write_file(dir / "resume.yaml", kResumeSweep);
  // The reference in the same mode: stacked rows equal separate ones to
  // float tolerance only, and this compares bit for bit.
  std::vector<std::string> reference = {"run", "resume.yaml", "--db", "reference.db"};
  reference.insert(reference.end(), extra.begin(), extra.end());
  ASSERT_EQ(run_gansweep(reference, dir.path()).exit_code, 0);
  std::vector<std::string> command = {"run", "resume.yaml", "--db", "stopped.db"};
  command.insert(command.end(), extra.begin(), extra.end());
  Process p(command, dir.path());
  // Wait until a run process has claimed a run, then interrupt.
  wait_for_a_running_run(p, dir / "stopped.db");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.signal(SIGINT);
  const CommandResult stopped = p.wait();
  if (stopped.exit_code == 0) GTEST_SKIP() << "the sweep finished before the signal";
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_EQ(query_one(dir / "stopped.db",
                      "SELECT count(*) FROM runs WHERE status = "
                      "'interrupted' AND error = 'interrupted by a signal'"),
            interrupted);
  EXPECT_EQ(query_one(dir / "stopped.db", "SELECT count(*) FROM runs WHERE status = 'running'"),
            "0");
  const CommandResult rerun = run_gansweep(command, dir.path());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_intact_and_equal(dir / "stopped.db", dir / "reference.db");
}

TEST(CliResume, CtrlCMarksTheRunInterruptedAndTheRerunFinishes) {
  ctrl_c_then_rerun({"--no-vectorise"}, "1");
}

TEST(CliResume, CtrlCMarksAStackedGroupInterruptedAndTheRerunFinishes) {
  ctrl_c_then_rerun({}, "6");
}

// The chaos test: SIGKILL at 20 random moments, half of them killing the
// scheduler and every run process at once, half killing one run process
// first (which the scheduler records as failed) and then everything. With
// a checkpoint after nearly every step, kills land inside training, inside
// checkpoint writes and inside database commits. Each time the same
// command runs again; at the end every run is done once, every step row
// exists once, and the rows equal those of a sweep never interrupted.
TEST(CliResume, ChaosTwentyKillsResumeToRowsOfAnUninterruptedSweep) {
  TempDir dir;
  // Long enough that twenty kills land before it is done.
  const std::string sweep =
      "name: resume\n"
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 32, z_dim: 2}\n"
      "train: {steps: 3000, batch: 32}\n"
      "log: {eval_every: 100, layer_every: 50, eval_samples: 200, sample_count: 8}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating, hinge]\n"
      "  train.seed: [0, 1]\n";
  write_file(dir / "resume.yaml", sweep);
  ASSERT_EQ(run_gansweep(
                {"run", "resume.yaml", "--db", "reference.db", "--threads", "1", "--no-vectorise"},
                dir.path())
                .exit_code,
            0);
  // One process per run: the kills are aimed at run processes. (Stacked
  // groups resume by the same checkpoints; CliStacked kills one.)
  const std::vector<std::string> command = {
      "run", "resume.yaml",          "--db", "chaos.db",      "--jobs", "2", "--threads",
      "1",   "--checkpoint-seconds", "0.01", "--no-vectorise"};
  std::mt19937 random(20261204);  // fixed: the same moments on every run of the test
  // Measured from the moment a run process holds a run, so that start-up
  // time (loading LibTorch, slower on a busy machine) does not eat the
  // window.
  std::uniform_int_distribution<int> delay_ms(20, 500);
  int killed_while_running = 0;
  for (int i = 0; i < 20; ++i) {
    Process p(command, dir.path());
    wait_for_a_running_run(p, dir / "chaos.db");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    if (p.finished()) {
      p.wait();
      continue;
    }
    ++killed_while_running;
    std::vector<pid_t> runs = children_of(p.pid());
    if (i % 2 == 1 && !runs.empty()) {
      kill(runs[random() % runs.size()], SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      runs = children_of(p.pid());
    }
    for (pid_t run : runs) kill(run, SIGKILL);
    p.signal(SIGKILL);
    p.wait();
    wait_until_gone(runs);
    if (fs::exists(dir / "chaos.db")) {
      EXPECT_EQ(query_one(dir / "chaos.db", "PRAGMA integrity_check"), "ok") << "kill " << i;
    }
  }
  EXPECT_GE(killed_while_running, 15);

  const CommandResult last = run_gansweep(command, dir.path());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  expect_intact_and_equal(dir / "chaos.db", dir / "reference.db", 3000);
  // Runs were resumed from checkpoints, not only restarted, and finished
  // runs keep no checkpoint.
  int resumed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "chaos.runs")) {
    EXPECT_NE(entry.path().filename(), "checkpoint.pt") << entry.path();
    if (entry.path().filename() == "run.log") {
      const std::string log = read_file(entry.path());
      for (std::size_t at = 0; (at = log.find("resumed from the checkpoint", at)) != log.npos;
           ++at) {
        ++resumed;
      }
    }
  }
  EXPECT_GE(resumed, 3);
}

// Sixteen run processes write one database at once: no "database is
// locked", no lost or doubled rows.
TEST(CliResume, SixteenRunProcessesShareOneDatabase) {
  TempDir dir;
  const std::string sweep =
      "name: sixteen\n"
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
      "train: {steps: 200, batch: 32}\n"
      "log: {eval_every: 50, layer_every: 20, eval_samples: 200, sample_count: 8}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating]\n"
      "  train.seed: [0, 1, 2, 3, 4, 5, 6, 7]\n";
  write_file(dir / "sixteen.yaml", sweep);
  const CommandResult together = run_gansweep({"run", "sixteen.yaml", "--db", "together.db",
                                               "--jobs", "16", "--threads", "1", "--no-vectorise"},
                                              dir.path());
  ASSERT_EQ(together.exit_code, 0) << together.err;
  const CommandResult alone = run_gansweep({"run", "sixteen.yaml", "--db", "alone.db", "--jobs",
                                            "1", "--threads", "1", "--no-vectorise"},
                                           dir.path());
  ASSERT_EQ(alone.exit_code, 0) << alone.err;

  const fs::path db = dir / "together.db";
  EXPECT_EQ(query_one(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM runs WHERE status = 'done' AND attempts = 1"),
            "16");
  EXPECT_EQ(query_one(db,
                      "SELECT count(*) FROM (SELECT run_key FROM steps GROUP BY run_key "
                      "HAVING count(*) = 200 AND count(DISTINCT step) = 200)"),
            "16");
  for (const auto& sql : kComparable) {
    EXPECT_EQ(query_rows(db, sql), query_rows(dir / "alone.db", sql)) << sql;
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir / "together.runs")) {
    if (entry.path().filename() == "run.log") {
      EXPECT_EQ(read_file(entry.path()).find("locked"), std::string::npos) << entry.path();
    }
  }
}

}  // namespace
}  // namespace gansweep::testing
