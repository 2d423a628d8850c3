// Lays out a host-platform project from an MLF archive, atomically: everything is written into a
// temporary directory beside PROJECT_DIR and renamed into place only when complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace utvm::platforms::host {

struct ProjectLayoutRequest {
  std::filesystem::path mlf_path;        // absolute
  std::filesystem::path project_dir;     // absolute; must not exist
  std::filesystem::path device_sources;  // <datadir>/device: include/, src/, ports/posix/
  std::optional<std::uint64_t> workspace_size_bytes;
  std::string extra_cflags;
  nlohmann::json options = nlohmann::json::object();  // all generate_project options (cmsis_path)
};

// Throws project_api::ServerError naming the step that failed; leaves nothing behind on failure
// (platforms/common write_project).
void generate_host_project(const ProjectLayoutRequest& req);

}  // namespace utvm::platforms::host
