// The scheduler's controls through the real binary: choosing runs, forgetting
// them, retrying a run whose process was killed, and a per-run time limit.
// Tests about one run's own process use --no-vectorise (test_cli_stacked
// covers stacked groups).
#include <algorithm>
#include <string>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

std::string sweep_text(int steps) {
  return "name: controls\n"
         "data: {kind: ring8}\n"
         "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
         "train: {steps: " +
         std::to_string(steps) +
         ", batch: 32}\n"
         "log: {eval_every: 50, eval_samples: 200, sample_count: 4}\n"
         "sweep:\n"
         "  train.loss: [minimax, non_saturating]\n"
         "  train.seed: [0, 1]\n";
}

std::vector<std::string> run_keys(const fs::path& db) {
  std::vector<std::string> keys;
  for (const auto& row : query_rows(db, "SELECT run_key FROM runs ORDER BY position")) {
    keys.push_back(row[0]);
  }
  return keys;
}

TEST(CliScheduler, OnlyTrainsTheChosenRunsAndForgetQueuesThemAgain) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(40));
  const CommandResult plan = run_gansweep({"plan", "controls.yaml"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  ASSERT_EQ(run_gansweep({"run", "controls.yaml", "--db", "c.db"}, dir.path()).exit_code, 0);
  const std::vector<std::string> keys = run_keys(dir / "c.db");
  ASSERT_EQ(keys.size(), 4u);

  // Forget two runs (one by a prefix): their rows and files go, they queue.
  const CommandResult forget =
      run_gansweep({"forget", "c.db", keys[0], keys[2].substr(0, 8)}, dir.path());
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(query_one(dir / "c.db", "SELECT count(*) FROM runs WHERE status = 'queued'"), "2");
  EXPECT_EQ(query_one(dir / "c.db", "SELECT count(DISTINCT run_key) FROM steps"), "2");
  EXPECT_FALSE(fs::exists(dir / "c.runs" / keys[0]));
  EXPECT_TRUE(fs::exists(dir / "c.runs" / keys[1] / "generator.pt"));

  // --only trains just the one named.
  const CommandResult only =
      run_gansweep({"run", "controls.yaml", "--db", "c.db", "--only", keys[0]}, dir.path());
  ASSERT_EQ(only.exit_code, 0) << only.err;
  EXPECT_EQ(query_one(dir / "c.db", "SELECT status FROM runs WHERE run_key = '" + keys[0] + "'"),
            "done");
  EXPECT_EQ(query_one(dir / "c.db", "SELECT status FROM runs WHERE run_key = '" + keys[2] + "'"),
            "queued");

  // Unknown keys change nothing and exit 2.
  const CommandResult unknown = run_gansweep({"forget", "c.db", keys[1], "ffff0000"}, dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("ffff0000"), std::string::npos) << unknown.err;
  EXPECT_EQ(query_one(dir / "c.db", "SELECT status FROM runs WHERE run_key = '" + keys[1] + "'"),
            "done");
  const CommandResult bad_only =
      run_gansweep({"run", "controls.yaml", "--db", "c.db", "--only", "zz"}, dir.path());
  EXPECT_EQ(bad_only.exit_code, 2);
  EXPECT_NE(bad_only.err.find("--only"), std::string::npos) << bad_only.err;
}

TEST(CliScheduler, BadDeviceListsAreRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(40));
  for (const std::string devices : {"gpu", "cpu,", "cuda:x"}) {
    const CommandResult r =
        run_gansweep({"run", "controls.yaml", "--db", "d.db", "--devices", devices}, dir.path());
    EXPECT_EQ(r.exit_code, 2) << devices;
    EXPECT_NE(r.err.find("--devices"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "d.db"));
}

TEST(CliScheduler, ARunWhoseProcessIsKilledIsRetriedFromItsCheckpoint) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(3000));
  Process q({"run", "controls.yaml", "--db", "r.db", "--retries", "1", "--jobs", "1",
             "--checkpoint-seconds", "0.05", "--no-vectorise"},
            dir.path());
  // Kill the first run's process once it has trained a while.
  std::string victim;
  for (int i = 0; i < 3000 && victim.empty(); ++i) {
    if (fs::exists(dir / "r.db") &&
        query_one(dir / "r.db", "SELECT count(*) FROM sqlite_master WHERE name = 'steps'") == "1" &&
        std::stoi("0" + query_one(dir / "r.db", "SELECT max(step) FROM steps")) > 300) {
      const auto rows =
          query_rows(dir / "r.db", "SELECT run_key, pid FROM runs WHERE status = 'running'");
      if (!rows.empty()) {
        victim = rows[0][0];
        kill(static_cast<pid_t>(std::stoll(rows[0][1])), SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(victim.empty());
  const CommandResult r = q.wait();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("trying again"), std::string::npos) << r.err;
  EXPECT_EQ(query_one(dir / "r.db", "SELECT count(*) FROM runs WHERE status = 'done'"), "4");
  EXPECT_EQ(query_one(dir / "r.db", "SELECT attempts FROM runs WHERE run_key = '" + victim + "'"),
            "2");
  EXPECT_EQ(query_one(dir / "r.db",
                      "SELECT count(*) = count(DISTINCT step) AND count(*) = 3000 FROM steps "
                      "WHERE run_key = '" +
                          victim + "'"),
            "1");
  EXPECT_NE(read_file(dir / "r.runs" / victim / "run.log").find("resumed from the checkpoint"),
            std::string::npos);
}

TEST(CliScheduler, ATimeLimitStopsARunAndKeepsItsCheckpoint) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(1000000));
  const CommandResult limited = run_gansweep({"run", "controls.yaml", "--db", "t.db",
                                              "--time-limit", "3", "--jobs", "4", "--threads", "1"},
                                             dir.path());
  EXPECT_EQ(limited.exit_code, 1) << limited.err;
  EXPECT_EQ(query_one(dir / "t.db",
                      "SELECT count(*) FROM runs WHERE status = 'failed' AND error LIKE "
                      "'%time limit of 3 s%'"),
            "4");
  for (const std::string& k : run_keys(dir / "t.db")) {
    EXPECT_TRUE(fs::exists(dir / "t.runs" / k / "checkpoint.pt")) << k;
  }
}

// A damaged checkpoint costs the run its progress, and the user hears of it
// on the terminal, not only in the run's log.
TEST(CliScheduler, ADamagedCheckpointIsReportedAndTheRunStartsOver) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(3000));
  Process p({"run", "controls.yaml", "--db", "k.db", "--jobs", "1", "--checkpoint-seconds", "0.05",
             "--no-vectorise"},
            dir.path());
  std::string key;
  for (int i = 0; i < 3000 && key.empty(); ++i) {
    if (fs::exists(dir / "k.db") &&
        query_one(dir / "k.db", "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == "1") {
      key = query_one(dir / "k.db", "SELECT run_key FROM runs WHERE status = 'running'");
      if (!key.empty() && !fs::exists(dir / "k.runs" / key / "checkpoint.pt")) key.clear();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(key.empty());
  p.signal(SIGINT);
  EXPECT_EQ(p.wait().exit_code, 130);
  const fs::path checkpoint = dir / "k.runs" / key / "checkpoint.pt";
  ASSERT_TRUE(fs::exists(checkpoint));
  write_file(checkpoint, "not a checkpoint at all");

  const CommandResult r =
      run_gansweep({"run", "controls.yaml", "--db", "k.db", "--only", key}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("run " + key + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("training from step 0"), std::string::npos) << r.err;
  EXPECT_EQ(query_one(dir / "k.db",
                      "SELECT count(*) = 3000 AND count(DISTINCT step) = 3000 FROM steps WHERE "
                      "run_key = '" +
                          key + "'"),
            "1");
}

// A second command on the same database, with a time limit its runs
// exceed, must never change the claims of the first command's runs: every
// run still ends done, with every step row exactly once.
TEST(CliScheduler, AnotherCommandNeverTouchesTheRunsThisOneTrains) {
  TempDir dir;
  write_file(dir / "controls.yaml", sweep_text(3000));
  Process first({"run", "controls.yaml", "--db", "shared.db", "--jobs", "2"}, dir.path());
  for (int i = 0; i < 3000; ++i) {
    if (fs::exists(dir / "shared.db") &&
        query_one(dir / "shared.db", "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") ==
            "1" &&
        query_one(dir / "shared.db", "SELECT count(*) FROM runs WHERE status = 'running'") != "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const fs::path second_dir = dir / "second";
  fs::create_directories(second_dir);
  const CommandResult second =
      run_gansweep({"run", (dir / "controls.yaml").string(), "--db", (dir / "shared.db").string(),
                    "--jobs", "2", "--time-limit", "0.2"},
                   second_dir);
  const CommandResult a = first.wait();
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(second.exit_code, 2) << second.err;
  const fs::path db = dir / "shared.db";
  EXPECT_EQ(query_one(db, "SELECT count(*) FROM runs WHERE status = 'done'"), "4");
  EXPECT_EQ(query_one(db,
                      "SELECT count(*) FROM (SELECT run_key FROM steps GROUP BY run_key "
                      "HAVING count(*) = 3000 AND count(DISTINCT step) = 3000)"),
            "4");
  EXPECT_EQ(a.err.find("UNIQUE"), std::string::npos) << a.err;
  // The second command saw the first one's runs through to the end instead
  // of failing them for its own time limit.
  EXPECT_NE(second.err.find("was finished by another gansweep process"), std::string::npos)
      << second.err;
}

}  // namespace
}  // namespace gansweep::testing
