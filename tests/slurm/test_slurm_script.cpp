// Tests of the job-array script: quoting for bash and for sbatch's #SBATCH
// parser, the exact #SBATCH lines, refused values, and the script itself run
// by bash as an array task would run it, with paths full of characters a
// shell would otherwise act on and a stand-in for the gansweep binary.

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "runner/slurm_script.h"

namespace gansweep {
namespace {

namespace fs = std::filesystem;

// Every character that means something to bash or to sbatch.
const std::string kNasty = "a b'c\"d$(touch pwned)`touch pwned2`;e&f|g<h>i#j%k\\l*m?n~o!p{q}";

struct Output {
  int exit_code = -1;
  std::string out;
};

// Runs `command` through /bin/sh (test code only), stdout captured.
Output run(const std::string& command) {
  Output result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) result.out.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class SlurmScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gansweep-slurm-script-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A job whose every path lies under a folder named `folder`.
  SlurmJob job_in(const fs::path& folder) const {
    SlurmJob job;
    job.gansweep_binary = folder / "bin" / "gansweep";
    job.sweep_file = folder / "sweep.yaml";
    job.keys_file = folder / "x.slurm" / "job.keys";
    job.shards_dir = folder / "x.shards";
    job.log_dir = folder / "x.slurm" / "logs";
    job.work_dir = folder / "work";
    job.database = folder / "x.db";
    job.job_name = "gansweep-quickstart";
    job.partition = "gpu";
    job.tasks = 3;
    return job;
  }

  fs::path dir_;
};

TEST(ShellQuote, SingleQuotesEverythingAndSplicesInnerQuotes) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(x) `y` \\ \""), "'$(x) `y` \\ \"'");
}

TEST(ShellQuote, BashReadsBackTheExactText) {
  for (const std::string& text : {kNasty, std::string("''"), std::string("-n"),
                                  std::string("\xc3\xa9t\xc3\xa9 \xe2\x9c\x93")}) {
    const Output output = run("bash -c " + shell_quote("printf '%s' " + shell_quote(text)));
    EXPECT_EQ(output.exit_code, 0);
    EXPECT_EQ(output.out, text);
  }
  EXPECT_FALSE(fs::exists("pwned"));
  EXPECT_FALSE(fs::exists("pwned2"));
}

TEST(SbatchQuote, QuotesAnythingButPlainPathsAndOptions) {
  EXPECT_EQ(sbatch_quote("/home/a-b/x_1.db"), "/home/a-b/x_1.db");
  EXPECT_EQ(sbatch_quote("gpu:a100:2,nvme+1=x@y%A"), "gpu:a100:2,nvme+1=x@y%A");
  EXPECT_EQ(sbatch_quote(""), "\"\"");
  EXPECT_EQ(sbatch_quote("my runs/#1 'x' \"y\" \\z $HOME"),
            "\"my runs/#1 'x' \\\"y\\\" \\\\z $HOME\"");
  EXPECT_EQ(sbatch_quote("\xc3\xa9"), "\"\xc3\xa9\"");
}

TEST(SlurmOptions, ProblemsNameWhatWasExpected) {
  EXPECT_EQ(partition_problem("gpu"), "");
  EXPECT_EQ(partition_problem("gpu,gpu-long"), "");
  EXPECT_EQ(partition_problem("gpu long"),
            "'gpu long' is not a partition name (or names separated by ',')");
  EXPECT_EQ(partition_problem(""),
            "must not be empty; expected a partition name (or names separated by ',')");
  EXPECT_EQ(gres_problem("gpu:1"), "");
  EXPECT_EQ(gres_problem("gpu:a100:2,nvme:1"), "");
  EXPECT_EQ(gres_problem("gpu:1;rm"),
            "'gpu:1;rm' is not a generic resource such as gpu:1 or gpu:a100:2");
  for (const char* ok : {"30", "02:00:00", "90:00", "1-12", "1-12:30", "2-00:00:00", "UNLIMITED"}) {
    EXPECT_EQ(time_limit_problem(ok), "") << ok;
  }
  EXPECT_EQ(time_limit_problem("2h"), "'2h' is not a time limit such as 02:00:00 or 1-12:00:00");
}

TEST(SlurmPaths, ShardsAndScriptsLieBesideTheDatabase) {
  EXPECT_EQ(shards_directory("/r/quickstart.db"), fs::path("/r/quickstart.shards"));
  EXPECT_EQ(shards_directory("/r/exp.v1"), fs::path("/r/exp.v1.shards"));
  EXPECT_EQ(slurm_directory("/r/quickstart.db"), fs::path("/r/quickstart.slurm"));
  EXPECT_EQ(slurm_directory("results/x"), fs::path("results/x.slurm"));
}

TEST_F(SlurmScriptTest, SbatchLinesAskForARequeueableThrottledArray) {
  SlurmJob job = job_in("/home/u/exp");
  job.tasks = 16;
  job.max_parallel = 4;
  job.threads = 2;
  job.gres = "gpu:1";
  job.time_limit = "02:00:00";
  const std::string script = slurm_array_script(job);
  std::vector<std::string> sbatch_lines;
  std::istringstream lines(script);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("#SBATCH", 0) == 0) sbatch_lines.push_back(line);
  }
  EXPECT_EQ(sbatch_lines, std::vector<std::string>({
                              "#SBATCH --job-name=gansweep-quickstart",
                              "#SBATCH --partition=gpu",
                              "#SBATCH --array=0-15%4",
                              "#SBATCH --requeue",
                              "#SBATCH --open-mode=append",
                              "#SBATCH --output=/home/u/exp/x.slurm/logs/%A_%a.out",
                              "#SBATCH --cpus-per-task=2",
                              "#SBATCH --gres=gpu:1",
                              "#SBATCH --time=02:00:00",
                          }));
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(script.find("exec \"$gansweep\" train-run \"$sweep_file\" --db "
                        "\"$shards/$run_key.db\" \\\n  --chosen-from \"$database\" --run "
                        "\"$run_key\" --journal delete "
                        "--threads 2\n"),
            std::string::npos);
  EXPECT_NE(script.find("#   gansweep merge '/home/u/exp/x.shards'/*.db -o '/home/u/exp/x.db'\n"),
            std::string::npos);
  // The script itself keeps to 100 columns where no path is spliced in.
  std::istringstream all(script);
  for (std::string line; std::getline(all, line);) {
    if (line.find("/home/u/exp") == std::string::npos) EXPECT_LE(line.size(), 100u) << line;
  }

  // No throttle, no gres, no time limit: no such lines.
  const std::string plain = slurm_array_script(job_in("/home/u/exp"));
  EXPECT_NE(plain.find("#SBATCH --array=0-2\n"), std::string::npos);
  EXPECT_EQ(plain.find("--gres"), std::string::npos);
  EXPECT_EQ(plain.find("--time"), std::string::npos);
}

TEST_F(SlurmScriptTest, OddPathsAreEscapedOnSbatchLines) {
  SlurmJob job = job_in("/data/my runs/50% #1 'x'");
  const std::string script = slurm_array_script(job);
  EXPECT_NE(script.find("#SBATCH --output=\"/data/my runs/50%% #1 'x'/x.slurm/logs/%A_%a.out\"\n"),
            std::string::npos)
      << script;
}

TEST_F(SlurmScriptTest, BashRunsTheTaskWithTheExactArgumentsAndNothingElse) {
  // Every path of the job lies under a folder whose name is full of shell
  // syntax; the stand-in binary prints its arguments and folder.
  const fs::path folder = dir_ / kNasty;
  SlurmJob job = job_in(folder);
  // The one path a backslash may not be in (see ValuesNoQuotingCanCarry...).
  job.log_dir = dir_ / "logs";
  job.threads = 3;
  job.device = "cuda:1";
  for (const fs::path& sub : {folder / "bin", folder / "x.slurm", folder / "work"}) {
    fs::create_directories(sub);
  }
  write_file(job.gansweep_binary, "#!/bin/sh\nprintf '%s\\n' \"$PWD\" \"$@\"\n");
  fs::permissions(job.gansweep_binary, fs::perms::owner_all);
  write_file(job.keys_file, "0123456789abcdef\nfedcba9876543210\n00000000000000ff\n");
  const fs::path script = dir_ / "job.sh";
  write_file(script, slurm_array_script(job));

  EXPECT_EQ(run("bash -n " + shell_quote(script.string())).exit_code, 0);
  const Output output = run("cd " + shell_quote(dir_.string()) + " && SLURM_ARRAY_TASK_ID=1 bash " +
                            shell_quote(script.string()) + " 2>/dev/null");
  ASSERT_EQ(output.exit_code, 0);
  const std::string shards = (folder / "x.shards").string();
  const std::vector<std::string> expected{(folder / "work").string(),
                                          "train-run",
                                          (folder / "sweep.yaml").string(),
                                          "--db",
                                          shards + "/fedcba9876543210.db",
                                          "--chosen-from",
                                          job.database.string(),
                                          "--run",
                                          "fedcba9876543210",
                                          "--journal",
                                          "delete",
                                          "--threads",
                                          "3",
                                          "--device",
                                          "cuda:1"};
  std::vector<std::string> got;
  std::istringstream lines(output.out);
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(fs::is_directory(shards));
  // Nothing from the names was run.
  for (const fs::path& where : {dir_, folder, folder / "work", fs::current_path()}) {
    EXPECT_FALSE(fs::exists(where / "pwned")) << where;
    EXPECT_FALSE(fs::exists(where / "pwned2")) << where;
  }
}

TEST_F(SlurmScriptTest, ATaskWithoutItsRunStopsWithAMessage) {
  SlurmJob job = job_in(dir_);
  fs::create_directories(dir_ / "x.slurm");
  fs::create_directories(dir_ / "work");
  write_file(job.keys_file, "0123456789abcdef\nnot a key\n");
  const fs::path script = dir_ / "job.sh";
  write_file(script, slurm_array_script(job));
  const std::string bash = "bash " + shell_quote(script.string()) + " 2>&1";

  Output output = run("SLURM_ARRAY_TASK_ID=2 " + bash);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_EQ(output.out, "gansweep: no run for array task 2 in " + job.keys_file.string() + "\n");
  output = run("SLURM_ARRAY_TASK_ID=1 " + bash);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_EQ(output.out, "gansweep: line 2 of " + job.keys_file.string() + " is not a run key\n");
  output = run("unset SLURM_ARRAY_TASK_ID; " + bash);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_EQ(output.out,
            "gansweep: this script runs as a Slurm array task: submit it with sbatch\n");
}

TEST_F(SlurmScriptTest, ValuesNoQuotingCanCarryAreRefused) {
  auto refused = [](const SlurmJob& job) -> std::string {
    try {
      slurm_array_script(job);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  SlurmJob job = job_in("/srv");
  job.sweep_file = "sweep.yaml";
  EXPECT_EQ(refused(job), "the sweep file must be an absolute path: sweep.yaml");
  job = job_in("/srv/a\nb");
  EXPECT_EQ(refused(job),
            "the gansweep binary cannot hold a line break in a batch script: /srv/a\nb/bin/"
            "gansweep");
  job = job_in("/srv");
  job.log_dir = "/srv/a\\b";
  EXPECT_EQ(refused(job), "the log folder cannot hold a backslash in a batch script: /srv/a\\b");
  job = job_in("/srv");
  job.partition = "gpu;x";
  EXPECT_EQ(refused(job),
            "--partition: 'gpu;x' is not a partition name (or names separated by ',')");
  job = job_in("/srv");
  job.tasks = 0;
  EXPECT_EQ(refused(job), "the job array needs at least one task");
}

}  // namespace
}  // namespace gansweep
