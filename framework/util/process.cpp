#include "util/process.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace gansweep {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
  return buffer;
}

bool process_is_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

namespace {

std::string command_name(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

bool same_program_is_alive(std::int64_t pid) {
  if (!process_is_alive(pid)) return false;
  const std::string mine = command_name("self");
  const std::string theirs = command_name(std::to_string(pid));
  if (mine.empty() || theirs.empty()) return true;
  return mine == theirs;
}

std::int64_t current_pid() { return static_cast<std::int64_t>(getpid()); }

}  // namespace gansweep
