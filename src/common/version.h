#pragma once

namespace fishtts {

// The engine's version ("0.1.0"), from the CMake project version.
const char* version();

}  // namespace fishtts
