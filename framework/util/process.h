// Facts about processes on this machine, to tell a run that is being
// trained from one whose process was killed.
#pragma once

#include <cstdint>
#include <string>

namespace gansweep {

// This machine's host name, or "unknown".
std::string host_name();

// Whether a process with this id exists on this machine (also when it
// belongs to another user).
bool process_is_alive(std::int64_t pid);

// The id of this process.
std::int64_t current_pid();

}  // namespace gansweep
