// The generated project's project.json: what generate_project decided (platform, board, model,
// the model's footprint from its metadata, CMSIS, MLPerf settings, and each platform's own keys)
// for the project's own server to read back in build, flash and open_transport. Read and written
// here only; the file's keys are those of ProjectRecord::to_json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "utvm/common/error.h"
#include "utvm/platforms/board.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {

// What the model alone takes, from its metadata (bytes): "footprint" in project.json.
struct Footprint {
  std::uint64_t ram = 0;    // everything the firmware is expected to need in RAM
  std::uint64_t flash = 0;  // the model's constants in flash
  std::uint64_t workspace = 0, io = 0;
  std::uint64_t constants = 0;  // the model's weights (older projects: the flash figure)
  bool weights_in_ram = false;  // AVR: the constants are copied to RAM
  std::uint64_t link_rx = 0;    // arduino: the link's receive buffer (0: not recorded)
};

struct ProjectRecord {
  std::string platform;
  std::string board;
  std::string model = "model";
  std::string project_type = "host_driven";
  Footprint footprint;
  nlohmann::json cmsis;   // cmsis_project_json(): null, or {"path", "layout"}
  nlohmann::json mlperf;  // null unless project_type is mlperf_tiny (MlperfFirmware)
  // The platform's own keys (zephyr_board, fqbn, sketch, baud, ...), at the top level of the file.
  nlohmann::json platform_fields = nlohmann::json::object();

  nlohmann::json to_json() const;
  // Throws utvm::Error(kBadInput) naming `file` when a known key has the wrong type.
  static ProjectRecord from_json(const nlohmann::json& j, const std::filesystem::path& file);
};

// <dir>/project.json as generate_project wrote it; a project_api::ServerError saying `dir` is a
// template when there is none, or naming the file when it is not JSON or not so shaped.
ProjectRecord read_project_record(const std::filesystem::path& dir);
// Writes <dir>/project.json; throws utvm::Error on failure.
void write_project_record(const std::filesystem::path& dir, const ProjectRecord& record);

// The board the project was generated for, looked up once per command with the platform's
// `boards.find(dir / "boards.json", record.board)`; its utvm::Error (board gone from the file,
// broken file) becomes a project_api::ServerError "<step>: <its text>".
template <class PlatformBoard>
PlatformBoard project_board(const std::filesystem::path& dir, const ProjectRecord& record,
                            std::string_view step, const BoardSchema<PlatformBoard>& boards) {
  try {
    return boards.find(dir / "boards.json", record.board);
  } catch (const Error& e) {
    throw project_api::ServerError(std::string(step) + ": " + e.what());
  }
}

}  // namespace utvm::platforms
