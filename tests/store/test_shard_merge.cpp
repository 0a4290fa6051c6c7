// Tests of the shard merge against real files written by ResultStore: exact
// row counts, idempotence, which copy of a run wins, new swept columns,
// sweeps whose text differs, and inputs refused before anything is written.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/result_store.h"
#include "store/schema.h"
#include "store/shard_merge.h"
#include "store_test_util.h"

namespace gansweep::store {
namespace {

namespace fs = std::filesystem;
using testing::RawDb;
using testing::TempDirTest;

// One run as a test writes it: `steps` step rows whose d_loss is
// `base + step`, so the copy a row came from can be told apart, one
// evaluation and one sample per 10 steps, two layer-gradient rows per 5.
struct RunSpec {
  std::string key;
  RunStatus status = RunStatus::kDone;
  int steps = 20;
  double base = 0;
  std::vector<std::pair<std::string, ColumnValue>> swept;
  std::string config_json;  // default: {"run": key}
};

RunRecord record_of(const RunSpec& spec, int position) {
  RunRecord run;
  run.run_key = spec.key;
  run.position = position;
  run.config_json =
      spec.config_json.empty() ? R"({"run":")" + spec.key + R"("})" : spec.config_json;
  run.swept = spec.swept;
  return run;
}

// Writes one database holding sweep `sweep` (file text `text`) with the runs
// of `specs`, each trained as far as its status says.
void write_db(const fs::path& path, const std::string& sweep, const std::string& text,
              const std::vector<RunSpec>& specs, JournalMode journal = JournalMode::kRollback) {
  auto store = ResultStore::open_for_writing(path, journal);
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    records.push_back(record_of(specs[i], static_cast<int>(i)));
  }
  store->register_sweep({sweep, sweep + ".yaml", text}, records);
  for (const RunSpec& spec : specs) {
    if (spec.status == RunStatus::kQueued) continue;
    RunEnvironment env;
    env.device = "cpu";
    env.host = "node7";
    env.pid = 99;
    store->start_run(spec.key, env);
    for (int step = 0; step < spec.steps; ++step) {
      StepRow row;
      row.step = step;
      row.d_loss = spec.base + step;
      store->append_step(spec.key, row);
      if (step % 10 == 0) {
        EvalRow eval;
        eval.step = step;
        eval.modes_covered = spec.base;
        store->append_eval(spec.key, eval);
        store->append_sample(spec.key, {step, {1, 2}, {1.0f, static_cast<float>(spec.base)}});
      }
      if (step % 5 == 0) {
        store->append_layer_grads(spec.key, {{step, "G", "w", 1.0}, {step, "D", "w", 2.0}});
      }
    }
    if (spec.status == RunStatus::kRunning) {
      store->flush();
      continue;
    }
    RunOutcome outcome;
    outcome.status = spec.status;
    outcome.steps_done = spec.steps;
    store->finish_run(spec.key, outcome);
  }
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ShardMergeTest : public TempDirTest {
 protected:
  fs::path target() const { return dir_ / "merged.db"; }
  fs::path shard(const std::string& name) const { return dir_ / (name + ".db"); }

  // Every row of every table, as text, for comparing a whole file before
  // and after an operation.
  std::vector<std::string> dump(const fs::path& db) {
    RawDb raw(db);
    std::vector<std::string> rows;
    for (const std::string table : {"sweeps", "sweep_versions", "sweep_runs", "runs", "steps",
                                    "evals", "layer_grads", "samples"}) {
      std::string expr = "'" + table + "'";
      for (const auto& c : raw.texts("SELECT name FROM pragma_table_info('" + table + "')")) {
        expr += " || '|' || quote(\"" + c + "\")";
      }
      for (auto& row : raw.texts("SELECT " + expr + " FROM " + table + " ORDER BY 1")) {
        rows.push_back(std::move(row));
      }
    }
    return rows;
  }

  std::int64_t rows(const std::string& table, const std::string& run_key) {
    return RawDb(target()).integer("SELECT count(*) FROM " + table + " WHERE run_key = '" +
                                   run_key + "'");
  }

  void expect_rows_of(const std::string& run_key, int steps, double base) {
    EXPECT_EQ(rows("steps", run_key), steps) << run_key;
    EXPECT_EQ(rows("evals", run_key), (steps + 9) / 10) << run_key;
    EXPECT_EQ(rows("samples", run_key), (steps + 9) / 10) << run_key;
    EXPECT_EQ(rows("layer_grads", run_key), 2 * ((steps + 4) / 5)) << run_key;
    RawDb raw(target());
    EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = '" + run_key +
                          "' AND d_loss = " + std::to_string(base) + " + step"),
              steps)
        << run_key << ": rows from another copy";
    EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE run_key = '" + run_key +
                          "' AND modes_covered = " + std::to_string(base)),
              (steps + 9) / 10)
        << run_key;
  }

  // Merging `shards` must fail with exactly `message` and leave the target's
  // bytes (or its absence) as they were. Reading a WAL target may leave an
  // empty -wal file beside it, as any reader does.
  void expect_refused(const std::vector<fs::path>& shards, const std::string& message) {
    const bool existed = fs::exists(target());
    const std::string before = existed ? read_bytes(target()) : "";
    try {
      merge_shards(shards, target());
      ADD_FAILURE() << "merged";
    } catch (const MergeInputError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
    EXPECT_EQ(fs::exists(target()), existed);
    if (existed) {
      EXPECT_EQ(read_bytes(target()), before);
    } else {
      EXPECT_FALSE(fs::exists(target().string() + "-wal"));
      EXPECT_FALSE(fs::exists(target().string() + "-journal"));
    }
  }
};

TEST_F(ShardMergeTest, CopiesEveryRowOfEveryShardExactlyOnce) {
  // The shape a Slurm array leaves: each shard registered the whole sweep
  // and trained one run of it.
  const std::vector<RunSpec> queued{
      {"r1", RunStatus::kQueued}, {"r2", RunStatus::kQueued}, {"r3", RunStatus::kQueued}};
  auto trained = [&](int i, RunStatus status, int steps) {
    std::vector<RunSpec> specs = queued;
    specs[i] = {specs[i].key, status, steps, 100.0 * (i + 1)};
    return specs;
  };
  write_db(shard("a"), "s", "name: s\n", trained(0, RunStatus::kDone, 30));
  write_db(shard("b"), "s", "name: s\n", trained(1, RunStatus::kDiverged, 7));
  write_db(shard("c"), "s", "name: s\n", trained(2, RunStatus::kDone, 25));

  const MergeOutcome outcome = merge_shards({shard("a"), shard("b"), shard("c")}, target());
  EXPECT_EQ(outcome.shards, 3);
  // a brings r1 done and r2, r3 queued; b and c replace r2 and r3.
  ASSERT_EQ(outcome.copied.size(), 5u);
  EXPECT_EQ(outcome.copied[0].run_key, "r1");
  EXPECT_EQ(outcome.copied[0].shard, shard("a"));
  EXPECT_EQ(outcome.copied[0].status, RunStatus::kDone);
  EXPECT_FALSE(outcome.copied[0].replaced);
  EXPECT_EQ(outcome.copied[3].run_key, "r2");
  EXPECT_EQ(outcome.copied[3].status, RunStatus::kDiverged);
  EXPECT_TRUE(outcome.copied[3].replaced);
  EXPECT_EQ(outcome.copies_skipped, 4);  // b's r1, r3; c's r1, r2
  EXPECT_EQ(outcome.rows_copied, (30 + 3 + 3 + 12) + (7 + 1 + 1 + 4) + (25 + 3 + 3 + 10));
  EXPECT_EQ(outcome.unfinished, 0);

  RawDb raw(target());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.texts("SELECT run_key || ' ' || status || ' ' || steps_done || ' ' || position "
                      "FROM runs ORDER BY run_key"),
            std::vector<std::string>({"r1 done 30 0", "r2 diverged 7 1", "r3 done 25 2"}));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps"), 30 + 7 + 25);
  expect_rows_of("r1", 30, 100);
  expect_rows_of("r2", 7, 200);
  expect_rows_of("r3", 25, 300);
  EXPECT_EQ(raw.texts("SELECT name || ' ' || file_text FROM sweeps"),
            std::vector<std::string>({"s name: s\n"}));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sweep_versions"), 0);
  EXPECT_EQ(raw.texts("SELECT run_key FROM sweep_runs WHERE sweep = 's' ORDER BY position"),
            std::vector<std::string>({"r1", "r2", "r3"}));
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

TEST_F(ShardMergeTest, MergingAgainChangesNothing) {
  write_db(shard("a"), "s", "name: s\n", {{"r1", RunStatus::kDone, 20, 1}});
  write_db(shard("b"), "s", "name: s\n", {{"r2", RunStatus::kInterrupted, 12, 2}});
  merge_shards({shard("a"), shard("b")}, target());
  const auto before = dump(target());

  const MergeOutcome again = merge_shards({shard("b"), shard("a"), shard("a")}, target());
  EXPECT_TRUE(again.copied.empty());
  EXPECT_EQ(again.copies_skipped, 3);
  EXPECT_EQ(again.rows_copied, 0);
  EXPECT_EQ(again.unfinished, 1);
  EXPECT_EQ(dump(target()), before);
}

TEST_F(ShardMergeTest, ShardsAreNeverChanged) {
  write_db(shard("a"), "s", "name: s\n", {{"r1", RunStatus::kDone, 20, 1}});
  const std::string bytes = read_bytes(shard("a"));
  merge_shards({shard("a")}, target());
  merge_shards({shard("a")}, target());
  EXPECT_EQ(read_bytes(shard("a")), bytes);
  EXPECT_FALSE(fs::exists(shard("a").string() + "-wal"));
  EXPECT_FALSE(fs::exists(shard("a").string() + "-journal"));
}

TEST_F(ShardMergeTest, AFinishedRunIsNeverReplaced) {
  write_db(target(), "s", "name: s\n", {{"r1", RunStatus::kDone, 20, 1}}, JournalMode::kWal);
  write_db(shard("unfinished"), "s", "name: s\n", {{"r1", RunStatus::kInterrupted, 8, 2}});
  write_db(shard("diverged"), "s", "name: s\n", {{"r1", RunStatus::kDiverged, 5, 3}});
  write_db(shard("longer"), "s", "name: s\n", {{"r1", RunStatus::kDone, 40, 4}});
  const auto before = dump(target());

  const MergeOutcome outcome =
      merge_shards({shard("unfinished"), shard("diverged"), shard("longer")}, target());
  EXPECT_TRUE(outcome.copied.empty());
  EXPECT_EQ(outcome.copies_skipped, 3);
  EXPECT_EQ(dump(target()), before);
}

TEST_F(ShardMergeTest, AnUnfinishedRunIsReplacedWithAllItsRows) {
  for (RunStatus status :
       {RunStatus::kQueued, RunStatus::kRunning, RunStatus::kInterrupted, RunStatus::kFailed}) {
    SCOPED_TRACE(std::string(to_string(status)));
    fs::remove(target());
    fs::remove(target().string() + "-wal");
    fs::remove(target().string() + "-shm");
    fs::remove(shard("done"));
    // The target holds more steps of its attempt than the finished copy, so
    // a leftover row would show.
    write_db(target(), "first", "name: first\n",
             {{"r0", RunStatus::kDone, 3, 7}, {"r1", status, 33, 1}}, JournalMode::kWal);
    write_db(shard("done"), "second", "name: second\n", {{"r1", RunStatus::kDone, 21, 2}});

    const MergeOutcome outcome = merge_shards({shard("done")}, target());
    ASSERT_EQ(outcome.copied.size(), 1u);
    EXPECT_TRUE(outcome.copied[0].replaced);
    EXPECT_EQ(outcome.rows_copied, 21 + 3 + 3 + 10);
    expect_rows_of("r1", 21, 2);
    expect_rows_of("r0", 3, 7);
    RawDb raw(target());
    EXPECT_EQ(raw.text("SELECT status || ' ' || steps_done || ' ' || sweep || ' ' || position "
                       "FROM runs WHERE run_key = 'r1'"),
              "done 21 first 1");
    EXPECT_EQ(raw.integer("SELECT count(*) FROM (SELECT run_key, step FROM steps "
                          "GROUP BY 1, 2 HAVING count(*) > 1)"),
              0);
  }
}

TEST_F(ShardMergeTest, AnUnfinishedCopyIsAddedButReplacesNothing) {
  write_db(target(), "s", "name: s\n", {{"r1", RunStatus::kInterrupted, 10, 1}}, JournalMode::kWal);
  write_db(shard("a"), "s", "name: s\n",
           {{"r1", RunStatus::kFailed, 15, 2}, {"r2", RunStatus::kInterrupted, 4, 3}});

  const MergeOutcome outcome = merge_shards({shard("a")}, target());
  ASSERT_EQ(outcome.copied.size(), 1u);
  EXPECT_EQ(outcome.copied[0].run_key, "r2");
  EXPECT_EQ(outcome.copies_skipped, 1);
  EXPECT_EQ(outcome.unfinished, 2);
  expect_rows_of("r1", 10, 1);
  expect_rows_of("r2", 4, 3);
}

TEST_F(ShardMergeTest, SweptColumnsTheTargetLacksAreAddedAndFilled) {
  const std::string lr_run = R"({"train":{"lr":0.001,"seed":0}})";
  const std::string seed_run = R"({"train":{"lr":0.0002,"seed":3},"data":{"kind":"ring8"}})";
  write_db(target(), "by_lr", "name: by_lr\n",
           {{"r1", RunStatus::kDone, 5, 1, {{"train_lr", 0.001}}, lr_run}}, JournalMode::kWal);
  write_db(shard("a"), "by_seed", "name: by_seed\n",
           {{"r2",
             RunStatus::kDone,
             5,
             2,
             {{"train_seed", std::int64_t{3}}, {"data_kind", std::string("ring8")}},
             seed_run}});

  const MergeOutcome outcome = merge_shards({shard("a")}, target());
  EXPECT_EQ(outcome.columns_added, 2);
  RawDb raw(target());
  EXPECT_EQ(raw.texts("SELECT name || ' ' || type FROM pragma_table_info('runs') "
                      "WHERE name IN ('train_lr', 'train_seed', 'data_kind') ORDER BY name"),
            std::vector<std::string>({"data_kind TEXT", "train_lr REAL", "train_seed INTEGER"}));
  // Each run has a value in every swept column, read from its settings
  // where its own sweep did not sweep that key.
  EXPECT_EQ(raw.texts("SELECT run_key || ' ' || quote(train_lr) || ' ' || quote(train_seed) || "
                      "' ' || quote(data_kind) FROM runs ORDER BY run_key"),
            std::vector<std::string>({"r1 0.001 0 NULL", "r2 0.0002 3 'ring8'"}));
  EXPECT_EQ(raw.texts("SELECT name FROM sweeps ORDER BY name"),
            std::vector<std::string>({"by_lr", "by_seed"}));
}

TEST_F(ShardMergeTest, ASweepEditedLaterFollowsTheNewerTextAndKeepsTheOther) {
  write_db(target(), "s", "name: s # old\n", {{"r1", RunStatus::kDone, 5, 1}}, JournalMode::kWal);
  write_db(shard("newer"), "s", "name: s # new\n", {{"r2", RunStatus::kDone, 5, 2}});
  write_db(shard("older"), "s", "name: s # oldest\n", {{"r3", RunStatus::kDone, 5, 3}});
  RawDb(target()).exec(
      "UPDATE sweeps SET created_at = '2026-01-02T00:00:00Z', "
      "updated_at = '2026-01-02T00:00:00Z'");
  RawDb(shard("newer")).exec("UPDATE sweeps SET updated_at = '2026-01-03T00:00:00Z'");
  RawDb(shard("older"))
      .exec(
          "UPDATE sweeps SET created_at = '2026-01-01T00:00:00Z', "
          "updated_at = '2026-01-01T00:00:00Z'");

  merge_shards({shard("newer"), shard("older")}, target());
  RawDb raw(target());
  EXPECT_EQ(raw.text("SELECT file_text || '|' || updated_at FROM sweeps"),
            "name: s # new\n|2026-01-03T00:00:00Z");
  EXPECT_EQ(raw.texts("SELECT file_text || '|' || replaced_at FROM sweep_versions "
                      "ORDER BY file_text"),
            std::vector<std::string>({"name: s # old\n|2026-01-03T00:00:00Z",
                                      "name: s # oldest\n|2026-01-03T00:00:00Z"}));
  // The newer text says which runs the sweep holds; every run keeps its rows.
  EXPECT_EQ(raw.texts("SELECT run_key FROM sweep_runs"), std::vector<std::string>({"r2"}));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs WHERE status = 'done'"), 3);

  const auto before = dump(target());
  merge_shards({shard("older"), shard("newer")}, target());
  EXPECT_EQ(dump(target()), before);
}

TEST_F(ShardMergeTest, AFileThatIsNotAGansweepDatabaseIsRefusedBeforeAnythingIsWritten) {
  write_db(shard("good"), "s", "name: s\n", {{"r1", RunStatus::kDone, 5, 1}});
  std::ofstream(dir_ / "notes.db") << "just some text, long enough to be a file header.....";
  expect_refused({shard("good"), dir_ / "notes.db"},
                 (dir_ / "notes.db").string() +
                     ": not a gansweep result database (not even SQLite): file is not a database");

  RawDb(shard("other"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).exec("CREATE TABLE t (x)");
  expect_refused({shard("good"), shard("other")},
                 shard("other").string() +
                     ": not a gansweep result database (it has tables t but no runs or steps "
                     "table; schema version 0)");

  expect_refused({shard("good"), dir_ / "missing.db"},
                 (dir_ / "missing.db").string() + ": no such database file");

  // The same with a target that exists: its bytes stay as they were.
  merge_shards({shard("good")}, target());
  RawDb(target()).exec("PRAGMA wal_checkpoint(TRUNCATE)");
  fs::remove(target().string() + "-wal");
  fs::remove(target().string() + "-shm");
  write_db(shard("more"), "s", "name: s\n", {{"r2", RunStatus::kDone, 5, 1}});
  expect_refused({shard("more"), dir_ / "notes.db"},
                 (dir_ / "notes.db").string() +
                     ": not a gansweep result database (not even SQLite): file is not a database");
}

TEST_F(ShardMergeTest, AShardWithAHotJournalIsRefusedWithWhatToDo) {
  write_db(shard("good"), "s", "name: s\n", {{"r1", RunStatus::kDone, 5, 1}});
  write_db(shard("cut"), "s", "name: s\n", {{"r2", RunStatus::kDone, 5, 1}});
  // What a task killed in the middle of a commit leaves: the journal of a
  // transaction that changed the file and never finished.
  const std::string before = read_bytes(shard("cut"));
  {
    pid_t child = fork();
    if (child == 0) {
      RawDb raw(shard("cut"));
      raw.exec("PRAGMA cache_size = 1");
      raw.exec("BEGIN");
      raw.exec(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
          "INSERT INTO steps (run_key, step) SELECT 'x', i FROM n");
      _exit(0);  // no commit, no rollback, no close
    }
    int status = 0;
    waitpid(child, &status, 0);
  }
  ASSERT_TRUE(fs::exists(shard("cut").string() + "-journal"));
  ASSERT_NE(read_bytes(shard("cut")), before);
  const std::string cut = shard("cut").string();
  expect_refused({shard("good"), shard("cut")},
                 cut + ": a write to it was cut off and " + cut +
                     "-journal holds what it must roll back; open it for writing once (run its "
                     "task again, or sqlite3 " +
                     cut + " 'PRAGMA quick_check'), then merge");
}

TEST_F(ShardMergeTest, AShardOfANewerSchemaIsRefused) {
  write_db(shard("good"), "s", "name: s\n", {{"r1", RunStatus::kDone, 5, 1}});
  write_db(shard("newer"), "s", "name: s\n", {{"r2", RunStatus::kDone, 5, 1}});
  const int newer = schema::kCurrentVersion + 1;
  RawDb(shard("newer")).exec("PRAGMA user_version = " + std::to_string(newer));
  expect_refused({shard("good"), shard("newer")},
                 shard("newer").string() + ": database schema version " + std::to_string(newer) +
                     " is newer than this build of gansweep supports (version " +
                     std::to_string(schema::kCurrentVersion) + "); use a newer gansweep");
}

TEST_F(ShardMergeTest, AForeignTargetOrTheTargetAsAShardIsRefused) {
  write_db(shard("good"), "s", "name: s\n", {{"r1", RunStatus::kDone, 5, 1}});
  RawDb(target(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).exec("CREATE TABLE t (x)");
  expect_refused({shard("good")},
                 target().string() +
                     ": not a gansweep result database (it has tables t but no runs or steps "
                     "table; schema version 0)");
  fs::remove(target());

  merge_shards({shard("good")}, target());
  try {
    merge_shards({shard("good"), target()}, target());
    ADD_FAILURE() << "merged the target into itself";
  } catch (const MergeInputError& e) {
    EXPECT_EQ(std::string(e.what()), target().string() + ": is the merge target itself");
  }
}

TEST_F(ShardMergeTest, FinishedRunKeysAreTheDoneAndDivergedRuns) {
  write_db(shard("a"), "s", "name: s\n",
           {{"r1", RunStatus::kDone, 3, 1},
            {"r2", RunStatus::kDiverged, 3, 1},
            {"r3", RunStatus::kFailed, 3, 1},
            {"r4", RunStatus::kQueued},
            {"r5", RunStatus::kInterrupted, 3, 1}});
  EXPECT_EQ(finished_run_keys(shard("a")), std::set<std::string>({"r1", "r2"}));
  EXPECT_THROW(finished_run_keys(dir_ / "missing.db"), StoreError);
}

}  // namespace
}  // namespace gansweep::store
