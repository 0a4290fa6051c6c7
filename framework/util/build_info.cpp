#include "util/build_info.h"

namespace gansweep {

const char* gansweep_version() { return GANSWEEP_VERSION; }

}  // namespace gansweep
