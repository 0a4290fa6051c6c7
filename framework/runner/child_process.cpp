#include "runner/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace gansweep {
namespace {

// Pids of live children, readable from a signal handler: a fixed array of
// lock-free atomics instead of a container that might be mid-update.
constexpr std::size_t kMaxChildren = 4096;
std::array<std::atomic<pid_t>, kMaxChildren> g_children{};

void remember(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void forget(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

[[noreturn]] void child_fail(int error_pipe, int error) {
  // Only async-signal-safe calls between fork and exec.
  const ssize_t ignored = ::write(error_pipe, &error, sizeof error);
  (void)ignored;
  ::_exit(127);
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv,
                                                  const std::filesystem::path& stderr_log) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess::start: empty argv");
  std::filesystem::create_directories(stderr_log.parent_path());
  const int log_fd = ::open(stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot open {}", stderr_log.string()));
  }
  int output[2];
  int errors[2];  // reports a failed exec back to the parent
  if (::pipe2(output, O_CLOEXEC) != 0 || ::pipe2(errors, O_CLOEXEC) != 0) {
    const int saved = errno;
    ::close(log_fd);
    throw std::system_error(saved, std::generic_category(), "cannot create a pipe");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    for (int fd : {log_fd, output[0], output[1], errors[0], errors[1]}) ::close(fd);
    throw std::system_error(saved, std::generic_category(), "cannot start a run process");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the scheduler died before prctl
    // Signals the scheduler blocks or handles must not carry over.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(output[1], STDOUT_FILENO) < 0 || ::dup2(log_fd, STDERR_FILENO) < 0) {
      child_fail(errors[1], errno);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    child_fail(errors[1], errno);
  }

  ::close(output[1]);
  ::close(errors[1]);
  ::close(log_fd);
  int exec_error = 0;
  ssize_t got;
  do {
    got = ::read(errors[0], &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  ::close(errors[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(output[0]);
    throw std::system_error(exec_error, std::generic_category(),
                            fmt::format("cannot run {}", argv[0]));
  }
  ::fcntl(output[0], F_SETFL, ::fcntl(output[0], F_GETFL) | O_NONBLOCK);
  remember(pid);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, output[0]));
}

ChildProcess::~ChildProcess() {
  if (output_fd_ >= 0) ::close(output_fd_);
  if (!wait_status_) {
    // Never leave a zombie or a stray run behind.
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    forget(pid_);
  }
}

std::vector<std::string> ChildProcess::read_lines() {
  std::vector<std::string> lines;
  if (output_fd_ < 0) return lines;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
    if (n > 0) {
      partial_line_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {  // end of file: the child closed its output or ended
      ::close(output_fd_);
      output_fd_ = -1;
    } else if (errno == EINTR) {
      continue;
    }
    break;  // EAGAIN: nothing more for now
  }
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial_line_.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    lines.push_back(partial_line_.substr(start, nl - start));
  }
  partial_line_.erase(0, start);
  return lines;
}

std::optional<int> ChildProcess::try_wait() {
  if (wait_status_) return wait_status_;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    wait_status_ = status;
    forget(pid_);
  }
  return wait_status_;
}

void ChildProcess::signal(int signal_number) {
  if (!wait_status_) ::kill(pid_, signal_number);
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return fmt::format("exited with code {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return fmt::format("was killed by signal {} ({})", sig, ::strsignal(sig));
  }
  return fmt::format("ended with wait status {}", wait_status);
}

void kill_all_children_now() {
  for (auto& slot : g_children) {
    const pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
}

}  // namespace gansweep
