#include "common/build_dir.h"

#include <cstdio>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "common/files.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStamp = ".utvm-project-dir";

// Whether `recorded` names `dir`: the same directory (through symlinks too) while it exists;
// a recorded directory that is gone (the project was moved) is another one.
bool same_directory(const fs::path& recorded, const fs::path& dir) {
  std::error_code ec;
  if (fs::equivalent(recorded, dir, ec)) return true;
  return !ec ? false : fs::weakly_canonical(recorded, ec) == fs::weakly_canonical(dir, ec);
}

}  // namespace

std::optional<std::string> cmake_cache_value(const fs::path& cache, const std::string& key) {
  std::ifstream in(cache);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    auto eq = line.find('=');
    if (eq != std::string::npos) return line.substr(eq + 1);
  }
  return std::nullopt;
}

std::optional<fs::path> build_dir_owner(const fs::path& build_dir) {
  std::ifstream stamp(build_dir / kStamp);
  std::string line;
  if (stamp && std::getline(stamp, line) && !line.empty()) return fs::path(line);
  if (auto home = cmake_cache_value(build_dir / "CMakeCache.txt", "CMAKE_HOME_DIRECTORY")) {
    if (!home->empty()) return fs::path(*home);
  }
  return std::nullopt;
}

bool claim_build_dir(const fs::path& project_dir, const fs::path& build_dir) {
  std::error_code ec;
  bool cleared = false;
  const auto owner = build_dir_owner(build_dir);
  if (owner && !same_directory(*owner, project_dir)) {
    if (fs::is_symlink(build_dir, ec)) {
      throw project_api::ServerError(fmt::format(
          "build: {} is a symlink to the build of {}, not of {}; remove it (or point it at an "
          "empty directory) and build again",
          build_dir.string(), owner->string(), project_dir.string()));
    }
    for (const auto& entry : fs::directory_iterator(build_dir, ec)) {
      fs::remove_all(entry.path(), ec);  // a symlink entry is removed, not its target
      if (ec) {
        throw project_api::ServerError(
            fmt::format("build: {} holds the build of {}; cannot remove {}: {}", build_dir.string(),
                        owner->string(), entry.path().string(), ec.message()));
      }
    }
    cleared = true;
    std::fputs(fmt::format("build: {} was made for {}; building {} afresh\n", build_dir.string(),
                           owner->string(), project_dir.string())
                   .c_str(),
               stderr);
  }
  fs::create_directories(build_dir, ec);
  write_file(build_dir / kStamp, project_dir.string() + "\n");
  return cleared;
}

}  // namespace utvm::platforms
