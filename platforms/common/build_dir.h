// A project's build directory belongs to the project directory it was made for. CMake caches
// record their source directory (CMAKE_HOME_DIRECTORY) and build from it; `cp -a proj copy` or
// `mv proj elsewhere` carries that cache along, so the copy would build the original's sources
// (or, once the original is gone, fail). claim_build_dir() notices and starts the build afresh.
// One copy for host, baremetal, zephyr and arduino.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace utvm::platforms {

// `KEY:TYPE=value` from a CMakeCache.txt; nullopt when the file or the key is absent.
std::optional<std::string> cmake_cache_value(const std::filesystem::path& cache,
                                             const std::string& key);

// The project directory `build_dir` was made for: utvm's stamp (.utvm-project-dir, written by
// claim_build_dir), else the CMake cache's CMAKE_HOME_DIRECTORY; nullopt when neither is there.
std::optional<std::filesystem::path> build_dir_owner(const std::filesystem::path& build_dir);

// Makes `build_dir` (created if missing) the build directory of `project_dir`. When it was made
// for another directory (the project was copied or moved), everything in it is removed first —
// entries only, never following symlinks out of it — a note goes to stderr (the step's log) and
// true is returned. Then the stamp naming `project_dir` is written. A `build_dir` that is a symlink
// to another project's build is not emptied: project_api::ServerError asks the user to remove it.
bool claim_build_dir(const std::filesystem::path& project_dir,
                     const std::filesystem::path& build_dir);

}  // namespace utvm::platforms
