// A run process started by the scheduler: its standard output comes back
// through a pipe (progress lines), its standard error goes to the run's log
// file. Torch-free; POSIX only.
//
// Each child gets a process group of its own, so a Ctrl-C at the terminal
// reaches only the scheduler, which then stops its runs one way or the
// other; and it is sent SIGTERM by the kernel if the scheduler dies, so a
// killed scheduler leaves no orphan training on (the run checkpoints, marks
// itself interrupted and exits).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gansweep {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv. Throws std::system_error naming the
  // program when it cannot be started; the log file is created if missing.
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv,
                                             const std::filesystem::path& stderr_log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The read end of its standard output (non-blocking), -1 once closed.
  int output_fd() const { return output_fd_; }
  // Complete lines read so far from its standard output; reads what is
  // available without blocking, and closes the pipe at end of file.
  std::vector<std::string> read_lines();
  // The wait status once the process has ended, without blocking before.
  std::optional<int> try_wait();
  // Sends a signal (ignored once the process has been reaped).
  void signal(int signal_number);

 private:
  ChildProcess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}
  pid_t pid_;
  int output_fd_;
  std::string partial_line_;
  std::optional<int> wait_status_;
};

// "exited with code 3", "was killed by signal 9 (Killed)".
std::string describe_wait_status(int wait_status);

// Async-signal-safe: sends SIGKILL to every child started by this process
// and not yet reaped. For a second Ctrl-C, which must stop everything now.
void kill_all_children_now();

}  // namespace gansweep
