// The utvm version string (from CMake's project version).
#pragma once

namespace utvm {
const char* version();
}  // namespace utvm
