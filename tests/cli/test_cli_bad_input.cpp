// Bad input through the real command: one clear message naming where and
// what was expected, a non-zero exit, and nothing written.
#include <string>

#include "cli_test_util.h"

namespace gansweep::testing {
namespace {

// Runs `gansweep run FILE --db out.db` and checks the failure contract.
CommandResult expect_rejected(const std::string& file, const TempDir& dir) {
  const CommandResult r = run_gansweep({"run", file, "--db", "out.db"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("gansweep: error: ", 0), 0u) << r.err;
  // One message, on one line.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.db")) << "a database was written for " << file;
  EXPECT_FALSE(fs::exists(dir / "results")) << file;
  return r;
}

TEST(CliBadInput, HandedCasesC02ToC06AreRejectedWithPositions) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"c02-yes-no.yaml", ":7:9: train.loss: unknown value 'yes'"},
      {"c03-duplicate-key.yaml", ":10:3: train.lr: key given twice"},
      {"c04-empty-axis.yaml", ":7:3: train.d_steps: a sweep axis needs at least one value"},
      {"c05-deep-nesting.yaml", ":3:77: nested too deeply"},
      {"c06-typo-key.yaml", ":5:3: train.setps: unknown key; did you mean 'steps'?"},
  };
  for (const auto& [name, expected] : cases) {
    TempDir dir;
    const CommandResult r = expect_rejected(case_file(name), dir);
    EXPECT_NE(r.err.find(case_file(name) + expected), std::string::npos) << r.err;
    // `plan` reports the same error.
    const CommandResult plan = run_gansweep({"plan", case_file(name)}, dir.path());
    EXPECT_EQ(plan.exit_code, 2);
    EXPECT_EQ(plan.err, r.err);
  }
}

TEST(CliBadInput, C01PlansTwoRuns) {
  TempDir dir;
  const CommandResult r =
      run_gansweep({"plan", case_file("c01-scientific-notation.yaml")}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0.0001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5e-05"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 runs"), std::string::npos) << r.out;
}

TEST(CliBadInput, MissingSweepFile) {
  TempDir dir;
  const CommandResult r = expect_rejected("nowhere.yaml", dir);
  EXPECT_EQ(r.err, "gansweep: error: nowhere.yaml: no such sweep file\n");
}

TEST(CliBadInput, MissingFashionMnistFilesAreNamedBeforeAnythingIsWritten) {
  TempDir dir;
  write_file(dir / "images.yaml", "data: {kind: fashion_mnist, path: " + (dir / "empty").string() +
                                      "}\nmodel: {kind: mlp, hidden: 8}\ntrain: {steps: 1}\n");
  fs::create_directories(dir / "empty");
  const CommandResult r = expect_rejected("images.yaml", dir);
  // The setting that pointed there, and the file that is missing.
  EXPECT_NE(r.err.find("images.yaml:1:35: data.path: " + (dir / "empty").string() +
                       "/train-images-idx3-ubyte"),
            std::string::npos)
      << r.err;
}

TEST(CliBadInput, CorruptFashionMnistFileIsNamed) {
  TempDir dir;
  fs::create_directories(dir / "bad");
  for (const std::string name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
    write_file(dir / "bad" / name, "this is not an IDX file");
  }
  write_file(dir / "images.yaml", "data: {kind: fashion_mnist, path: " + (dir / "bad").string() +
                                      "}\ntrain: {steps: 1}\n");
  const CommandResult r = expect_rejected("images.yaml", dir);
  EXPECT_NE(r.err.find((dir / "bad" / "train-images-idx3-ubyte").string()), std::string::npos)
      << r.err;
}

TEST(CliBadInput, CudaAskedForButAbsent) {
  if (std::getenv("CUDA_VISIBLE_DEVICES") != nullptr || fs::exists("/dev/nvidia0")) {
    GTEST_SKIP() << "this machine may have a GPU";
  }
  TempDir dir;
  write_file(dir / "gpu.yaml", "data: {kind: ring8}\ntrain: {steps: 1, device: cuda}\n");
  const CommandResult r = expect_rejected("gpu.yaml", dir);
  EXPECT_NE(r.err.find("device 'cuda' was asked for"), std::string::npos) << r.err;
  // The command-line override is checked the same way.
  write_file(dir / "cpu.yaml", "data: {kind: ring8}\ntrain: {steps: 1}\n");
  const CommandResult o =
      run_gansweep({"run", "cpu.yaml", "--db", "out.db", "--device", "cuda:1"}, dir.path());
  EXPECT_EQ(o.exit_code, 2);
  // The message names the option the user typed.
  EXPECT_EQ(o.err.rfind("gansweep: error: --device: device 'cuda:1'", 0), 0u) << o.err;
  EXPECT_FALSE(fs::exists(dir / "out.db"));
  const CommandResult many =
      run_gansweep({"run", "cpu.yaml", "--db", "out.db", "--devices", "cpu,cuda:1"}, dir.path());
  EXPECT_EQ(many.exit_code, 2);
  EXPECT_EQ(many.err.rfind("gansweep: error: --devices: device 'cuda:1'", 0), 0u) << many.err;
}

TEST(CliBadInput, ADatabaseThatIsNotGansweepsIsLeftUntouched) {
  TempDir dir;
  write_file(dir / "sweep.yaml", "data: {kind: ring8}\ntrain: {steps: 1}\n");
  const std::string garbage(4096, 'x');
  write_file(dir / "other.db", garbage);
  const CommandResult r = run_gansweep({"run", "sweep.yaml", "--db", "other.db"}, dir.path());
  // Bad input (2), not a failure of gansweep's (1), for every command that
  // reads the file.
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("other.db: not a gansweep result database (not even SQLite)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(read_file(dir / "other.db"), garbage);
  for (const std::vector<std::string>& command : {std::vector<std::string>{"status", "other.db"},
                                                  {"query", "other.db"},
                                                  {"summary", "other.db"},
                                                  {"report", "other.db", "-o", "r.html"}}) {
    const CommandResult read = run_gansweep(command, dir.path());
    EXPECT_EQ(read.exit_code, 2) << command[0] << ": " << read.err;
    EXPECT_NE(read.err.find("not a gansweep result database"), std::string::npos) << read.err;
  }
  EXPECT_EQ(read_file(dir / "other.db"), garbage);
  EXPECT_FALSE(fs::exists(dir / "r.html"));
  write_file(dir / "empty.db", "");
  const CommandResult empty = run_gansweep({"query", "empty.db"}, dir.path());
  EXPECT_EQ(empty.exit_code, 2) << empty.err;
  EXPECT_NE(empty.err.find("empty.db: empty database"), std::string::npos) << empty.err;
  const CommandResult missing = run_gansweep({"status", "missing.db"}, dir.path());
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("missing.db: no such database file"), std::string::npos)
      << missing.err;
}

TEST(CliBadInput, BadArguments) {
  TempDir dir;
  EXPECT_EQ(run_gansweep({"run"}, dir.path()).exit_code, 2);
  EXPECT_EQ(run_gansweep({"frobnicate"}, dir.path()).exit_code, 2);
  EXPECT_EQ(run_gansweep({"run", "x.yaml", "--threads", "0"}, dir.path()).exit_code, 2);
  write_file(dir / "ok.yaml", "data: {kind: ring8}\ntrain: {steps: 1}\n");
  const CommandResult device =
      run_gansweep({"run", "ok.yaml", "--db", "x.db", "--device", "cuda:x"}, dir.path());
  EXPECT_EQ(device.exit_code, 2);
  EXPECT_NE(device.err.find("'cuda:x' is not cuda:N"), std::string::npos) << device.err;
  EXPECT_FALSE(fs::exists(dir / "x.db"));
  const CommandResult by = run_gansweep({"summary", "x.db", "--by", "train.bogus"}, dir.path());
  EXPECT_EQ(by.exit_code, 2);
  EXPECT_NE(by.err.find("unknown setting 'train.bogus'"), std::string::npos) << by.err;
  const CommandResult folder = run_gansweep({"status", "."}, dir.path());
  EXPECT_NE(folder.err.find(".: is a folder, not a database file"), std::string::npos)
      << folder.err;
  const CommandResult status = run_gansweep({"status", "missing.db"}, dir.path());
  EXPECT_NE(status.exit_code, 0);
  EXPECT_NE(status.err.find("missing.db: no such database file"), std::string::npos) << status.err;
  EXPECT_FALSE(fs::exists(dir / "missing.db"));
}

}  // namespace
}  // namespace gansweep::testing
