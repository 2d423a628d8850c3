// Built-in platforms: the server mode (`utvm api-server PLATFORM --read-fd N --write-fd M`) that
// their launch_microtvm_api_server.sh scripts exec.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

namespace utvm::platforms {

// The platforms `utvm api-server` serves, each with a template under the data directory's
// platforms/ (utvm/common/install_layout.h).
inline constexpr std::array<std::string_view, 4> kBuiltinPlatforms = {"host", "baremetal", "zephyr",
                                                                      "arduino"};

// Runs the Project API server of a built-in platform; argv holds the server's own arguments
// (--read-fd N --write-fd M [--debug]). Returns the process exit status.
int run_platform_server(std::string_view platform, int argc, char** argv);

}  // namespace utvm::platforms
