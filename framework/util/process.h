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

// Whether a live process with this id runs the same program as this one
// (by /proc/PID/comm on Linux), so that a process id reused by an unrelated
// program after a crash does not look like a gansweep still at work. Where
// /proc cannot be read, any live process counts.
bool same_program_is_alive(std::int64_t pid);

// The id of this process.
std::int64_t current_pid();

}  // namespace gansweep
