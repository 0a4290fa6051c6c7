#include "util/process.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

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

std::int64_t current_pid() { return static_cast<std::int64_t>(getpid()); }

}  // namespace gansweep
