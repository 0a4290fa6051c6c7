// Runs the real gansweep binary as a user would, in a fresh folder per
// test, and reads the real SQLite file it writes.
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gansweep::testing {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A started gansweep process; stdout and stderr go to files in `dir`.
class Process {
 public:
  Process(const std::vector<std::string>& args, const fs::path& dir) : dir_(dir) {
    pid_ = fork();
    if (pid_ == 0) {
      chdir(dir.c_str());
      freopen("stdout.txt", "w", stdout);
      freopen("stderr.txt", "w", stderr);
      std::vector<char*> argv;
      std::string binary = GANSWEEP_BINARY;
      argv.push_back(binary.data());
      std::vector<std::string> copies = args;
      for (auto& a : copies) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }

  pid_t pid() const { return pid_; }
  void signal(int number) const { kill(pid_, number); }

  CommandResult wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_file(dir_ / "stdout.txt");
    result.err = read_file(dir_ / "stderr.txt");
    return result;
  }

  // True once the process has ended (without reaping it).
  bool finished() const {
    siginfo_t info{};
    info.si_pid = 0;
    waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    return info.si_pid != 0;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
};

inline CommandResult run_gansweep(const std::vector<std::string>& args, const fs::path& dir) {
  return Process(args, dir).wait();
}

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / (std::string("gansweep-") + info->test_suite_name() + "-" +
                                         info->name() + "-" + std::to_string(getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    if (!::testing::Test::HasFailure()) fs::remove_all(path_);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Rows of a query as text cells ("NULL" for NULL), for exact comparisons.
inline std::vector<std::vector<std::string>> query_rows(const fs::path& db,
                                                        const std::string& sql) {
  sqlite3* handle = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db;
    sqlite3_close(handle);
    return rows;
  }
  // The file may be in the middle of a commit by the process under test.
  sqlite3_busy_timeout(handle, 10000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(handle) << " in " << sql;
    sqlite3_close(handle);
    return rows;
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      if (sqlite3_column_type(statement, i) == SQLITE_NULL) {
        row.emplace_back("NULL");
      } else if (sqlite3_column_type(statement, i) == SQLITE_FLOAT) {
        // Full precision, so equal text means equal doubles.
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%.17g", sqlite3_column_double(statement, i));
        row.emplace_back(buffer);
      } else if (sqlite3_column_type(statement, i) == SQLITE_BLOB) {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, i));
        row.emplace_back(bytes, bytes + sqlite3_column_bytes(statement, i));
      } else {
        row.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, i)));
      }
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  sqlite3_close(handle);
  return rows;
}

inline std::string query_one(const fs::path& db, const std::string& sql) {
  const auto rows = query_rows(db, sql);
  if (rows.empty() || rows[0].empty()) return "";
  return rows[0][0];
}

inline std::string case_file(const std::string& name) {
  return std::string(GANSWEEP_TEST_CASES_DIR) + "/" + name;
}

}  // namespace gansweep::testing
