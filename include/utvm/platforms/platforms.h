// Built-in platforms: where their template directories and shared device sources live, and the
// server mode (`utvm api-server PLATFORM --read-fd N --write-fd M`) that their
// launch_microtvm_api_server.sh scripts exec.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

namespace utvm::platforms {

// The platforms `utvm api-server` serves, each with a template under data_dir()/platforms.
inline constexpr std::array<std::string_view, 4> kBuiltinPlatforms = {"host", "baremetal", "zephyr",
                                                                      "arduino"};

// <prefix>/share/utvm for the running utvm binary (<prefix>/bin/utvm); also right in a build tree
// (build/bin/utvm -> build/share/utvm).
std::filesystem::path data_dir();

// Absolute path of the running utvm executable.
std::filesystem::path self_executable();

// Runs the Project API server of a built-in platform; argv holds the server's own arguments
// (--read-fd N --write-fd M [--debug]). Returns the process exit status.
int run_platform_server(std::string_view platform, int argc, char** argv);

}  // namespace utvm::platforms
