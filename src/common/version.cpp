#include "common/version.h"

namespace fishtts {

const char* version() { return FISHTTS_VERSION; }

}  // namespace fishtts
