// The memory report every built-in platform's `build` leaves behind, built once here: RAM and
// flash used against the board's, and the breakdown the model's metadata allows (model weights,
// workspace arena, I/O tensors, stack, and the runtime, link and rest of the firmware as what
// remains). Written to build/memory_report.json (project_api::MemoryUsage, read by the CLI) and
// build/memory_report.txt, and printed to the build log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "common/project_record.h"
#include "utvm/project_api/memory_usage.h"

namespace utvm::platforms {

// What generate_project knew of the model from its metadata (ProjectRecord::footprint).
struct ModelMemory {
  std::uint64_t weights = 0;    // constants ("constants", else "flash")
  std::uint64_t workspace = 0;  // the workspace arena ("workspace")
  std::uint64_t io = 0;         // input and output tensors ("io")
  bool weights_in_ram = false;  // AVR: the constants are copied to RAM
};
// From the project's recorded footprint; missing fields are 0 (older projects).
ModelMemory model_memory(const Footprint& footprint);

// The firmware's use of `ram` and `flash` on `board`, broken down: flash into model weights and
// the rest; RAM into workspace arena, I/O tensors, (weights,) stack and the rest. A part of 0 bytes
// is left out, and so is "the rest" when the parts already account for everything.
project_api::MemoryUsage firmware_memory_usage(const std::string& board,
                                               project_api::MemoryRegionUse ram,
                                               project_api::MemoryRegionUse flash,
                                               std::uint64_t stack, const ModelMemory& model);

// Writes build_dir/memory_report.json and .txt and prints the text on stderr (the build log).
void write_memory_report(const std::filesystem::path& build_dir,
                         const project_api::MemoryUsage& usage);

}  // namespace utvm::platforms
