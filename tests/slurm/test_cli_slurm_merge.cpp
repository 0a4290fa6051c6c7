// `gansweep slurm` (without a cluster: the script, its key list, which runs
// get a task, refused options) and `gansweep merge` through the real
// command, on databases that `gansweep run` trains.
#include <stdlib.h>

#include <string>
#include <vector>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

// Four runs of 30 steps; a run trains in a fraction of a second.
const char* kSweep =
    "name: tiny\n"
    "data: {kind: ring8}\n"
    "model: {kind: mlp, hidden: 8, z_dim: 2}\n"
    "train: {steps: 30, batch: 16}\n"
    "log: {eval_every: 10, layer_every: 10, eval_samples: 50, sample_count: 4}\n"
    "sweep:\n"
    "  train.loss: [minimax, non_saturating]\n"
    "  train.seed: [0, 1]\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The run keys of the sweep in plan order, from `gansweep plan`.
std::vector<std::string> planned_keys(const TempDir& dir) {
  const CommandResult plan = run_gansweep({"plan", "tiny.yaml"}, dir.path());
  std::vector<std::string> keys;
  for (const std::string& line : lines_of(plan.out)) {
    std::istringstream words(line);
    std::string position, key;
    words >> position >> key;
    if (key.size() == 16 && key.find_first_not_of("0123456789abcdef") == std::string::npos) {
      keys.push_back(key);
    }
  }
  return keys;
}

TEST(CliSlurm, WritesAScriptWithOneTaskPerUnfinishedRun) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  const std::vector<std::string> keys = planned_keys(dir);
  ASSERT_EQ(keys.size(), 4u);

  CommandResult r = run_gansweep({"slurm", "tiny.yaml", "--partition", "gpu", "--max-parallel", "2",
                                  "--gres", "gpu:1", "--time", "01:00:00"},
                                 dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  const fs::path script = out[0];
  EXPECT_EQ(script.parent_path(), fs::canonical(dir.path()) / "results" / "tiny.slurm");
  EXPECT_EQ(script.extension(), ".sh");
  fs::path keys_file = script;
  keys_file.replace_extension(".keys");
  EXPECT_EQ(lines_of(read_file(keys_file)), keys);
  const std::string text = read_file(script);
  EXPECT_NE(text.find("#SBATCH --array=0-3%2\n"), std::string::npos);
  EXPECT_NE(text.find("#SBATCH --gres=gpu:1\n"), std::string::npos);
  EXPECT_NE(text.find("gansweep='" + fs::canonical(GANSWEEP_BINARY).string() + "'\n"),
            std::string::npos);
  EXPECT_NE(text.find("sweep_file='" + (fs::canonical(dir.path()) / "tiny.yaml").string() + "'\n"),
            std::string::npos);
  EXPECT_TRUE(fs::is_directory(dir / "results" / "tiny.slurm" / "logs"));
  EXPECT_TRUE(fs::is_directory(dir / "results" / "tiny.shards"));
  EXPECT_NE(r.err.find("gansweep: sweep 'tiny': 4 runs to train: one array task each, at most 2 "
                       "at a time\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("gansweep: submit with: sbatch '" + script.string() + "'\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("gansweep: when it has finished: gansweep merge '" +
                 (fs::canonical(dir.path()) / "results" / "tiny.shards").string() + "'/*.db -o '" +
                 (fs::canonical(dir.path()) / "results" / "tiny.db").string() + "'\n"),
      std::string::npos)
      << r.err;
  // Nothing is written to the database, which does not exist yet.
  EXPECT_FALSE(fs::exists(dir / "results" / "tiny.db"));

  // A second script never overwrites the first's key list.
  r = run_gansweep({"slurm", "tiny.yaml", "--partition", "gpu"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(lines_of(r.out).at(0), script.string());
  EXPECT_EQ(lines_of(read_file(keys_file)), keys);
}

TEST(CliSlurm, RunsFinishedInTheDatabaseOrTheirShardGetNoTask) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  const std::vector<std::string> keys = planned_keys(dir);
  ASSERT_EQ(keys.size(), 4u);
  ASSERT_EQ(run_gansweep({"run", "tiny.yaml", "--db", "results/tiny.db"}, dir.path()).exit_code, 0);

  CommandResult r = run_gansweep({"slurm", "tiny.yaml", "--partition", "p"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "gansweep: nothing to train: all 4 runs of sweep 'tiny' are finished\n");

  // Two runs left unfinished in the database; one of them finished in a
  // shard an earlier array wrote and nobody merged yet.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "results" / "tiny.db").c_str(), &db), SQLITE_OK);
    const std::string sql = "UPDATE runs SET status = 'interrupted' WHERE run_key IN ('" + keys[1] +
                            "', '" + keys[3] + "')";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  fs::create_directories(dir / "results" / "tiny.shards");
  fs::copy_file(dir / "results" / "tiny.db", dir / "results" / "tiny.shards" / (keys[1] + ".db"));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "results" / "tiny.shards" / (keys[1] + ".db")).c_str(), &db),
              SQLITE_OK);
    const std::string sql = "UPDATE runs SET status = 'done' WHERE run_key = '" + keys[1] + "'";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  r = run_gansweep({"slurm", "tiny.yaml", "--partition", "p"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path keys_file = lines_of(r.out).at(0);
  keys_file.replace_extension(".keys");
  EXPECT_EQ(lines_of(read_file(keys_file)), std::vector<std::string>({keys[3]}));
  EXPECT_NE(r.err.find("1 run to train (3 finished already, 1 of them in shards not merged "
                       "yet): one array task each\n"),
            std::string::npos)
      << r.err;
}

TEST(CliSlurm, BadOptionsAreRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--partition", "gpu long"},
       "--partition: 'gpu long' is not a partition name (or names separated by ',')"},
      {{"--partition", "p", "--time", "2h"},
       "--time: '2h' is not a time limit such as 02:00:00 or 1-12:00:00"},
      {{"--partition", "p", "--gres", "gpu:1 && rm"},
       "--gres: 'gpu:1 && rm' is not a generic resource such as gpu:1 or gpu:a100:2"},
      {{"--partition", "p", "--max-parallel", "0"}, "--max-parallel"},
      {{"--partition", "p", "--db", ""}, "--db: the database path is empty"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"slurm", "tiny.yaml"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const CommandResult r = run_gansweep(args, dir.path());
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "results")) << c.message;
  }
}

TEST(CliSlurm, SubmitWithoutSbatchSaysHowToSubmitByHand) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  fs::create_directories(dir / "empty-bin");
  const std::string saved_path = getenv("PATH") ? getenv("PATH") : "";
  setenv("PATH", (dir / "empty-bin").c_str(), 1);
  const CommandResult r =
      run_gansweep({"slurm", "tiny.yaml", "--partition", "p", "--submit"}, dir.path());
  setenv("PATH", saved_path.c_str(), 1);
  EXPECT_EQ(r.exit_code, 1);
  const std::string script = lines_of(r.out).at(0);
  EXPECT_NE(r.err.find("gansweep: error: cannot run sbatch (not found on PATH); submit the "
                       "script yourself: sbatch '" +
                       script + "'\n"),
            std::string::npos)
      << r.err;
}

TEST(CliMerge, FoldsDatabasesAndTheirRunFilesIntoOne) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  const std::vector<std::string> keys = planned_keys(dir);
  // One process per run, as a Slurm task trains it: each run folder holds
  // its generator and its log.
  ASSERT_EQ(run_gansweep({"run", "tiny.yaml", "--db", "shards/a.db", "--no-vectorise"}, dir.path())
                .exit_code,
            0);
  ASSERT_EQ(query_one(dir / "shards" / "a.db", "SELECT count(*) FROM steps"), "120");

  const std::string rows = query_one(dir / "shards" / "a.db",
                                     "SELECT (SELECT count(*) FROM steps) + (SELECT count(*) "
                                     "FROM evals) + (SELECT count(*) FROM layer_grads) + "
                                     "(SELECT count(*) FROM samples)");

  CommandResult r = run_gansweep({"merge", "shards/a.db", "-o", "merged/all.db"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "merged/all.db\n");
  EXPECT_EQ(r.err,
            "gansweep: merged 1 shard into merged/all.db: 4 runs copied (0 replacing an "
            "unfinished copy), 0 copies already there, " +
                rows + " rows, 8 run files\n");  // weights and log of each run
  const fs::path merged = dir / "merged" / "all.db";
  EXPECT_EQ(query_one(merged, "SELECT count(*) FROM runs WHERE status = 'done'"), "4");
  EXPECT_EQ(query_one(merged, "SELECT count(*) FROM steps"), "120");
  for (const std::string& key : keys) {
    EXPECT_EQ(read_file(dir / "merged" / "all.runs" / key / "generator.pt"),
              read_file(dir / "shards" / "a.runs" / key / "generator.pt"))
        << key;
  }

  r = run_gansweep({"merge", "shards/a.db", "-o", "merged/all.db"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err,
            "gansweep: merged 1 shard into merged/all.db: 0 runs copied (0 replacing an "
            "unfinished copy), 4 copies already there, 0 rows, 0 run files\n");

  // A target on a network file system gets a rollback journal.
  r = run_gansweep({"merge", "shards/a.db", "-o", "nfs.db", "--journal", "delete"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(query_one(dir / "nfs.db", "PRAGMA journal_mode"), "delete");
  EXPECT_EQ(query_one(dir / "nfs.db", "SELECT count(*) FROM steps"), "120");
  EXPECT_FALSE(fs::exists(dir / "nfs.db-wal"));
}

TEST(CliMerge, AShardThatIsNotAGansweepDatabaseIsBadInput) {
  TempDir dir;
  write_file(dir / "tiny.yaml", kSweep);
  ASSERT_EQ(run_gansweep({"run", "tiny.yaml", "--db", "a.db"}, dir.path()).exit_code, 0);
  write_file(dir / "notes.db", "these are notes, not a database; long enough for a header");

  CommandResult r = run_gansweep({"merge", "a.db", "notes.db", "-o", "all.db"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "gansweep: error: notes.db: not a gansweep result database (not even SQLite): file "
            "is not a database\n");
  EXPECT_FALSE(fs::exists(dir / "all.db"));

  r = run_gansweep({"merge", "a.db", "missing.db", "-o", "all.db"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "gansweep: error: missing.db: no such database file\n");
  EXPECT_FALSE(fs::exists(dir / "all.db"));

  r = run_gansweep({"merge", "a.db"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--output is required"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gansweep::testing
