// Facts about this build that are recorded with every run.
#pragma once

namespace gansweep {

// The project's git commit at build time, "-dirty" appended when tracked
// files had uncommitted changes, or "unknown" outside a git checkout.
const char* git_commit();

// The gansweep version from CMakeLists.txt.
const char* gansweep_version();

}  // namespace gansweep
